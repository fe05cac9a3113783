# Two entry points (see README): `make all` builds every table (and report) from data/raw/,
# `make test` runs the test suite. Both create .venv and install what they need on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
# Reinstall whenever pyproject.toml changes.
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: all build test browser clean

all: build

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip 2>/dev/null || true
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@rm -f $(VENV)/.installed-*
	@touch $@

build: $(STAMP) browser
	@$(BIN)/python -m compileall -q src >/dev/null  # bytecode, also where PYTHONDONTWRITEBYTECODE is set
	$(BIN)/compare build --raw data/raw --out data/processed
	$(BIN)/compare reports --processed data/processed --out reports

test: $(STAMP) browser
	$(BIN)/python -m pytest

# Headless Chromium: it prints the reports to PDF (`make all`) and runs the browser tests; a CJK
# system font for the tests that compare pages with and without one. Without them, `compare
# reports` writes no PDFs (it says so) and those tests are skipped with the reason.
browser:
	@if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1 \
	    || ! fc-list :lang=zh 2>/dev/null | grep -q .; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "installing chromium (report PDFs, browser tests) and fonts-wqy-microhei"; \
	    (apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium fonts-wqy-microhei) \
	      >/dev/null 2>&1 || echo "note: could not install chromium: no PDFs, browser tests skipped"; \
	  else echo "note: chromium not installed: no PDFs, browser tests skipped"; fi; \
	fi

clean:
	rm -rf data/processed/*.parquet data/processed/*.csv data/processed/*/ data/processed/build_report.json data/processed/.cache reports/*/
