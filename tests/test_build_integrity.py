"""The build cache holds data that never runs; a build is all-or-nothing; one build per folder.

Each case damages what a build leaves behind (cache entries, tables, the folder itself) and
checks that the next build or load says what happened and never returns a mix or runs code.
"""

import errno
import os
import pickle
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from compare import frames, schema
from compare.analysis.references import FitChoice
from compare.build import build_tables, load_tables, write_tables
from compare.cache import MAGIC, Cache, CacheEntryError, decode, encode
from compare.cli import main
from compare.errors import CompareError
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


def _read_entries(cache: Path) -> list[Path]:
    return sorted((cache / "read").glob("*.entry"))


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
    for entry in _read_entries(cache):
        entry.write_bytes(pickle.dumps(Exploit(marker)))
    # an old-style pickle entry under the name an older version used is never opened either
    (cache / "read" / (_read_entries(cache)[0].stem + ".pkl")).write_bytes(
        pickle.dumps(Exploit(marker))
    )
    again, report = build_tables(raw, cache_dir=cache)
    assert not marker.exists()
    assert report.cache["read"] == {"reused": 0, "built": 3}
    notes = [w for w in report.warnings if "build cache entry read/" in w]
    assert len(notes) == 3 and all("not a compare cache entry" in n for n in notes)
    for name in first:
        pd.testing.assert_frame_equal(first[name], again[name], obj=name)


def test_a_damaged_cache_entry_is_rebuilt_with_a_note(raw, tmp_path):
    """Every kind of kept result (the cache's stages and the fitted references), damaged, is
    made again with a note, never trusted; the tables are as before."""
    cache, fits = tmp_path / "cache", FitChoice(tmp_path / "references")
    first, _ = build_tables(raw, cache_dir=cache, references=fits)
    entries = [
        sorted((cache / s).glob("*.entry"))[0]
        for s in ("read", "segment", "extract", "align", "memo")
    ]
    for entry in entries + [fits.folder / "model.entry"]:
        data = bytearray(entry.read_bytes())
        for k in range(8):  # eight flipped bytes in the payload
            data[-(k * 7 + 3)] ^= 0xFF
        entry.write_bytes(bytes(data))
    again, report = build_tables(raw, cache_dir=cache, references=fits)
    damaged = [w for w in report.warnings if "is damaged (its checksum does not match)" in w]
    assert {w.split("build cache entry ")[1].split("/")[0] for w in damaged} >= {
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
    assert not [w for w in report.warnings if "build cache entry" in w]
    assert report.references["action"] == "reused"


def test_an_entry_copied_over_another_never_drops_a_plan(raw, tmp_path):
    cache = tmp_path / "cache"
    first, _ = build_tables(raw, cache_dir=cache)
    a, b = _read_entries(cache)[:2]
    shutil.copy(a, b)
    again, report = build_tables(raw, cache_dir=cache)
    assert len(again["documents"]) == 3
    assert not [f for f in report.files if f.status == "duplicate"]
    assert any("stored under another key" in w for w in report.warnings)
    pd.testing.assert_frame_equal(first["documents"], again["documents"])


def test_a_cache_entry_of_the_wrong_kind_is_rebuilt(raw, tmp_path):
    cache = tmp_path / "cache"
    build_tables(raw, cache_dir=cache)
    entry = _read_entries(cache)[0]
    entry.write_bytes(encode(entry.stem, {"not": "a document"}))
    tables, report = build_tables(raw, cache_dir=cache)
    assert len(tables["documents"]) == 3 and any("wrong kind" in w for w in report.warnings)


def test_a_cached_frame_that_is_not_arrow_data_is_rebuilt(raw, tmp_path):
    """A segment entry whose checksum holds but whose measures are not a well-formed Arrow table
    (a crafted entry) is made again, not read: the tables are those of a build without it."""
    cache = tmp_path / "cache"
    first, _ = build_tables(raw, cache_dir=cache)
    entries = sorted((cache / "segment").glob("*.entry"))
    assert len(entries) == 3
    for k, entry in enumerate(entries):
        parts = list(decode(entry.stem, entry.read_bytes()))
        assert isinstance(parts[1], bytes)  # the measures, as Arrow bytes
        foreign = frames.encode(pd.DataFrame({"x": [1]}), "measures")  # well formed, not measures
        parts[1] = [b"not arrow", parts[1][: len(parts[1]) // 2], foreign][k]
        entry.write_bytes(encode(entry.stem, tuple(parts)))
    again, report = build_tables(raw, cache_dir=cache)
    assert sum("wrong kind" in w for w in report.warnings) == 3
    for name in ("measures", "alignments", "coverage"):
        pd.testing.assert_frame_equal(first[name], again[name])


def test_tables_from_two_builds_are_refused_by_name(raw, tmp_path):
    out = tmp_path / "out"
    tables, report = build_tables(raw)
    write_tables(tables, out, report)
    (raw / "plans" / "plan3.txt").write_text(
        SAMPLE_PLAN.replace("测试区", "丁区"), encoding="utf-8"
    )
    newer, newer_report = build_tables(raw)
    other = tmp_path / "other"
    write_tables(newer, other, newer_report)
    for name in (
        "measures.parquet",
        "drift.parquet",
    ):  # as a build killed while moving its files leaves it
        shutil.copy(other / name, out / name)
    with pytest.raises(
        CompareError,
        match=r"2 different builds \(documents, .* from one build; measures, drift from another\)",
    ):
        load_tables(out)
    with pytest.raises(CompareError, match="different builds"):
        load_tables(out, ["documents"])


def test_a_write_that_fails_midway_leaves_the_last_tables(raw, tmp_path, monkeypatch):
    from compare import store

    out = tmp_path / "out"
    tables, report = build_tables(raw)
    write_tables(tables, out, report)
    before = tree_hashes(out)
    (raw / "plans" / "plan3.txt").write_text(
        SAMPLE_PLAN.replace("测试区", "丁区"), encoding="utf-8"
    )
    newer, newer_report = build_tables(raw)
    real, calls = os.replace, []

    def full_disk(src, dst):  # the tenth move fails (the moves back succeed)
        calls.append(dst)
        if len(calls) == 10:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(store.os, "replace", full_disk)
    with pytest.raises(CompareError, match="the disk is full"):
        write_tables(newer, out, newer_report)
    monkeypatch.undo()
    assert tree_hashes(out) == before
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == [
        ".build.lock",
        ".tables.lock",
    ]
    assert len(load_tables(out)["documents"]) == 3


KILLER = """
import os, signal, sys
from compare import store
real, count = os.replace, [0]
def replace(src, dst):
    if ".staging-" in str(src):  # a finished file moved into the output folder
        count[0] += 1
        if count[0] == int(os.environ["KILL_AT"]):
            os.kill(os.getpid(), signal.SIGKILL)
    return real(src, dst)
store.os.replace = replace
from compare.cli import run
sys.argv = ["compare"] + sys.argv[1:]
run()
"""


@pytest.mark.parametrize("kill_at", [1, 2, 12, 25])
def test_a_build_killed_while_writing_never_gives_a_mix(raw, tmp_path, kill_at):
    """Killed while moving its 25 files into place (before the first, after the second, halfway,
    before the last): load_tables refuses the folder, naming what is mixed, or (killed before
    the first move) returns the last build whole; the next build repairs it."""
    out = tmp_path / "out"
    cmd = [
        sys.executable,
        "-m",
        "compare.cli",
        "build",
        "--raw",
        str(raw),
        "--out",
        str(out),
        "--no-progress",
    ]
    subprocess.run(cmd, check=True, capture_output=True)
    (raw / "plans" / "plan3.txt").write_text(
        SAMPLE_PLAN.replace("测试区", "丁区"), encoding="utf-8"
    )
    killed = subprocess.run(
        [sys.executable, "-c", KILLER] + cmd[3:],
        capture_output=True,
        env={**os.environ, "KILL_AT": str(kill_at)},
    )
    assert killed.returncode == -signal.SIGKILL
    if kill_at == 1:  # nothing moved yet: the last build, whole
        tables = load_tables(out)
        assert len(tables["documents"]) == 3 and len(tables["drift"]["doc_id"].unique()) == 3
    else:
        with pytest.raises(CompareError, match=r"different builds .*run `compare build` again"):
            load_tables(out)
    assert any(p.name.startswith(".staging-") for p in out.iterdir())  # left by the killed build
    subprocess.run(cmd, check=True, capture_output=True)
    assert len(load_tables(out)["documents"]) == 4
    left = [
        p.name for p in out.rglob("*") if p.name.startswith(".staging-") or p.name.endswith(".tmp")
    ]
    assert left == []


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

    monkeypatch.setattr(store, "_write_staged", refuse)
    result = CliRunner().invoke(main, ["build", "--raw", str(raw), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert words in result.output and "Traceback" not in result.output
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".staging")]


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


def test_the_cache_is_tidied_of_temporary_and_old_files(tmp_path):
    cache = Cache(tmp_path / "cache")
    cache.put("read", "a" * 64, {"x": 1})
    (tmp_path / "cache" / "read" / ".left.tmp").write_bytes(b"")
    (tmp_path / "cache" / "read" / ("b" * 64 + ".pkl")).write_bytes(b"")
    assert cache.tidy() == 2
    assert [p.name for p in (tmp_path / "cache" / "read").iterdir()] == ["a" * 64 + ".entry"]
    assert (tmp_path / "cache" / "read" / ("a" * 64 + ".entry")).read_bytes().startswith(MAGIC)


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
