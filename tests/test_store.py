"""The build's single store (``compare.duckdb``): one commit per build, read whole while a build
runs, only changed plans' rows and files written again, damaged or foreign files refused."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from compare import exports, schema, store
from compare.build import build_tables, load_tables, write_tables
from compare.errors import CompareError
from tests.conftest import SAMPLE_PLAN, compare_build, run_build, tree_hashes
from tests.helpers import as_stored

PLACES = ("甲区", "乙区", "丙区")


@pytest.fixture()
def raw(tmp_path):
    folder = tmp_path / "raw"
    (folder / "plans").mkdir(parents=True)
    for i, place in enumerate(PLACES):
        text = SAMPLE_PLAN.replace("测试区", place)
        (folder / "plans" / f"plan{i}.txt").write_text(text, encoding="utf-8")
    return folder


def _add_plan(raw):
    text = SAMPLE_PLAN.replace("测试区", "丁区")
    (raw / "plans" / "plan3.txt").write_text(text, encoding="utf-8")


def _reword(raw):
    plan = raw / "plans" / "plan1.txt"
    text = plan.read_text(encoding="utf-8")
    plan.write_text(text.replace("逐步提高", "大幅提高"), encoding="utf-8")


_FRESH: dict[tuple, object] = {}  # raw files' hashes → a fresh build of them (this module's)


def _same_as_fresh(out, raw, tmp_path):
    """The tables in ``out`` equal those of a fresh build of ``raw``, and so do the files.
    (A fresh build of the same files is made once in this module.)"""
    key = tuple(sorted(tree_hashes(raw).items()))
    fresh = _FRESH.get(key)
    if fresh is None or not fresh.is_dir():
        fresh = _FRESH[key] = tmp_path / "fresh"
        compare_build(raw, fresh)
    mine, theirs = load_tables(out), load_tables(fresh)
    assert sorted(mine) == sorted(theirs)
    for name in mine:
        pd.testing.assert_frame_equal(mine[name], theirs[name], obj=name)
    # the build report says why the references were fitted again, the fresh build that there
    # was no earlier fit: every other file is the same
    mine, theirs = tree_hashes(out), tree_hashes(fresh)
    assert mine.pop("build_report.json") and theirs.pop("build_report.json")
    assert mine == theirs


def _inodes(out):
    """Each plan's export file and its inode (a file written again gets a new one)."""
    files = list((out / "alignments").rglob("*.parquet")) + list((out / "alignments_csv").glob("*"))
    return {p.relative_to(out).as_posix(): p.stat().st_ino for p in files}


def test_the_corpus_tables_read_back_exactly(built, tmp_path):
    tables = built[0]
    write_tables(tables, tmp_path, validated=True)
    back = load_tables(tmp_path)
    for name, table in tables.items():
        pd.testing.assert_frame_equal(back[name], as_stored(table), obj=name)
    plans = tables["alignments"]["doc_id"].unique().tolist()
    found = sorted(p.name for p in (tmp_path / "alignments").iterdir() if p.is_dir())
    assert found == sorted(f"doc_id={d}" for d in plans) and len(plans) >= 5
    assert sorted(p.stem for p in (tmp_path / "alignments_csv").iterdir()) == sorted(plans)
    # any Parquet reader sees one table (the plan's id comes from the folder's name)
    plain = pd.read_parquet(tmp_path / "alignments")
    assert len(plain) == len(tables["alignments"])
    assert set(plain["doc_id"].astype(str)) == set(plans)
    one = plans[0]
    csv = pd.read_csv(tmp_path / "alignments_csv" / f"{one}.csv", encoding="utf-8-sig")
    assert set(csv["doc_id"]) == {one} and len(csv) == (tables["alignments"]["doc_id"] == one).sum()
    # the database describes its tables as the schema does
    described = store.sql(
        tmp_path, "SELECT comment FROM duckdb_tables() WHERE table_name = 'tasks'"
    )
    assert described["comment"].tolist() == [schema.TABLES["tasks"].description]


def test_only_changed_plans_are_stored_and_exported_again(raw, tmp_path, monkeypatch):
    """A reworded plan: its rows (and the rows of plans aligned with it) are replaced, the
    others' stay in the store untouched, and only its files are exported again; a removed
    plan's rows and files go. Each time the tables are those of a fresh build."""
    out = tmp_path / "out"
    tables, report = build_tables(raw, cache_dir=out)
    write_tables(tables, out, report, validated=True)
    first = _inodes(out)
    inserted = []
    real = store._insert

    def insert(con, name, df, cols, *, per_doc):
        inserted.append((name, sorted(set(df["doc_id"])) if per_doc else "whole"))
        return real(con, name, df, cols, per_doc=per_doc)

    monkeypatch.setattr(store, "_insert", insert)
    again, report = build_tables(raw, cache_dir=out)
    write_tables(again, out, report, validated=True)
    assert inserted == [] and _inodes(out) == first  # nothing changed: nothing written
    _reword(raw)
    newer, report = build_tables(raw, cache_dir=out)
    write_tables(newer, out, report, validated=True)
    per_doc = {name: ids for name, ids in inserted if ids != "whole"}
    assert per_doc["measures"] == ["yiqu-2019"] and per_doc["texts"] == ["yiqu-2019"]
    assert "yiqu-2019" in per_doc["alignments"]
    now = _inodes(out)
    assert "alignments_csv/yiqu-2019.csv" in {k for k in first if now[k] != first[k]}
    for name in ("measures", "alignments", "provisions", "drift", "coverage"):
        pd.testing.assert_frame_equal(load_tables(out)[name], as_stored(newer[name]), obj=name)
    (raw / "plans" / "plan2.txt").unlink()
    fewer, report = build_tables(raw, cache_dir=out)
    write_tables(fewer, out, report, validated=True)
    assert not (out / "alignments" / "doc_id=bingqu-2019").exists()
    assert not (out / "alignments_csv" / "bingqu-2019.csv").exists()
    back = load_tables(out)
    for name in fewer:
        pd.testing.assert_frame_equal(back[name], as_stored(fewer[name]), obj=name)


def test_replaced_rows_are_compacted_once_they_are_many(tmp_path):
    """A national corpus's plan replaced costs that plan's rows: the rows it replaces stay in
    the database's file, deleted, until they are more than a quarter of the table; the
    commit that finds them so compacts the table."""
    plans, rows = 40, 122_880 * 4 // 40  # four of the database's row groups, full
    doc = np.repeat([f"plan-{p:02d}" for p in range(plans)], rows)
    frame = schema.empty_frame("alignments").reindex(range(plans * rows))
    frame = frame.assign(alignment_id=[f"{d}|{k}" for d, k in zip(doc, range(len(doc)))],
                         doc_id=doc, reference_doc_id="ref", reference_measure_id="ref-1",
                         measure_ids=[["m-1"]] * len(doc), similarity=0.5, coverage=0.5,
                         edit_label="reworded", reference_text="甲", plan_text="乙")
    keys = {f"plan-{p:02d}": "first" for p in range(plans)}
    out = tmp_path / "out"
    store.commit_build(out, {"alignments": frame}, row_keys={"alignments": keys})
    deleted = []
    for turn in range(3):  # six plans, 15% of the rows, of every row group, replaced each time
        keys = {**keys, **{f"plan-{p:02d}": f"turn {turn}" for p in range(turn, plans, 7)}}
        store.commit_build(out, {"alignments": frame}, row_keys={"alignments": keys})
        deleted.append(_deleted_rows(out, "alignments"))
    assert deleted[0] == 6 * rows and deleted[1] == 12 * rows  # 30%: the next commit compacts
    assert deleted[2] == 0
    with store.connect(out) as con:
        ids = con.execute("SELECT alignment_id FROM alignments ORDER BY doc_id, _seq").fetchall()
    assert [i for i, in ids] == frame["alignment_id"].tolist()


def _deleted_rows(out, name: str) -> int:
    """Rows of table ``name`` deleted but still in the database's file."""
    with store.connect(out) as con:
        stored = con.execute("SELECT estimated_size FROM duckdb_tables() WHERE table_name = ?",
                             [name]).fetchone()[0]
        return stored - con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]


@pytest.mark.parametrize("change", ["add", "reword", "remove"])
def test_a_plan_added_changed_or_removed_gives_a_fresh_builds_tables(raw, tmp_path, change):
    out = tmp_path / "out"
    compare_build(raw, out)
    if change == "add":
        _add_plan(raw)
    elif change == "reword":
        _reword(raw)
    else:
        (raw / "plans" / "plan0.txt").unlink()
    shown = compare_build(raw, out)
    assert "reused from the cache" in shown
    _same_as_fresh(out, raw, tmp_path)


def test_a_plan_id_never_makes_a_path_outside_the_table():
    for value in ("..", ".", "a/b", "x\\y", "区"):
        parquet_path, csv_path = exports.partition_paths("alignments", value)
        for path in (parquet_path, csv_path):
            parts = path.split("/")
            assert ".." not in parts and "." not in parts
        assert parquet_path.startswith("alignments/doc_id=") and parquet_path.count("/") == 2
        assert csv_path.startswith("alignments_csv/") and csv_path.count("/") == 1


# --------------------------------------------------------------------------- builds killed
HOOK = """
import os, signal, sys, time
from pathlib import Path
import compare.build, compare.exports, compare.store
from compare.analysis import lineage

def hooked(module, name):
    real = getattr(module, name)
    def run(*args, **kwargs):
        mark = Path(os.environ["HOOK_MARK"])
        if os.environ["HOOK_AT"] == name and not mark.exists():  # the first time only
            mark.write_text("here")
            if os.environ["HOOK_DO"] == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            time.sleep(float(os.environ["HOOK_DO"]))
        return real(*args, **kwargs)
    setattr(module, name, run)

hooked(compare.build, "_segment_batch")
hooked(lineage, "_align_batch")
hooked(compare.store, "_put_table")
hooked(compare.exports, "_export_plans")
from compare.cli import run
sys.argv = ["compare"] + sys.argv[1:]
run()
"""


def _hooked_build(raw, out, tmp_path, at, do, *, wait=True):
    """``compare build`` (one job) that, on first reaching ``at``, is killed (``do="kill"``)
    or pauses ``do`` seconds, leaving a mark when it gets there."""
    mark = tmp_path / f"mark-{at}"
    mark.unlink(missing_ok=True)
    cmd = [sys.executable, "-c", HOOK, "build", "--raw", str(raw), "--out", str(out),
           "--no-progress", "--jobs", "1"]
    env = {**os.environ, "HOOK_AT": at, "HOOK_DO": do, "HOOK_MARK": str(mark)}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if wait:
        proc.wait(timeout=600)
    return proc, mark


@pytest.mark.parametrize("at", ["_segment_batch", "_align_batch", "_put_table", "_export_plans"])
def test_a_build_killed_anywhere_leaves_the_last_build_whole(raw, tmp_path, at):
    """Killed with SIGKILL while reading documents, while aligning, inside the commit, or
    while exporting after it: the store holds one build whole (the last committed one, or,
    killed while exporting, the new one), and the next build finishes the job."""
    out = tmp_path / "out"
    compare_build(raw, out)
    before = load_tables(out)
    _add_plan(raw)
    proc, mark = _hooked_build(raw, out, tmp_path, at, "kill")
    assert proc.returncode == -signal.SIGKILL and mark.exists()
    after = load_tables(out)
    expected = 4 if at == "_export_plans" else 3  # killed after its commit, or before
    assert len(after["documents"]) == expected
    if expected == 3:
        for name in before:
            pd.testing.assert_frame_equal(after[name], before[name], obj=name)
    assert len(after["drift"]["doc_id"].unique()) == expected
    compare_build(raw, out)
    left = [p.name for p in out.rglob("*") if p.name.endswith(".tmp")]
    assert left == []
    _same_as_fresh(out, raw, tmp_path)


def test_readers_get_the_last_committed_build_while_a_build_runs(raw, tmp_path):
    """While a build computes, a notebook's compare.load() gets the last committed build at
    once; while it commits, the reader waits and gets the new build whole; a second build is
    refused meanwhile with a sentence."""
    import compare

    out = tmp_path / "out"
    compare_build(raw, out)
    _add_plan(raw)
    proc, mark = _hooked_build(raw, out, tmp_path, "_align_batch", "4", wait=False)
    while not mark.exists():
        assert proc.poll() is None, proc.stderr.read().decode()
        time.sleep(0.05)
    assert len(compare.load(out).documents) == 3  # the last committed build
    second = run_build(raw, out)
    assert second.returncode == 1 and "another build is writing to this folder" in second.stderr
    assert "Traceback" not in second.stderr
    assert proc.wait(timeout=600) == 0
    (raw / "plans" / "plan3.txt").unlink()
    proc, mark = _hooked_build(raw, out, tmp_path, "_put_table", "3", wait=False)
    # the build pauses at its first table inside the commit, holding the store for writing:
    # the reader waits, then reads the new build whole
    while not mark.exists():
        assert proc.poll() is None, proc.stderr.read().decode()
        time.sleep(0.05)
    reader = subprocess.run(
        [sys.executable, "-c", "import compare, sys; c = compare.load(sys.argv[1]); "
         "print(len(c.documents), c.tables['drift']['doc_id'].nunique())", str(out)],
        capture_output=True, text=True, timeout=600,
    )
    assert proc.wait(timeout=600) == 0
    assert reader.returncode == 0 and reader.stdout.split() == ["3", "3"], reader.stderr


@pytest.mark.parametrize("damage", ["truncated", "foreign", "text"])
def test_a_damaged_or_foreign_store_is_refused_with_a_sentence(raw, tmp_path, damage):
    import duckdb

    out = tmp_path / "out"
    compare_build(raw, out)
    path = out / store.STORE_NAME
    if damage == "truncated":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 3])
    elif damage == "foreign":
        path.unlink()
        with duckdb.connect(str(path)) as con:
            con.execute("CREATE TABLE accounts (name VARCHAR, balance DOUBLE)")
    else:
        path.write_text("不是数据库", encoding="utf-8")
    raw_before = tree_hashes(raw)
    with pytest.raises(CompareError, match=r"compare\.duckdb: .*compare build --rebuild"):
        load_tables(out)
    done = run_build(raw, out)
    assert done.returncode == 1 and "compare build --rebuild" in done.stderr
    assert "Traceback" not in done.stderr
    compare_build(raw, out, "--rebuild")
    assert len(load_tables(out)["documents"]) == 3 and tree_hashes(raw) == raw_before


def test_sql_reads_the_store_and_nothing_else(raw, tmp_path):
    import compare

    out = tmp_path / "out"
    compare_build(raw, out)
    corpus = compare.load(out)
    counts = corpus.sql(
        "SELECT doc_id, count(*) AS n FROM measures GROUP BY doc_id ORDER BY doc_id"
    )
    assert counts["n"].sum() == len(corpus.measures)
    assert counts["doc_id"].tolist() == sorted(corpus.measures["doc_id"].unique())
    one = corpus.sql("SELECT title FROM documents WHERE doc_id = ?", ["jiaqu-2019"])
    titles = corpus.documents.set_index("doc_id")["title"]
    assert one["title"].tolist() == [titles["jiaqu-2019"]]
    for query in ("DELETE FROM measures", "CREATE TABLE x (a INT)",
                  f"SELECT * FROM read_csv('{raw / 'plans' / 'plan0.txt'}')",
                  f"COPY measures TO '{tmp_path / 'leak.csv'}'"):
        with pytest.raises(CompareError, match="the query could not be run"):
            corpus.sql(query)
    assert not (tmp_path / "leak.csv").exists()
    assert len(load_tables(out)["measures"]) == len(corpus.measures)


def test_results_set_aside_on_disk_are_committed_and_reused(raw, tmp_path, monkeypatch):
    """A national build's results are set aside in a scratch folder beside the store until
    the commit (here: every one): the next build reuses them all, and no scratch file is
    left; one a killed build left (its process gone) is removed."""
    from compare import cache

    out = tmp_path / "out"
    out.mkdir()
    (out / ".results-999999999").write_bytes(b"left by a killed build")
    monkeypatch.setattr(cache, "SPILL_BYTES", 1)
    first, _ = build_tables(raw, cache_dir=out)
    assert not list(out.glob(".results-*"))
    again, report = build_tables(raw, cache_dir=out)
    assert report.cache["read"] == {"reused": 3, "built": 0}
    assert report.cache["align"] == {"reused": 3, "built": 0}
    for name in first:
        pd.testing.assert_frame_equal(first[name], again[name], obj=name)
