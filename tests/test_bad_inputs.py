"""The bad-input suite: one batch holding every kind of file researchers feed the tool.

Each case says exactly what must happen to it — built (ok), refused with a specific
message naming the file, or reported as a duplicate — and every good file must still be
built, with nothing in the raw folder changed. The table below is the suite.
"""
import json
import subprocess
import sys

import pytest

from tests.conftest import SAMPLE_PLAN, tree_hashes
from tests.helpers import html_page, write_docx, write_pdf

NEWS = ("本报讯（记者 王某）昨天上午，区残联在区文化中心举办了助残日主题活动，来自各街道的三百余名残疾人朋友参加。"
        "活动现场，志愿者们为大家提供了义诊、理发、法律咨询等服务，受到参加活动群众的一致好评。") * 4
NO_HEADINGS = SAMPLE_PLAN.replace("一、", "").replace("二、", "").replace("三、", "").replace("（一）", "").replace("（二）", "")
BAD_ANNEX = SAMPLE_PLAN + ("附件\n重点任务分工\n序号\t工作任务\t牵头单位\t配合单位\n"
                           "1\t落实护理补贴制度\t区民政局\t区残联\n"
                           "3\t建设福利机构\t\t区民政局\n"          # a number skipped, an empty lead cell
                           "2\t开展无障碍改造\t区残联\t\n")           # out of order: read as text of row 3


def _traditional():
    import opencc

    return opencc.OpenCC("s2t").convert(SAMPLE_PLAN)


# (file name, how to write it, expected status, words the message must contain)
CASES = [
    ("plans/empty.txt", lambda p: p.write_bytes(b""), "error", "is empty"),
    ("plans/blank.txt", lambda p: p.write_bytes(b"  \n\t \n"), "error", "only whitespace"),
    ("plans/photo.txt", lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64), "error", "PNG image"),
    ("plans/gbk.txt", lambda p: p.write_bytes(SAMPLE_PLAN.replace("测试", "甲").encode("gbk")), "ok", None),
    ("plans/gb18030.txt", lambda p: p.write_bytes(SAMPLE_PLAN.replace("测试", "乙").encode("gb18030")), "ok", None),
    ("plans/bom.txt", lambda p: p.write_bytes(SAMPLE_PLAN.replace("测试", "丙").encode("utf-8-sig")), "ok", None),
    ("plans/utf16.txt", lambda p: p.write_bytes(SAMPLE_PLAN.replace("测试", "丁").encode("utf-16")), "ok", None),
    ("plans/crlf.txt", lambda p: p.write_bytes(SAMPLE_PLAN.replace("测试", "戊").replace("\n", "\r\n").encode()), "ok",
     None),
    ("plans/page.html", lambda p: p.write_text(html_page(SAMPLE_PLAN.replace("测试", "己")), encoding="utf-8"), "ok",
     None),
    ("plans/word.docx", lambda p: write_docx(p, SAMPLE_PLAN.replace("测试", "庚")), "ok", None),
    ("plans/text.pdf", lambda p: write_pdf(p, SAMPLE_PLAN.replace("测试", "辛")), "ok", None),
    ("plans/scan.pdf", lambda p: write_pdf(p, None), "error", "OCR"),
    ("plans/traditional.txt", lambda p: p.write_text(_traditional().replace("測試", "壬"), encoding="utf-8"), "ok",
     None),
    ("plans/no_headings.txt", lambda p: p.write_text(NO_HEADINGS.replace("测试", "癸"), encoding="utf-8"), "ok", None),
    ("plans/bad_annex.txt", lambda p: p.write_text(BAD_ANNEX.replace("测试", "子"), encoding="utf-8"), "ok", None),
    ("plans/重复 gbk.txt", lambda p: p.write_bytes(SAMPLE_PLAN.replace("测试", "甲").encode("gbk")), "duplicate",
     "same text as"),
    ("plans/news.txt", lambda p: p.write_text(NEWS, encoding="utf-8"), "error", "reads as a news report"),
    ("plans/测试 区 方案.txt", lambda p: p.write_text(SAMPLE_PLAN.replace("测试", "丑"), encoding="utf-8"), "ok", None),
    ("plans/old.doc", lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 64), "error", "old binary Word"),
    ("plans/sheet.xlsx", lambda p: p.write_bytes(b"PK\x03\x04"), "skipped", "not a document type"),
]


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    from compare.build import build_tables, write_tables

    raw = tmp_path_factory.mktemp("raw")
    (raw / "plans").mkdir()
    for name, write, _, _ in CASES:
        write(raw / name)
    before = tree_hashes(raw)
    tables, report = build_tables(raw)
    out = tmp_path_factory.mktemp("processed")
    write_tables(tables, out, report)
    return raw, before, tables, json.loads((out / "build_report.json").read_text(encoding="utf-8")), out


@pytest.mark.parametrize("name,write,status,words", CASES, ids=[c[0] for c in CASES])
def test_each_file_gets_its_expected_outcome(batch, name, write, status, words):
    _, _, _, report, _ = batch
    entry = next(f for f in report["files"] if f["source_file"] == name)
    assert entry["status"] == status, entry
    if words:
        assert any(m.startswith(name) and words in m for m in entry["messages"]), entry["messages"]


def test_every_good_file_is_built_and_nothing_raw_changes(batch):
    raw, before, tables, report, _ = batch
    good = [c[0] for c in CASES if c[2] == "ok"]
    assert sorted(tables["documents"]["source_file"]) == sorted(good)
    assert tree_hashes(raw) == before
    assert report["summary"] == {"ok": len(good), "duplicate": 1, "skipped": 1,
                                 "error": sum(c[2] == "error" for c in CASES)}


def test_degraded_plans_still_give_their_clauses(batch):
    _, _, tables, _, _ = batch
    docs = tables["documents"].set_index("source_file")
    measures = tables["measures"]
    no_headings = docs.loc["plans/no_headings.txt", "doc_id"]
    assert (measures.doc_id == no_headings).sum() >= 5           # clauses without a section tree
    traditional = docs.loc["plans/traditional.txt"]
    assert traditional.original_script == "traditional" and "关于加快推进残疾人小康进程" in traditional.title


def test_a_damaged_annex_is_read_as_far_as_it_goes_and_reported(batch):
    _, _, tables, report, _ = batch
    doc_id = tables["documents"].set_index("source_file").loc["plans/bad_annex.txt", "doc_id"]
    tasks = tables["tasks"][tables["tasks"].doc_id == doc_id]
    assert tasks.task_no.tolist() == [1, 3, 2]  # kept in the order printed
    assert tasks.lead_agencies.tolist() == [["区民政局"], [], ["区残联"]]
    notes = [w for w in report["warnings"] if w.startswith(doc_id)]
    assert any("jump from 1 to 3" in w for w in notes) and any("task 3: no lead agency" in w for w in notes)
    assert any("row 2 comes after row 3" in w for w in notes)


def test_a_repeated_row_number_is_reported_not_a_broken_build():
    from compare.extract.tasks import extract_tasks

    tasks, _, notes = extract_tasks(BAD_ANNEX + "1\t重复的任务\t区财政局\t\n", "x-2020")
    assert tasks.task_no.is_unique
    assert any("row number 1 appears twice" in n for n in notes)


def test_plans_without_an_annex_have_no_tasks_and_no_complaint(batch):
    _, _, tables, report, _ = batch
    doc_id = tables["documents"].set_index("source_file").loc["plans/gbk.txt", "doc_id"]
    assert not (tables["tasks"].doc_id == doc_id).any()
    assert not [w for w in report["warnings"] if w.startswith(doc_id)]


def test_build_exits_zero_with_bad_files_and_non_zero_with_strict(batch, tmp_path):
    raw = batch[0]
    cmd = [sys.executable, "-m", "compare.cli", "build", "--raw", str(raw), "--no-progress"]
    ok = subprocess.run(cmd + ["--out", str(tmp_path / "a")], capture_output=True, text=True)
    assert ok.returncode == 0 and "failed" in ok.stdout
    strict = subprocess.run(cmd + ["--out", str(tmp_path / "b"), "--strict"], capture_output=True, text=True)
    assert strict.returncode != 0 and "could not be read" in strict.stderr


def test_a_ten_megabyte_plan_completes_with_bounded_memory(tmp_path):
    body = "".join(f"第{i}项工作要加强残疾人服务体系建设，完善残疾人基本公共服务，逐步提高保障水平。\n"
                   for i in range(90_000))
    big = SAMPLE_PLAN.replace("三、保障措施", body + "三、保障措施")
    assert len(big.encode()) > 10_000_000
    (tmp_path / "raw" / "plans").mkdir(parents=True)
    (tmp_path / "raw" / "plans" / "big.txt").write_text(big, encoding="utf-8")
    code = ("import resource, sys\nfrom compare.build import build_tables\n"
            f"t, r = build_tables({str(tmp_path / 'raw')!r})\n"
            "print(len(t['measures']), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-2000:]
    measures, peak_kb = map(int, run.stdout.split())
    assert measures >= 90_000
    assert peak_kb < 3 * 1024 * 1024  # under 3 GB for a 10 MB plan
