# Two entry points (see README): `make all` builds every table (and report) from data/raw/,
# `make test` runs the test suite. Both create .venv and install what they need on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
# Reinstall whenever pyproject.toml changes.
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: all build test clean

all: build

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip 2>/dev/null || true
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@rm -f $(VENV)/.installed-*
	@touch $@

build: $(STAMP)
	$(BIN)/compare build --raw data/raw --out data/processed
	$(BIN)/compare reports --processed data/processed --out reports

test: $(STAMP)
	$(BIN)/python -m pytest

clean:
	rm -rf data/processed/*.parquet data/processed/*.csv data/processed/build_report.json reports/*/
