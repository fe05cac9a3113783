"""Whole builds: determinism, batch isolation, duplicates, untouched raw data, schema checks."""
import json
import shutil

import pandas as pd
import pytest

from compare import exports, schema
from compare.build import build_tables, load_tables, write_tables
from compare.errors import SchemaError
from tests.conftest import tree_hashes
from tests.helpers import as_stored


def test_two_builds_write_identical_files(raw_dir, tmp_path):
    outs = []
    for name in ("a", "b"):
        tables, report = build_tables(raw_dir)
        write_tables(tables, tmp_path / name, report)
        outs.append(tree_hashes(tmp_path / name))
    assert outs[0] == outs[1]
    assert {"documents.parquet", "documents.csv", "texts.parquet", "build_report.json"} <= set(outs[0])


def test_builds_in_separate_processes_are_identical(raw_dir, tmp_path):
    """Same files whatever the interpreter's hash seed (set and dict order must never leak out)."""
    import os
    import subprocess
    import sys

    outs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-m", "compare.cli", "build", "--raw", str(raw_dir), "--out",
                        str(tmp_path / seed), "--no-progress"], check=True, capture_output=True, env=env)
        outs.append(tree_hashes(tmp_path / seed))
    # the fitted references' manifest says when it was made: the same otherwise
    manifests = [json.loads((tmp_path / s / "references" / "manifest.json").read_text(encoding="utf-8"))
                 for s in ("1", "2")]
    assert [{k: v for k, v in m.items() if k != "fitted_at"} for m in manifests] == [
        {k: v for k, v in manifests[0].items() if k != "fitted_at"}] * 2
    assert outs[0] == outs[1] and "references/model.entry" in outs[0]


def test_raw_files_are_never_modified(raw_dir, tmp_path):
    before = tree_hashes(raw_dir)
    tables, report = build_tables(raw_dir)
    write_tables(tables, tmp_path, report)
    assert tree_hashes(raw_dir) == before


def test_tables_round_trip_through_load_tables(raw_dir, tmp_path):
    tables, report = build_tables(raw_dir)
    write_tables(tables, tmp_path, report)
    loaded = load_tables(tmp_path)
    pd.testing.assert_frame_equal(loaded["documents"], tables["documents"])
    assert loaded["documents"].loc[0, "cites"] == tables["documents"].loc[0, "cites"]


def test_csv_is_excel_friendly(raw_dir, tmp_path):
    tables, report = build_tables(raw_dir)
    write_tables(tables, tmp_path, report)
    raw = (tmp_path / "documents.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    csv = pd.read_csv(tmp_path / "documents.csv", encoding="utf-8-sig").set_index("doc_id")
    assert csv.loc["tongjiang-2017", "cites"] == "国发〔2015〕7号、国发〔2016〕47号、黑政发〔2017〕1号、佳政发〔2017〕4号"
    assert csv.loc["chaoyang-2017", "issued_date"] == "2017-09-11"


def test_bad_files_are_reported_and_the_rest_built(raw_dir, tmp_path, sample_plan):
    raw = tmp_path / "raw"
    shutil.copytree(raw_dir, raw)
    plans = raw / "plans"
    (plans / "empty.txt").write_bytes(b"")
    (plans / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    (plans / "gbk 计划.txt").write_bytes(sample_plan.encode("gbk"))
    (plans / "notes.xlsx").write_bytes(b"PK\x03\x04")
    shutil.copy(plans / "000_db0d47f93ee4bd84.txt", plans / "copy of chaoyang.txt")
    tables, report = build_tables(raw)
    status = {f.source_file: f for f in report.files}
    assert status["plans/empty.txt"].status == "error"
    assert "is empty" in status["plans/empty.txt"].messages[0]
    assert status["plans/image.txt"].status == "error"
    assert status["plans/notes.xlsx"].status == "skipped"
    assert status["plans/gbk 计划.txt"].status == "ok"
    dup = status["plans/copy of chaoyang.txt"]
    assert dup.status == "duplicate" and "plans/000_db0d47f93ee4bd84.txt" in dup.messages[0]
    docs = tables["documents"]
    assert len(docs) == 10  # 9 real + the GBK plan; the duplicate is analysed once
    assert docs["doc_id"].is_unique
    summary = json.loads(report.to_json())["summary"]
    assert summary == {"ok": 10, "duplicate": 1, "skipped": 1, "error": 2}


def test_role_comes_from_the_folder(tmp_path, sample_plan):
    for folder in ("plans", "templates", "elsewhere"):
        (tmp_path / folder).mkdir()
    (tmp_path / "templates" / "parent.txt").write_text(sample_plan.replace("测试区", "模板区"), encoding="utf-8")
    (tmp_path / "elsewhere" / "other.txt").write_text(sample_plan.replace("测试区", "另一区"), encoding="utf-8")
    docs = build_tables(tmp_path)[0]["documents"].set_index("source_file")
    assert docs.loc["templates/parent.txt", "role"] == "template"
    assert docs.loc["elsewhere/other.txt", "role"] == "plan"


def test_doc_id_clashes_get_suffixes(tmp_path, sample_plan):
    (tmp_path / "a.txt").write_text(sample_plan, encoding="utf-8")
    (tmp_path / "b.txt").write_text(sample_plan + "\n补充说明：本意见自印发之日起施行。", encoding="utf-8")
    ids = build_tables(tmp_path)[0]["documents"].set_index("source_file")["doc_id"]
    assert ids.to_dict() == {"a.txt": "ceshi-2019", "b.txt": "ceshi-2019-2"}


def test_schema_violation_names_table_column_and_values(raw_dir, tmp_path):
    tables, report = build_tables(raw_dir)
    bad = tables["documents"].copy()
    bad.loc[0, "level"] = "township"
    with pytest.raises(SchemaError, match=r"documents.*level.*township"):
        write_tables({"documents": bad}, tmp_path)
    assert not (tmp_path / "documents.parquet").exists()


def test_schema_rejects_duplicate_keys_and_missing_columns():
    df = pd.DataFrame({"doc_id": ["a", "a"], "text": ["x", "y"], "original_text": ["x", "y"]})
    with pytest.raises(SchemaError, match="not unique"):
        schema.validate(df, "texts")
    with pytest.raises(SchemaError, match="missing columns"):
        schema.validate(df.drop(columns="text"), "texts")


def test_data_dictionary_lists_every_column():
    text = schema.data_dictionary()
    for table in schema.TABLES.values():
        assert f"## `{table.name}`" in text
        for col in table.columns:
            assert f"| `{col}` |" in text


def test_every_csv_reads_back_as_its_table(built, tmp_path):
    """CSVs are written by Arrow's writer (text quoted): read back, every cell equals the table's
    (an empty text reads back as missing, as in any CSV)."""
    tables = built[0]
    write_tables(tables, tmp_path, validated=True)
    for name, table in tables.items():
        if schema.TABLES[name].partition_by:  # one CSV per plan, in table order
            files = [tmp_path / exports.partition_paths(name, d)[1]
                     for d in pd.unique(table["doc_id"])]
        else:
            files = [tmp_path / f"{name}.csv"]
        assert files and all(f.parent.name in (tmp_path.name, f"{name}_csv") for f in files)
        for f in files:
            raw = f.read_bytes()
            assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" not in raw
        read = [pd.read_csv(f, encoding="utf-8-sig") for f in files]
        back = schema.from_csv_frame(pd.concat(read, ignore_index=True), name)
        stored = as_stored(table)
        expected = schema.from_csv_frame(schema.to_csv_frame(stored, name).replace("", None), name)
        pd.testing.assert_frame_equal(back, expected, check_dtype=False, obj=name)


def test_a_table_longer_than_a_spreadsheet_gets_a_note(built, tmp_path, monkeypatch):
    """A national corpus has millions of alignment rows: the CSV is still written whole, and the
    build report says that a spreadsheet shows only its beginning."""
    import copy

    import compare.store

    tables, report = built[0], copy.deepcopy(built[1])
    monkeypatch.setattr(compare.store, "SPREADSHEET_ROWS", len(tables["measures"]))
    write_tables(tables, tmp_path, report, validated=True)
    notes = json.loads((tmp_path / "build_report.json").read_text(encoding="utf-8"))["warnings"]
    long = sorted(n for n, df in tables.items() if len(df) >= len(tables["measures"]))
    assert long and "documents" not in long and "measures" in long
    assert sorted(w.split(".csv")[0] for w in notes if "a spreadsheet" in w) == long
    assert f"measures.csv has {len(tables['measures']):,} rows" in report.summary()
    assert len(pd.read_csv(tmp_path / "measures.csv")) == len(tables["measures"])  # written whole


def test_one_documents_bad_rows_are_left_out_and_named_not_the_build_stopped(built):
    from compare.build import checked

    targets = built[0]["targets"]
    bad = targets.copy()
    first = bad["doc_id"].iloc[0]
    bad.loc[bad.index[0], "binding"] = "预期性约束性"  # OCR ran two cells together
    notes: list[str] = []
    out = checked(bad, "targets", notes)
    assert first not in set(out["doc_id"]) and len(notes) == 1
    assert notes[0].startswith(f"{first}: its targets rows were left out") and "预期性约束性" in notes[0]
    others = targets[targets["doc_id"] != first].reset_index(drop=True)
    pd.testing.assert_frame_equal(out.reset_index(drop=True), others)


def test_the_build_report_names_a_document_whose_text_landed_nowhere(tmp_path):
    from tests.conftest import SAMPLE_PLAN

    plans = tmp_path / "raw" / "plans"
    plans.mkdir(parents=True)
    rows = ["一 加强残疾人社会保障 区民政局 2020年", "二 促进残疾人就业 区人力社保局 2020年",
            "三 推进残疾人康复服务 区卫健委 2020年"]
    (plans / "plan.txt").write_text(SAMPLE_PLAN + "附件\n重点任务分工表\n" + "\n".join(rows) + "\n",
                                    encoding="utf-8")
    tables, report = build_tables(tmp_path / "raw")
    share = tables["documents"]["accounted_share"].iloc[0]
    assert 0.7 < share < 0.99
    note = next(w for w in report.warnings if w.startswith("plans/plan.txt: only"))
    assert f"{share:.1%}" in note and "「一加强残疾人社会保障区民政局2020年」" in note
    assert "「三推进残疾人康复服务区卫健委2020年」" in note
