"""Task tables: every row of the real plans' annexes, and small cases for each layout."""
import pandas as pd
import pytest

from compare.extract.tasks import deadline_year, extract_tasks, is_ongoing, parse_task_table

# The lead of every row, in order, read off the four annexes by hand ("/" joins co-leads).
LEADS = {
    "banan-2022": (
        "区乡村振兴局 区民政局 区残联 区人力社保局/区医保局 区民政局 区残联 区住房城乡建委 "
        "区公安分局/区卫生健康委/区民政局/区应急局 区委组织部/区委编办/区人力社保局/区国资中心/区残联 区税务局 "
        "区人力社保局 区残联/区卫生健康委 区残联 区教委 区教委 区教委/区残联 区残联 区残联/区体育局 区残联 区残联 "
        "区残联 区委组织部/区委编办/区人力社保局/区残联 区残联 区委组织部/区民政局 区残联/区民政局 "
        "区司法局/区公安分局/区残联 区住房城乡建委/区网信办/区残联 区残联 区委宣传部/区文明建设中心/区残联 "
        "区政府办/区发展改革委 区财政局 区民政局/区残联"
    ),
    "chaoyang-2017": (
        "区民政局 区民政局 区民政局 区人力社保局 区发展改革委 区残联 区住建委 区人力社保局 区残联 区财政局 区民政局 "
        "区民政局 区残联 区残联 区残联 区残联 区人力社保局 区残联 区卫生计生委 区卫生计生委 区卫生计生委 区残联 区教委 "
        "区教委 区教委 朝阳规划分局 朝阳规划分局 区文化委 区残联 区残联 区残联 区残联 区残联 区民政局 区残联 区残联 区残联"
    ),
    "fengtai-2018": (
        "区民政局 区民政局 区民政局 区残联 区发改委 区残联 区人社局 区人社局 区卫计委 区住建委 区民政局 区人社局 区残联 "
        "区财政局 区民政局 区残联 区残联 区残联 区残联 区残联 区残联 区农委 区人社局 区卫计委 区消防支队 区卫计委 区卫计委 "
        "区残联 区教委 区教委 区教委 区教委 区教委 区教委 区人社局 区文化委 区住建委 区规划分局 区残联 区残联 区民政局 "
        "区残联 区经信委 区残联 区残联 区残联 区残联 区残联 区残联 区社工委 区残联 区残工委"
    ),
    "tongjiang-2017": (
        "市民政局 市民政局 市残联 市人社局 市住建局 市残联 市扶贫办 市残联 市人社局 市残联 市残联 市人社局 市卫计局 "
        "市残联 市人社局 市民政局 市残联 市残联 市文广新局 市残联 市委宣传部 市教体局 市残联 市交通运输局 市司法局 "
        "市残联 市财政局 市委宣传部 市地税局"
    ),
}


@pytest.fixture(scope="module")
def tasks(built):
    return built[0]["tasks"]


@pytest.fixture(scope="module")
def agencies(built):
    return built[0]["agencies"]


def task(tasks, doc_id, no):
    row = tasks[(tasks.doc_id == doc_id) & (tasks.task_no == no)]
    assert len(row) == 1, f"{doc_id} task {no} found {len(row)} times"
    return row.iloc[0]


@pytest.mark.parametrize("doc_id,n", [("chaoyang-2017", 37), ("fengtai-2018", 52), ("banan-2022", 32),
                                      ("tongjiang-2017", 29), ("haidian", 0)])
def test_every_row_once_in_order(tasks, doc_id, n):
    rows = tasks[tasks.doc_id == doc_id]
    assert rows["task_no"].tolist() == list(range(1, n + 1))
    assert rows["task"].str.len().min() >= 5 if n else True


def test_templates_have_no_task_rows(tasks, built):
    templates = built[0]["documents"].query("role == 'template'")["doc_id"]
    assert not tasks["doc_id"].isin(templates).any()


@pytest.mark.parametrize("doc_id", sorted(LEADS))
def test_lead_of_every_row(tasks, doc_id):
    got = ["/".join(x) for x in tasks.loc[tasks.doc_id == doc_id, "lead_agencies"]]
    assert got == LEADS[doc_id].split()


def test_acceptance_rows(tasks):
    r = task(tasks, "chaoyang-2017", 34)
    assert "200张床位" in r.task and r.task.endswith("精神残疾人福利机构")
    assert r.lead_agencies == ["区民政局"]
    assert r.supporting_agencies == ["区残联", "区发展改革委", "区卫生计生委"]
    assert (r.timeline, r.deadline_year, r.is_ongoing) == ("2020年", 2020, False)

    r = task(tasks, "fengtai-2018", 25)
    assert r.task.startswith("开展消防关爱工程")
    assert (r.lead_agencies, r.timeline) == (["区消防支队"], "2020年")

    r = task(tasks, "banan-2022", 9)
    assert r.lead_agencies == ["区委组织部", "区委编办", "区人力社保局", "区国资中心", "区残联"]
    assert r.supporting_agencies == ["区税务局", "区级各部门", "各镇街", "区属各国有公司"]

    r = task(tasks, "tongjiang-2017", 22)
    assert r.lead_agencies == ["市教体局"]
    assert r.supporting_agencies == ["市民政局", "市财政局", "市人社局", "市残联"]
    assert r.lead_rule == "first_listed_note"


def test_cells_and_page_breaks(tasks):
    # a task text naming an agency is not cut there (cells run together)
    r = task(tasks, "chaoyang-2017", 28)
    assert "区公共图书馆设立盲人阅览区" in r.task and r.lead_agencies == ["区文化委"]
    assert r.supporting_agencies[-1] == "区发展改革委"
    # the list's first cell is glued to the task and the lead: 等制度区民政局区残联、区财政局、各街乡
    r = task(tasks, "chaoyang-2017", 1)
    assert r.task.endswith("等制度") and r.supporting_agencies == ["区残联", "区财政局", "各街乡"]
    assert (r.timeline, r.is_ongoing) == ("持续实施", True) and pd.isna(r.deadline_year)
    # a row split by a page break, with a header repeated in between
    r = task(tasks, "fengtai-2018", 31)
    assert r.task == "落实残疾学生双重学籍制度和残疾儿童少年送教上门管理办法及助学政策"
    assert r.timeline == "持续实施"
    # a trailing 、 in the supporting cell leaves no empty name
    assert task(tasks, "fengtai-2018", 2).supporting_agencies == ["区财政局", "区卫计委", "区残联"]
    # empty trailing cells (no supporting units)
    for no in (17, 18, 22):
        assert task(tasks, "banan-2022", no).supporting_agencies == []
    # an agency cell broken over lines, continued after the last row too
    assert task(tasks, "tongjiang-2017", 29).supporting_agencies == ["市财政局", "市残联"]
    # mixed separators 、 and ，
    assert task(tasks, "banan-2022", 12).supporting_agencies[-1] == "各镇街"


def test_layouts_and_rules_per_plan(tasks):
    per_doc = tasks.groupby("doc_id").agg(layout=("table_layout", "unique"), rule=("lead_rule", "unique"))
    assert per_doc.loc["chaoyang-2017", "layout"].tolist() == ["run_together"]
    assert per_doc.loc["fengtai-2018", "layout"].tolist() == ["tab"]
    assert per_doc.loc["banan-2022", "layout"].tolist() == ["cell_per_line"]
    assert per_doc.loc["tongjiang-2017", "rule"].tolist() == ["first_listed_note"]
    assert tasks.loc[tasks.doc_id.isin(["banan-2022", "tongjiang-2017"]), "timeline"].isna().all()


def test_agencies_long_form_matches_tasks(tasks, agencies):
    assert len(agencies) == int(tasks.lead_agencies.map(len).sum() + tasks.supporting_agencies.map(len).sum())
    lead = agencies.query("agency_role == 'lead' and position == 1")
    first = tasks.set_index(["doc_id", "task_no"]).lead_agencies.map(lambda x: x[0])
    assert dict(zip(zip(lead.doc_id, lead.task_no), lead.agency_name)) == first.to_dict()


def test_every_corpus_agency_has_a_function(agencies, built):
    assert agencies["agency_function"].notna().all(), agencies[agencies.agency_function.isna()]
    assert not [w for w in built[1].warnings if "agencies.yaml" in w]


@pytest.mark.parametrize("name,function", [
    ("区人力社保局", "人社"), ("市人社局", "人社"), ("区卫生计生委", "卫健"), ("区卫计委", "卫健"), ("市卫计局", "卫健"),
    ("区住房城乡建设委", "住建"), ("区住房城乡建委", "住建"), ("市住建局", "住建"), ("区发改委", "发改"),
    ("市教体局", "教育"), ("朝阳规划分局", "规划"), ("工商朝阳分局", "市场监管"), ("区地税局", "税务"),
    ("市扶贫办", "乡村振兴"), ("区政府残工委各成员单位", "残工委"), ("各街乡", "街乡镇"), ("各镇街", "街乡镇"),
])
def test_corpus_spellings_share_a_function(agencies, name, function):
    got = set(agencies.loc[agencies.agency_name == name, "agency_function"])
    assert got == {function}


# --------------------------------------------------------------------------- layouts, small cases
RUN_TOGETHER = """附件
重点任务分工及进度安排表
序号工作任务牵头单位责任单位时间进度
1完善落实残疾人生活补助等制度区民政局区残联、区财政局、各街乡持续实施
2区公共图书馆设立盲人阅览区区文化委区体育局2020年底前
序号工作任务牵头单位责任单位时间进度
3帮助残疾人参加养老保险区人力社保局、区医保局2017—2020年
4加强志愿助残服务区残联区文明办、团区委等长期坚持
"""


def test_run_together_layout():
    rows, problems = parse_task_table(RUN_TOGETHER, ("测试",))
    assert problems == []
    got = [(r.task_no, r.task, r.lead, r.supporting, r.timeline) for r in rows]
    assert got == [
        (1, "完善落实残疾人生活补助等制度", ["区民政局"], ["区残联", "区财政局", "各街乡"], "持续实施"),
        (2, "区公共图书馆设立盲人阅览区", ["区文化委"], ["区体育局"], "2020年底前"),
        (3, "帮助残疾人参加养老保险", ["区人力社保局", "区医保局"], [], "2017—2020年"),
        (4, "加强志愿助残服务", ["区残联"], ["区文明办", "团区委"], "长期坚持"),
    ]


TAB = ("附件\n序号\t工作任务\t牵头单位\t配合单位\t时间进度\n"
       "1\t落实残疾学生双重学籍制度和残疾\t区教委\t团区委、区残联\t持续实施\n\n"
       "序号\t工作任务\t牵头单位\t配合单位\t时间进度\n"
       "\t儿童少年送教上门管理办法\t\t\t\n"
       "2\t开展消防关爱工程\t区消防支队\t区残联、\t2020年\n"
       "抄送：区委各部、委、室。\n北京市测试区人民政府办公室\n")


def test_tab_layout_page_break_and_end():
    rows, _ = parse_task_table(TAB)
    assert [(r.task, r.lead, r.supporting, r.timeline) for r in rows] == [
        ("落实残疾学生双重学籍制度和残疾儿童少年送教上门管理办法", ["区教委"], ["团区委", "区残联"], "持续实施"),
        ("开展消防关爱工程", ["区消防支队"], ["区残联"], "2020年"),
    ]
    assert {r.layout for r in rows} == {"tab"}


CELL_PER_LINE = """附件
重点任务分工

序号

工作任务

牵头单位

责任单位

1

帮助残疾人按规定参加城乡居民养老保险。

区人力社保局、区医保局

区残联，各镇街

2

开展残疾人康复健身体育行动。

区残联、区体育局


3

打造残疾人慈善项目品牌。

区民政局

区级各部门、各镇街等
"""


def test_cell_per_line_layout_with_empty_cell():
    rows, _ = parse_task_table(CELL_PER_LINE)
    assert [(r.task_no, r.lead, r.supporting) for r in rows] == [
        (1, ["区人力社保局", "区医保局"], ["区残联", "各镇街"]),
        (2, ["区残联", "区体育局"], []),
        (3, ["区民政局"], ["区级各部门", "各镇街"]),
    ]
    assert rows[0].timeline is None and rows[0].layout == "cell_per_line"


SINGLE_COLUMN = """附件：
重点任务分工

\t序号
\t工作任务
\t负责单位

\t1
\t为残疾儿童青少年提供义务教育阶段免费教育
\t市教体局、民政局

财政局、人社局、残联

\t2
\t实施残疾人文化进家庭活动
\t市委宣传部、文广新局、团市委

注：负责单位中列第一位者为牵头单位，其余为主要参与单位。
"""


def test_single_column_with_note_abbreviations_and_broken_cell():
    rows, _ = parse_task_table(SINGLE_COLUMN)
    assert [(r.lead, r.supporting, r.lead_rule) for r in rows] == [
        (["市教体局"], ["市民政局", "市财政局", "市人社局", "市残联"], "first_listed_note"),
        (["市委宣传部"], ["市文广新局", "团市委"], "first_listed_note"),
    ]


MARKDOWN = """## 附件

| 序号 | 重点任务 | 牵头部门 | 配合部门 | 完成时限 |
|---|---|---|---|---|
| 一、基本民生 | | | | |
| 1 | 落实护理补贴制度 | 县民政局 | 县财政局、县残联 | 2025年底 |
| 2 | 推进无障碍改造 | 县住建局 | 县残联 | 每年 |
"""


def test_markdown_table_and_group_rows():
    rows, _ = parse_task_table(MARKDOWN)
    assert [(r.task, r.lead, r.supporting, r.timeline) for r in rows] == [
        ("落实护理补贴制度", ["县民政局"], ["县财政局", "县残联"], "2025年底"),
        ("推进无障碍改造", ["县住建局"], ["县残联"], "每年"),
    ]


@pytest.mark.parametrize("text", [
    "一、总体要求\n到2020年，残疾人权益保障制度更加健全。\n1.加强组织领导。\n",
    "附件\n残疾人小康进程主要指标\n序号\t指标\t目标值\n1\t残疾人基本康复服务覆盖率\t80%\n",
])
def test_no_task_table_no_rows(text):
    assert parse_task_table(text) == ([], [])


def test_unknown_agency_is_reported_not_dropped():
    text = "附件\n序号\t工作任务\t牵头单位\t配合单位\n1\t建设档案\t区档案馆\t区残联\n"
    tasks, agencies, notes = extract_tasks(text, "test-2020")
    assert tasks.iloc[0]["lead_agencies"] == ["区档案馆"]
    assert pd.isna(agencies.set_index("agency_name").loc["区档案馆", "agency_function"])
    assert any("区档案馆" in n and "agencies.yaml" in n for n in notes)


def test_announced_but_unreadable_table_is_reported():
    text = "附件\n重点任务分工\n（表格见原件）\n"
    tasks, _, notes = extract_tasks(text, "test-2020")
    assert tasks.empty and any("no table" in n for n in notes)


@pytest.mark.parametrize("timeline,year,ongoing", [
    ("持续实施", None, True), ("2020年", 2020, False), ("2018年底", 2018, False), ("2017—2020年", 2020, False),
    ("2020年底前完成，长期坚持", 2020, True), ("每年", None, True), (None, None, None), ("", None, None),
])
def test_timeline(timeline, year, ongoing):
    assert deadline_year(timeline) == year
    assert is_ongoing(timeline) == ongoing


def test_a_skipped_row_number_is_reported():
    text = "附件\n序号\t工作任务\t牵头单位\t配合单位\n1\t甲任务\t区民政局\t区残联\n3\t丙任务\t区残联\t区财政局\n"
    rows, problems = parse_task_table(text)
    assert [r.task_no for r in rows] == [1, 3]
    assert problems and "from 1 to 3" in problems[0]


def test_task_table_from_a_web_page_and_a_word_file(tmp_path, sample_plan):
    """Cells holding several paragraphs stay on their row in HTML and Word exports."""
    from compare.read import read_document
    from tests.helpers import html_page, write_docx

    table = [["序号", "工作任务", "牵头单位", "配合单位", "时间进度"],
             ["1", "落实残疾人护理补贴制度", "区民政局", "区残联\n区财政局", "持续实施"],
             ["2", "建设一所200张床位以上的精神残疾人福利机构\n并配套建设康复设施", "区民政局", "区卫生健康委", "2020年"]]

    def cell(text):
        return "".join(f"<p>{p}</p>" for p in text.split("\n"))

    rows_html = "".join("<tr>" + "".join(f"<td>{cell(c)}</td>" for c in row) + "</tr>" for row in table)
    page = html_page(sample_plan + "附件\n重点任务分工").replace("</div></div>", f"<table>{rows_html}</table></div></div>")
    (tmp_path / "plan.html").write_text(page, encoding="utf-8")
    write_docx(tmp_path / "plan.docx", sample_plan + "附件\n重点任务分工\n", table)
    for name in ("plan.html", "plan.docx"):
        doc = read_document(tmp_path / name)
        rows, problems = parse_task_table(doc.text)
        assert problems == [], name
        assert [(r.task, r.lead, r.supporting, r.timeline) for r in rows] == [
            ("落实残疾人护理补贴制度", ["区民政局"], ["区残联", "区财政局"], "持续实施"),
            ("建设一所200张床位以上的精神残疾人福利机构并配套建设康复设施", ["区民政局"], ["区卫生健康委"], "2020年"),
        ], name
