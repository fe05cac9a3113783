"""Layout repair, one case per damage seen on real pages (see compare.read.layout)."""

import pytest

from compare.normalize import clean_text
from compare.read.layout import (
    drop_table_of_contents,
    spaced_cells_to_tabs,
    split_run_on,
    strip_heading_markup,
    strip_leaked_markup,
    strip_pinyin_annotations,
)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("特殊教育發(fā)展", "特殊教育發展"),
        ("國(guo)辦(ban)發(fa)〔2021〕60號", "國辦發〔2021〕60號"),
        ("社會(huì )保障", "社會保障"),
        ("残疾人联合会(CDPF)", "残疾人联合会(CDPF)"),  # an abbreviation stays
        ("(一)总体要求", "(一)总体要求"),
        ("每年(2021年)", "每年(2021年)"),
    ],
)
def test_pinyin_readings_are_removed(text, expected):
    assert strip_pinyin_annotations(text) == expected


def test_spaced_cells_become_tab_separated_rows():
    text = (
        "附件\n序号    工作任务          牵头单位      配合单位\n"
        "1     落实护理补贴制度    区民政局      区残联\n2     开展无障碍改造      区残联        区住建委\n"
        "一、总体要求  到2020年完成。"
    )
    rows = spaced_cells_to_tabs(text).split("\n")
    assert rows[1] == "序号\t工作任务\t牵头单位\t配合单位"
    assert rows[2] == "1\t落实护理补贴制度\t区民政局\t区残联"
    assert rows[4] == "一、总体要求  到2020年完成。"  # prose with a double space is not a table


def test_prose_with_double_spaces_is_left_alone():
    text = "为进一步保障残疾人  平等参与社会  生活的权利，\n制定本方案  结合实际  认真落实。"
    assert spaced_cells_to_tabs(text) == text


def test_a_flattened_page_is_split_at_its_parts():
    page = clean_text(
        "娄底市人民政府办公室关于印发《娄底市无障碍环境建设实施方案(2021-2025年)》的通知各县市区人民政府,"
        "市政府各工作部门:《娄底市无障碍环境建设实施方案(2021-2025年)》已经市人民政府同意,现印发给你们,"
        "请认真组织实施。娄底市人民政府办公室2021年12月13日娄底市无障碍环境建设实施方案(2021-2025年)"
        "为进一步保障残疾人平等参与社会生活的权利,结合我市实际,制定本方案。一、工作目标按照整体规划,全面推进"
        "无障碍环境建设,到2025年形成工作格局。二、重点建设任务(一)改善城市道路设施。新建、改建、扩建城市"
        "道路的人行道,缘石坡道设置率应达到100%。" + "加强管理。" * 20
    ).strip()
    lines = split_run_on(page).split("\n")
    assert lines[0].endswith("的通知")
    assert lines[1] == "各县市区人民政府，市政府各工作部门："
    assert "娄底市人民政府办公室" in lines and "2021年12月13日" in lines
    assert "娄底市无障碍环境建设实施方案（2021-2025年）" in lines
    assert any(ln.startswith("一、工作目标") for ln in lines) and "二、重点建设任务" in lines
    assert any(ln.startswith("（一）改善城市道路设施") for ln in lines)


def test_a_normal_paragraph_is_not_split():
    text = "一、总体要求\n" + "坚持以人民为中心，推进残疾人事业发展。" * 30 + "\n二、主要任务"
    assert split_run_on(text) == text


@pytest.mark.parametrize(
    "contents",
    [
        ["目录", "一、总体要求……………………1", "二、主要任务………………3", "三、保障措施…………9"],
        ["第一章 总则  1", "第二章 发展目标  4", "第三章 主要任务  9"],
    ],
)
def test_a_table_of_contents_is_not_read_as_headings(contents):
    text, removed = drop_table_of_contents("\n".join(contents + ["一、总体要求", "正文。"]))
    assert removed == contents and text.split("\n") == ["一、总体要求", "正文。"]


def test_table_rows_ending_in_numbers_are_not_contents():
    rows = "1\t残疾人就业\t人\t800\n2\t职业培训\t人次\t130\n3\t公益岗位\t个\t70"
    assert drop_table_of_contents(rows) == (rows, [])


def test_leaked_page_markup_becomes_lines():
    text = (
        '<p>各市、县人民政府：</p><p> 现将《方案》印发给你们。</p><p style="text-align: right;"> 山西省人民政府</p>'
        '<p style="text-align: right;"> 2018年3月27日</p><p><br/></p><p><strong> 一、指导思想</strong></p>'
    )
    lines = [ln.strip() for ln in strip_leaked_markup(text).split("\n") if ln.strip()]
    assert lines == [
        "各市、县人民政府：",
        "现将《方案》印发给你们。",
        "山西省人民政府",
        "2018年3月27日",
        "一、指导思想",
    ]


@pytest.mark.parametrize("line, expected", [
    ("一、<b>总体要求</b>", "一、总体要求"),
    ('一、<span style="font-family:黑体;font-size:16pt">总体要求</span>', "一、总体要求"),
    ("<strong>二、重点任务</strong>", "二、重点任务"),
    ("## <span>主要任务</span>", "## 主要任务"),
    ("（二）<b>保障基本住房。</b>对家庭进行改造。", "（二）保障基本住房。对家庭进行改造。"),
    ("第三章 <em>保障措施</em>", "第三章 保障措施"),
    ("<p>1. 加强领导</p>", "\n1. 加强领导\n"),
])
def test_tags_in_a_heading_go_however_few(line, expected):
    assert strip_heading_markup(f"标题\n{line}\n正文") == f"标题\n{expected}\n正文"


@pytest.mark.parametrize("line", [
    "网页中用<b>标签</b>加粗文字。",  # not a heading: text about markup
    "二、重点任务<svg/onload=alert(1)>",  # not layout: the reports escape it
    "2019.<b>5</b>",  # a number, not a heading's
])
def test_other_lines_and_markup_keep_their_tags(line):
    assert strip_heading_markup(line) == line


def test_markup_that_is_not_page_layout_stays_text():
    text = "加强组织领导<img src=x onerror=alert(1)>，完善机制<script>x</script>。"
    assert strip_leaked_markup(text) == text
