"""compare build has nothing to do when nothing its tables depend on has changed: the same raw
files (by content), program, options and fitted references. Anything else builds again."""

from __future__ import annotations

import os
import shutil
import time

import pytest

from tests.conftest import SAMPLE_PLAN, compare_build, tree_hashes

UP_TO_DATE = "are up to date"


@pytest.fixture()
def raw(tmp_path):
    folder = tmp_path / "raw"
    (folder / "plans").mkdir(parents=True)
    for i, place in enumerate(("甲区", "乙区", "丙区")):
        text = SAMPLE_PLAN.replace("测试区", place)
        (folder / "plans" / f"plan{i}.txt").write_text(text, encoding="utf-8")
    return folder


def _written(out):
    """Each output file and when it was last written (not the lock files and the cache)."""
    return {
        p.relative_to(out).as_posix(): p.stat().st_mtime_ns
        for p in out.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(out).parts)
    }


def test_nothing_changed_nothing_written(raw, tmp_path):
    out = tmp_path / "out"
    assert UP_TO_DATE not in compare_build(raw, out)
    before, hashes = _written(out), tree_hashes(out)
    plan = raw / "plans" / "plan0.txt"
    os.utime(plan, (1, 1))  # touched, the same content: still nothing to do
    shown = compare_build(raw, out)
    assert UP_TO_DATE in shown and "Traceback" not in shown
    assert _written(out) == before and tree_hashes(out) == hashes


@pytest.mark.parametrize(
    "change",
    [
        "edit a plan",
        "add a plan",
        "--force",
        "--refit",
        "--no-cache",
        "--limit",
    ],
)
def test_any_change_builds_again(raw, tmp_path, change):
    out = tmp_path / "out"
    compare_build(raw, out)
    extra: list[str] = []
    if change == "edit a plan":
        plan = raw / "plans" / "plan1.txt"
        plan.write_text(plan.read_text(encoding="utf-8").replace("逐步", "稳步"), encoding="utf-8")
    elif change == "add a plan":
        text = SAMPLE_PLAN.replace("测试区", "丁区")
        (raw / "plans" / "plan3.txt").write_text(text, encoding="utf-8")
    elif change == "--limit":
        extra = ["--limit", "pages=400"]
    else:
        extra = [change]
    shown = compare_build(raw, out, *extra)
    assert UP_TO_DATE not in shown and "Tables written to" in shown
    from compare.build import load_tables

    tables = load_tables(out)  # whole and from one build again
    assert len(tables["documents"]) == (4 if change == "add a plan" else 3)
    if change == "edit a plan":
        assert tables["measures"]["text"].str.contains("稳步").any()


@pytest.mark.parametrize("change", ["damage a table", "remove a table", "save a CSV again"])
def test_exports_changed_since_are_written_again_from_the_store(raw, tmp_path, change):
    """The store holds the build; the Parquet and CSV files are its exports. One changed or
    removed since (a file cut short, a folder deleted, a CSV saved from a spreadsheet) is
    written again by the next build, which has nothing else to do."""
    out = tmp_path / "out"
    compare_build(raw, out)
    hashes = tree_hashes(out)
    if change == "damage a table":
        (out / "measures.parquet").write_bytes(b"PAR1 cut short")
    elif change == "remove a table":
        shutil.rmtree(out / "alignments")
    else:
        (out / "tasks.csv").write_text("序号,任务\n", encoding="gbk")
    shown = compare_build(raw, out)
    assert UP_TO_DATE in shown and "written again from the store" in shown
    assert tree_hashes(out) == hashes


def test_a_file_changed_in_place_is_hashed_again(tmp_path):
    """A build hashes each raw file once; a file changed since (even to the same size, with its
    modification time put back) is read again, never taken for what it was."""
    from compare.inputs import file_sha256

    path = tmp_path / "plan.txt"
    path.write_text("甲区方案", encoding="utf-8")
    first = file_sha256(path)
    assert file_sha256(path) == first
    stat = path.stat()
    time.sleep(0.05)  # past the file system clock's tick (a few ms): the change time moves on
    path.write_text("乙区方案", encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size and path.stat().st_mtime_ns == stat.st_mtime_ns
    assert file_sha256(path) != first
    assert file_sha256(tmp_path / "missing.txt") is None
