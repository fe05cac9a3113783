"""Stored results hold data that never runs; one build per folder; writing fails in sentences.

Each case damages what a build leaves behind (stored results, the folder itself) and checks
that the next build or load says what happened and never returns a mix or runs code. (Killed
builds and damaged stores: tests/test_store.py.)
"""

import errno
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from compare import frames, schema
from compare.analysis.references import FitChoice
from compare.build import build_tables, load_tables, write_tables
from compare.cache import CacheEntryError, decode, encode
from compare.cli import main
from compare.store import output_lock
from tests.conftest import SAMPLE_PLAN, compare_build, tree_hashes


@pytest.fixture()
def raw(tmp_path):
    folder = tmp_path / "raw"
    (folder / "plans").mkdir(parents=True)
    for i, place in enumerate(("甲区", "乙区", "丙区")):
        (folder / "plans" / f"plan{i}.txt").write_text(
            SAMPLE_PLAN.replace("测试区", place), encoding="utf-8"
        )
    return folder


def _entries(cache: Path, stage: str = "read") -> list[tuple[str, bytes]]:
    """The stored results of ``stage`` in the store in ``cache``: (key, entry bytes), by key."""
    import duckdb

    with duckdb.connect(str(cache / "compare.duckdb")) as con:
        rows = con.execute(
            "SELECT key, value FROM results WHERE stage = ? ORDER BY key", [stage]
        ).fetchall()
    return [(k, bytes(v)) for k, v in rows]


def _store(cache: Path, stage: str, key: str, data: bytes) -> None:
    """Replace one stored result's bytes, as someone with write access to the store could."""
    import duckdb

    with duckdb.connect(str(cache / "compare.duckdb")) as con:
        con.execute("UPDATE results SET value = ? WHERE stage = ? AND key = ?", [data, stage, key])


class Exploit:
    """Unpickling this runs a command that leaves a file behind."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_entries_round_trip_as_data_only():
    import numpy as np

    value = {("a", 1): (np.arange(5, dtype=np.int32), [1.5, None, "x"]), "d": {"k": {1, 2}}}
    key = "0" * 64
    back = decode(key, encode(key, value))
    assert back.keys() == value.keys()
    assert back[("a", 1)][0].tolist() == [0, 1, 2, 3, 4] and back[("a", 1)][1] == [1.5, None, "x"]
    assert back["d"] == {"k": {1, 2}}
    with pytest.raises(TypeError, match="cannot be cached"):
        encode(key, object())
    with pytest.raises(CacheEntryError, match="another key"):
        decode("1" * 64, encode(key, value))


def test_a_crafted_pickle_in_the_cache_never_runs(raw, tmp_path):
    cache = tmp_path / "cache"
    first, _ = build_tables(raw, cache_dir=cache)
    marker = tmp_path / "pwned"
    for key, _ in _entries(cache):
        _store(cache, "read", key, pickle.dumps(Exploit(marker)))
    again, report = build_tables(raw, cache_dir=cache)
    assert not marker.exists()
    assert report.cache["read"] == {"reused": 0, "built": 3}
    notes = [w for w in report.warnings if "stored result read/" in w]
    assert len(notes) == 3 and all("not a compare cache entry" in n for n in notes)
    for name in first:
        pd.testing.assert_frame_equal(first[name], again[name], obj=name)


def test_a_damaged_cache_entry_is_rebuilt_with_a_note(raw, tmp_path):
    """Every kind of kept result (the cache's stages and the fitted references), damaged, is
    made again with a note, never trusted; the tables are as before."""
    cache, fits = tmp_path / "cache", FitChoice(tmp_path / "references")
    first, _ = build_tables(raw, cache_dir=cache, references=fits)

    def damage(data: bytes) -> bytes:
        data = bytearray(data)
        for k in range(8):  # eight flipped bytes in the payload
            data[-(k * 7 + 3)] ^= 0xFF
        return bytes(data)

    for stage in ("read", "segment", "extract", "align", "memo"):
        key, data = _entries(cache, stage)[0]
        _store(cache, stage, key, damage(data))
    model = fits.folder / "model.entry"
    model.write_bytes(damage(model.read_bytes()))
    again, report = build_tables(raw, cache_dir=cache, references=fits)
    damaged = [w for w in report.warnings if "is damaged (its checksum does not match)" in w]
    assert {w.split("stored result ")[1].split("/")[0] for w in damaged} >= {
        "read",
        "segment",
        "extract",
        "align",
    }
    assert report.references["action"] == "fitted"
    assert "model.entry: is damaged (its checksum does not match)" in report.references["note"]
    for name in first:
        pd.testing.assert_frame_equal(first[name], again[name], obj=name)
    clean, report = build_tables(raw, cache_dir=cache, references=fits)  # good again
    assert not [w for w in report.warnings if "stored result" in w]
    assert report.references["action"] == "reused"


def test_an_entry_copied_over_another_never_drops_a_plan(raw, tmp_path):
    cache = tmp_path / "cache"
    first, _ = build_tables(raw, cache_dir=cache)
    (_, a), (b, _) = _entries(cache)[:2]
    _store(cache, "read", b, a)
    again, report = build_tables(raw, cache_dir=cache)
    assert len(again["documents"]) == 3
    assert not [f for f in report.files if f.status == "duplicate"]
    assert any("stored under another key" in w for w in report.warnings)
    pd.testing.assert_frame_equal(first["documents"], again["documents"])


def test_a_cache_entry_of_the_wrong_kind_is_rebuilt(raw, tmp_path):
    cache = tmp_path / "cache"
    build_tables(raw, cache_dir=cache)
    key, _ = _entries(cache)[0]
    _store(cache, "read", key, encode(key, {"not": "a document"}))
    tables, report = build_tables(raw, cache_dir=cache)
    assert len(tables["documents"]) == 3 and any("wrong kind" in w for w in report.warnings)


def test_a_cached_frame_that_is_not_arrow_data_is_rebuilt(raw, tmp_path):
    """A segment entry whose checksum holds but whose measures are not a well-formed Arrow table
    (a crafted entry) is made again, not read: the tables are those of a build without it."""
    cache = tmp_path / "cache"
    first, _ = build_tables(raw, cache_dir=cache)
    entries = _entries(cache, "segment")
    assert len(entries) == 3
    for k, (key, data) in enumerate(entries):
        parts = list(decode(key, data))
        assert isinstance(parts[1], bytes)  # the measures, as Arrow bytes
        foreign = frames.encode(pd.DataFrame({"x": [1]}), "measures")  # well formed, not measures
        parts[1] = [b"not arrow", parts[1][: len(parts[1]) // 2], foreign][k]
        _store(cache, "segment", key, encode(key, tuple(parts)))
    again, report = build_tables(raw, cache_dir=cache)
    assert sum("wrong kind" in w for w in report.warnings) == 3
    for name in ("measures", "alignments", "coverage"):
        pd.testing.assert_frame_equal(first[name], again[name])


def test_a_second_build_into_the_same_folder_is_refused(raw, tmp_path):
    out = tmp_path / "out"
    with output_lock(out):
        busy = subprocess.run(
            [
                sys.executable,
                "-m",
                "compare.cli",
                "build",
                "--raw",
                str(raw),
                "--out",
                str(out),
                "--no-progress",
            ],
            capture_output=True,
            text=True,
        )
    assert busy.returncode == 1
    assert (
        "another build is writing to this folder" in busy.stderr and "Traceback" not in busy.stderr
    )
    assert not (out / "documents.parquet").exists()
    compare_build(raw, out)


def test_concurrent_builds_never_mix(raw, tmp_path):
    out = tmp_path / "out"
    other = tmp_path / "raw2"
    shutil.copytree(raw, other)
    (other / "plans" / "plan3.txt").write_text(
        SAMPLE_PLAN.replace("测试区", "丁区"), encoding="utf-8"
    )
    cmds = [
        [
            sys.executable,
            "-m",
            "compare.cli",
            "build",
            "--raw",
            str(r),
            "--out",
            str(out),
            "--no-progress",
        ]
        for r in (raw, other, raw, other)
    ]
    procs = [
        subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for c in cmds
    ]
    results = [(p.wait(), p.stderr.read()) for p in procs]
    assert any(code == 0 for code, _ in results)
    assert all(code == 0 or "another build is writing" in err for code, err in results), results
    tables = load_tables(out)
    assert len(tables["drift"]["doc_id"].unique()) == len(tables["documents"])


def test_strict_failure_replaces_nothing(raw, tmp_path):
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["build", "--raw", str(raw), "--out", str(out)]).exit_code == 0
    before = tree_hashes(out)
    (raw / "plans" / "broken.pdf").write_bytes(b"%PDF-1.4 broken")
    result = CliRunner().invoke(main, ["build", "--raw", str(raw), "--out", str(out), "--strict"])
    assert result.exit_code != 0 and "nothing was written" in result.output
    assert tree_hashes(out) == before


@pytest.mark.parametrize(
    "code,words",
    [
        (errno.EACCES, "permission denied"),
        (errno.EROFS, "read-only disk"),
        (errno.ENOSPC, "the disk is full"),
    ],
)
def test_an_output_folder_that_cannot_be_written_gets_a_sentence(
    raw, tmp_path, monkeypatch, code, words
):
    from compare import store

    def refuse(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(store, "_put_table", refuse)
    result = CliRunner().invoke(main, ["build", "--raw", str(raw), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert words in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out" / "documents.parquet").exists()


def test_a_folder_on_a_read_only_disk(raw):
    result = CliRunner().invoke(main, ["build", "--raw", str(raw), "--out", "/proc/compare-out"])
    assert (
        result.exit_code == 1
        and "cannot write here" in result.output
        and "Traceback" not in result.output
    )


def test_csv_neutralises_formulas_and_parquet_keeps_the_text(raw, tmp_path):
    text = (
        SAMPLE_PLAN.replace("测试区", "公式区")
        + "附件\n重点任务分工\n序号\t工作任务\t牵头单位\t配合单位\n"
        '1\t=HYPERLINK("http://127.0.0.1/x","点击")落实护理补贴制度\t区民政局\t区残联\n'
        "2\t＝1+1开展无障碍改造\t+区残联\t@区财政局\n"
    )
    folder = tmp_path / "formula"
    (folder / "plans").mkdir(parents=True)
    (folder / "plans" / "plan.txt").write_text(text, encoding="utf-8")
    tables, report = build_tables(folder)
    write_tables(tables, tmp_path / "out", report)
    tasks = load_tables(tmp_path / "out", ["tasks"])["tasks"]
    assert (
        tasks["task"].tolist()[0].startswith("=HYPERLINK")
    )  # (brackets made full width in Chinese text)
    assert (
        tasks["task"].tolist()[1].startswith("=1+1")
    )  # full width folded: neutralised in CSV all the same
    csv = pd.read_csv(tmp_path / "out" / "tasks.csv", encoding="utf-8-sig", dtype=str)
    assert csv["task"].tolist()[0].startswith("'=HYPERLINK")
    assert csv["task"].tolist()[1].startswith("'=1+1")
    for col in csv.columns:
        for cell in csv[col].dropna():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (col, cell)


def test_what_older_builds_kept_of_their_own_is_removed(raw, tmp_path):
    """The store holds what the file cache, staging folders and manifests held: a build into a
    folder an older version wrote removes them (and only them)."""
    out = tmp_path / "out"
    for folder in (".cache/read", ".staging-12", "alignments"):
        (out / folder).mkdir(parents=True)
    (out / ".cache" / "read" / "x.entry").write_bytes(b"old")
    (out / "alignments" / "_manifest.json").write_text("{}", encoding="utf-8")
    (out / ".tables.lock").write_text("", encoding="utf-8")
    (out / "mine.txt").write_text("mine", encoding="utf-8")
    compare_build(raw, out)
    left = {p.name for p in out.iterdir()}
    assert not left & {".cache", ".staging-12", ".tables.lock"}
    assert not (out / "alignments" / "_manifest.json").exists()
    assert (out / "mine.txt").read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize("slice_rows", [1, 2, 3, 1 << 18])
def test_a_repeated_text_key_is_found_in_any_slice(monkeypatch, slice_rows):
    """Text keys are checked sorted, a slice at a time: a repeat is found wherever the slices
    fall, and a key without repeats passes."""
    monkeypatch.setattr(schema, "KEY_SLICE", slice_rows)
    ids = pd.Series([f"a|b|{i}" for i in range(9)], dtype="string")
    frame = pd.DataFrame({"alignment_id": ids})
    assert not schema._has_duplicates(frame, ("alignment_id",))
    for i, j in [(0, 8), (3, 4), (7, 8), (0, 1)]:
        repeated = ids.copy()
        repeated[j] = ids[i]
        assert schema._has_duplicates(pd.DataFrame({"alignment_id": repeated}), ("alignment_id",))
