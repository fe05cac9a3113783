"""Tables in printed PDFs and flip-book copies are read as tables, then by the same task reader
as Word and HTML tables."""

import pytest

from compare.build import build_tables
from tests.conftest import SAMPLE_PLAN
from tests.helpers import ruled_task_rows, write_ruled_pdf


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    raw = tmp_path_factory.mktemp("printed") / "raw"
    (raw / "plans").mkdir(parents=True)
    rows = ruled_task_rows(29)
    write_ruled_pdf(
        raw / "plans" / "printed.pdf", SAMPLE_PLAN.replace("测试区", "印刷区"), rows, split_row=12
    )
    tables, report = build_tables(raw)
    return rows, tables, report


def test_a_ruled_table_over_pages_gives_every_row_with_its_lead(printed):
    rows, tables, report = printed
    tasks = tables["tasks"].set_index("task_no")
    assert list(tasks.index) == list(range(1, 30))
    for number, task, lead, supporting, timeline in rows:
        row = tasks.loc[int(number)]
        assert row["lead_agencies"] == [lead], number
        assert row["supporting_agencies"] == supporting.split("、"), number
        assert row["task"] == task, number  # wrapped lines joined without a separator
        assert row["timeline"] == timeline, number
    assert not [w for w in report.warnings if "task" in w and "印刷区" in w]


def test_the_row_cut_by_the_page_break_is_one_task(printed):
    rows, tables, _ = printed
    task = tables["tasks"].set_index("task_no").loc[12, "task"]
    assert task == rows[11][1] and len(tables["tasks"]) == 29


def test_the_printed_plan_keeps_its_metadata(printed):
    _, tables, _ = printed
    doc = tables["documents"].iloc[0]
    assert doc["doc_number"] == "测政发〔2019〕5号" and doc["issued_date"].year == 2019
    assert doc["title"] == "北京市印刷区人民政府关于加快推进残疾人小康进程的实施意见"


@pytest.mark.parametrize("valign", ["TOP", "BOTTOM"])
def test_an_unruled_table_is_read_from_word_positions(tmp_path, valign):
    raw = tmp_path / "raw"
    (raw / "plans").mkdir(parents=True)
    rows = ruled_task_rows(29)
    write_ruled_pdf(
        raw / "plans" / "unruled.pdf",
        SAMPLE_PLAN.replace("测试区", "无线区"),
        rows,
        ruled=False,
        valign=valign,
    )
    tasks = build_tables(raw)[0]["tasks"].set_index("task_no")
    assert list(tasks.index) == list(range(1, 30))
    right = [
        n
        for n, task, lead, _, _ in rows
        if tasks.loc[int(n), "lead_agencies"] == [lead] and tasks.loc[int(n), "task"] == task
    ]
    assert len(right) == 29


def test_a_flip_book_table_with_spaced_cells_gives_its_rows(tmp_path):
    annex = (
        "附件\n重点任务分工\n"
        "序号    工作任务                            牵头单位      配合单位          完成时限\n"
        "1       落实困难残疾人生活补贴制度          区民政局      区残联、区财政局   2020年\n"
        "2       开展残疾人家庭无障碍改造            区残联        区住房城乡建设委   持续实施\n"
        "3       建设精神残疾人福利机构              区民政局      区卫生计生委       2020年\n"
    )
    (tmp_path / "raw" / "plans").mkdir(parents=True)
    (tmp_path / "raw" / "plans" / "flip.txt").write_text(SAMPLE_PLAN + annex, encoding="utf-8")
    tables, _ = build_tables(tmp_path / "raw")
    tasks = tables["tasks"]
    assert tasks["task_no"].tolist() == [1, 2, 3]
    assert tasks["lead_agencies"].tolist() == [["区民政局"], ["区残联"], ["区民政局"]]
    assert tasks["supporting_agencies"].tolist()[0] == ["区残联", "区财政局"]
    assert tasks["timeline"].tolist() == ["2020年", "持续实施", "2020年"]
