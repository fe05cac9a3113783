"""The alignments table stored one plan per file: a Parquet dataset partitioned by doc_id and one
CSV per plan; a rebuild rewrites only the plans whose rows changed."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pytest

from compare import partitions, schema
from compare.build import build_tables, load_tables, write_tables
from compare.errors import CompareError
from tests.conftest import SAMPLE_PLAN
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


def _inodes(out):
    """Each stored partition file and the inode it has (a file written again gets a new one)."""
    files = list((out / "alignments").rglob("*.parquet")) + list((out / "alignments_csv").glob("*"))
    return {p.relative_to(out).as_posix(): p.stat().st_ino for p in files}


def test_the_corpus_alignments_read_back_exactly(built, tmp_path):
    tables = built[0]
    write_tables(tables, tmp_path, validated=True)
    assert not (tmp_path / "alignments.parquet").exists()
    plans = tables["alignments"]["doc_id"].unique().tolist()
    found = sorted(p.name for p in (tmp_path / "alignments").iterdir() if p.is_dir())
    assert found == sorted(f"doc_id={d}" for d in plans) and len(plans) >= 5
    assert sorted(p.stem for p in (tmp_path / "alignments_csv").iterdir()) == sorted(plans)
    back = load_tables(tmp_path, ["alignments"])["alignments"]
    pd.testing.assert_frame_equal(back, as_stored(tables["alignments"]))
    # any Parquet reader sees one table (the plan's id comes from the folder's name)
    plain = pd.read_parquet(tmp_path / "alignments")
    assert len(plain) == len(tables["alignments"])
    assert set(plain["doc_id"].astype(str)) == set(plans)
    assert list(plain.columns[:-1]) == [c for c in schema.columns("alignments") if c != "doc_id"]
    # one plan's CSV holds that plan's rows only, with the plan's id in every row
    one = plans[0]
    csv = pd.read_csv(tmp_path / "alignments_csv" / f"{one}.csv", encoding="utf-8-sig")
    assert set(csv["doc_id"]) == {one}
    assert len(csv) == (tables["alignments"]["doc_id"] == one).sum()


def test_a_rebuild_rewrites_only_the_plans_that_changed(raw, tmp_path):
    out = tmp_path / "out"
    tables, report = build_tables(raw)
    write_tables(tables, out, report)
    first = _inodes(out)
    again, again_report = build_tables(raw)
    write_tables(again, out, again_report)  # nothing changed: no partition written again
    assert _inodes(out) == first
    # one plan's measure reworded: its partition is written again; the others are not
    changed = SAMPLE_PLAN.replace("测试区", PLACES[1]).replace("逐步提高", "大幅提高")
    (raw / "plans" / "plan1.txt").write_text(changed, encoding="utf-8")
    newer, newer_report = build_tables(raw)
    write_tables(newer, out, newer_report)
    now = _inodes(out)
    rewritten = sorted(k for k in first if now[k] != first[k])
    assert rewritten == [
        "alignments/doc_id=yiqu-2019/part-0.parquet",
        "alignments_csv/yiqu-2019.csv",
    ]
    pd.testing.assert_frame_equal(load_tables(out)["alignments"], as_stored(newer["alignments"]))
    # a plan removed from the corpus: its partition and CSV go too
    (raw / "plans" / "plan2.txt").unlink()
    fewer, fewer_report = build_tables(raw)
    write_tables(fewer, out, fewer_report)
    assert not (out / "alignments" / "doc_id=bingqu-2019").exists()
    assert not (out / "alignments_csv" / "bingqu-2019.csv").exists()
    pd.testing.assert_frame_equal(load_tables(out)["alignments"], as_stored(fewer["alignments"]))


def test_a_partition_not_written_by_the_last_build_is_refused(raw, tmp_path):
    out = tmp_path / "out"
    tables, report = build_tables(raw)
    write_tables(tables, out, report)
    stray = out / "alignments" / "doc_id=jiaqu-2019" / "part-0.parquet"
    other = out / "alignments" / "doc_id=yiqu-2019" / "part-0.parquet"
    stray.write_bytes(other.read_bytes())  # as a build killed while moving its files leaves it
    with pytest.raises(CompareError, match=r"different builds \(.*; alignments from another\)"):
        load_tables(out)
    write_tables(tables, out, report)  # the next build repairs it
    pd.testing.assert_frame_equal(load_tables(out)["alignments"], as_stored(tables["alignments"]))


def test_a_manifest_never_removes_files_outside_its_table(raw, tmp_path):
    out = tmp_path / "out"
    tables, report = build_tables(raw)
    write_tables(tables, out, report)
    keep = tmp_path / "keep.txt"
    keep.write_text("mine", encoding="utf-8")
    manifest = out / "alignments" / partitions.MANIFEST
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data["partitions"].append({"value": "x", "parquet": "../keep.txt", "csv": "documents.csv"})
    manifest.write_text(json.dumps(data), encoding="utf-8")
    write_tables(tables, out, report)
    assert keep.read_text(encoding="utf-8") == "mine" and (out / "documents.csv").exists()


def test_rows_of_one_plan_apart_are_gathered_in_order():
    table = pa.table({"doc_id": ["a", "b", "a", "c", "b"], "n": [1, 2, 3, 4, 5]})
    got = [(v, part.column("n").to_pylist()) for v, part in partitions.groups(table, "doc_id")]
    assert got == [("a", [1, 3]), ("b", [2, 5]), ("c", [4])]


def test_a_plan_id_never_makes_a_path_outside_the_table():
    for value in ("..", ".", "a/b", "x\\y", "区"):
        parquet_path, csv_path = partitions.partition_paths("alignments", value)
        for path in (parquet_path, csv_path):
            parts = path.split("/")
            assert ".." not in parts and "." not in parts and len(parts) == len(path.split("/"))
        assert parquet_path.startswith("alignments/doc_id=") and parquet_path.count("/") == 2
        assert csv_path.startswith("alignments_csv/") and csv_path.count("/") == 1


def test_with_the_cache_unchanged_plans_are_not_serialised_again(raw, tmp_path, monkeypatch):
    """With the build cache, each plan's partition carries a key of what its rows follow from:
    a plan whose key and file are as the manifest lists is not put into Parquet again (its
    files stay), a damaged file is made again, and the tables are a fresh build's."""
    out, cache = tmp_path / "out", tmp_path / "cache"
    tables, report = build_tables(raw, cache_dir=cache)
    write_tables(tables, out, report, validated=True)
    for name in ("alignments", "provisions"):
        listed = partitions.manifest(out, name)["partitions"]
        assert len(listed) == 3 and all(len(e["inputs"]) == 64 for e in listed)
    serialised = []
    real_groups = partitions.groups

    def groups(table, key):
        found = real_groups(table, key)
        serialised.extend(value for value, _ in found)
        return found

    monkeypatch.setattr(partitions, "groups", groups)
    first = _inodes(out)
    again, again_report = build_tables(raw, cache_dir=cache)
    write_tables(again, out, again_report, validated=True)
    assert serialised == [] and _inodes(out) == first
    # a damaged file is never kept on the strength of its key
    damaged = out / "alignments" / "doc_id=jiaqu-2019" / "part-0.parquet"
    damaged.write_bytes(damaged.read_bytes()[:-20])
    again, again_report = build_tables(raw, cache_dir=cache)
    write_tables(again, out, again_report, validated=True)
    assert serialised == ["jiaqu-2019"]
    # one plan reworded: its rows are made again; the tables are those of a build without cache
    serialised.clear()
    changed = SAMPLE_PLAN.replace("测试区", PLACES[1]).replace("逐步提高", "大幅提高")
    (raw / "plans" / "plan1.txt").write_text(changed, encoding="utf-8")
    newer, newer_report = build_tables(raw, cache_dir=cache)
    write_tables(newer, out, newer_report, validated=True)
    assert "yiqu-2019" in serialised  # (and its fellow plans: it is one of their references)
    fresh, _ = build_tables(raw)
    back = load_tables(out)
    for name in ("alignments", "provisions"):
        pd.testing.assert_frame_equal(back[name], as_stored(fresh[name]))
