"""Outline and measures on the real plans, plus small cases for each rule."""
import re

import pytest

from compare.segment import assign_topic, measures, outline, repair_lines, segment, split_sentences

TOP_LEVEL = {
    "chaoyang-2017": ["总体要求", "实施更加全面的基本保障", "实现更加稳固的就业增收", "提供更加优质的公共服务",
                      "提供更加优化的服务供给", "倡导更加多元的社会帮扶", "加强对推进残疾人小康进程的组织领导"],
    "haidian": ["总体要求", "扎实做好残疾人基本民生保障", "千方百计促进残疾人及其家庭就业增收",
                "着力提升残疾人基本公共服务水平", "充分发挥社会力量和市场机制作用", "加强对推进残疾人小康进程的组织领导"],
    "fengtai-2018": ["总体要求", "扎实做好残疾人基本民生保障", "大力促进残疾人及其家庭就业增收",
                     "着力提升残疾人基本公共服务水平", "充分发挥社会力量和市场机制作用", "加强对推进残疾人小康进程的组织领导"],
    "banan-2022": ["编制背景", "总体要求", "重点任务", "保障措施"],
    "tongjiang-2017": ["编制背景", "总体要求", "重点任务", "保障措施"],
}


@pytest.fixture(scope="module")
def texts(built):
    return built[0]["texts"].set_index("doc_id")["text"]


@pytest.fixture(scope="module")
def all_measures(built):
    return built[0]["measures"]


@pytest.mark.parametrize("doc_id", sorted(TOP_LEVEL))
def test_top_level_outline(texts, doc_id):
    o = outline(texts[doc_id], doc_id)
    assert o.loc[o.depth == 1, "heading"].tolist() == TOP_LEVEL[doc_id]


def test_second_levels(texts):
    banan = outline(texts["banan-2022"], "banan-2022")
    assert banan.query("depth == 2 and section_number.str.startswith('3.')", engine="python")["heading"].tolist() == [
        "提高基本民生保障水平，提升残疾人生活品质", "大力促进残疾人就业创业", "提升残疾人公共服务质量", "依法维护残疾人合法权益"]
    boxes = banan.query("style == 'box'")
    assert boxes["label"].tolist() == [f"专栏{i}" for i in range(1, 10)]
    assert boxes.set_index("label").loc["专栏7", "section_number"] == "3.3.B7"
    tong = outline(texts["tongjiang-2017"], "tongjiang-2017")
    assert tong.query("section_number.str.match(r'^3\\.\\d$')", engine="python")["heading"].tolist() == [
        "保障残疾人基本民生", "大力促进残疾人及其家庭就业增收", "大幅提升残疾人基本公共服务水平",
        "依法保障残疾人平等权益", "不断凝聚加快残疾人小康进程的社会合力"]
    chaoyang = outline(texts["chaoyang-2017"], "chaoyang-2017").set_index("section_number")
    assert chaoyang.loc["4.5", "section_path"] == "四、提供更加优质的公共服务 > （五）加快发展残疾人养护照料服务"


@pytest.mark.parametrize("doc_id, fragment, section_path_end, topic", [
    ("chaoyang-2017", "建设一所200张床位以上的精神残疾人福利机构", "（三）大力加强残疾人服务设施建设", "服务体系/信息化"),
    ("chaoyang-2017", "对符合最低生活保障条件的残疾人家庭应保尽保", "（一）加大残疾人救助力度", "社会救助"),
    ("fengtai-2018", "落实严重残疾人家庭优先分配保障性住房政策，通过公共租赁住房和发放租赁补贴等方式",
     "（四）优先保障城乡残疾人基本住房", "住房"),
    ("fengtai-2018", "对有需求残疾人家庭进行无障碍个性化改造", "（四）全面推进无障碍环境建设", "无障碍"),
    ("banan-2022", "推动公共图书馆盲人阅览室（区）建设，增加公共图书馆盲文图书", "2.盲人文化服务项目", "文化体育"),
    ("banan-2022", "有需求的残疾人托养照护服务覆盖率不低于75%", "（四）加强残疾人托养照护服务，改善失能残疾人生活质量", "托养照护"),
    ("tongjiang-2017", "公共停车场在最便利位置按照不低于2%的比例设置残疾人专用无障碍停车位并设置标识", "2.逐步提升残疾人福利待遇", "福利补贴"),
    ("haidian", "到2020年，区政府残工委每个成员单位至少安排一名残疾人就业", "（一）依法推进按比例就业和稳定发展集中就业", "就业创业"),
])
def test_sample_clauses(all_measures, doc_id, fragment, section_path_end, topic):
    rows = all_measures[(all_measures.doc_id == doc_id) & all_measures.text.str.contains(fragment, regex=False)]
    assert len(rows) == 1, rows
    row = rows.iloc[0]
    assert row["section_path"].endswith(section_path_end)
    assert row["topic"] == topic


def test_preamble_has_empty_section_path(all_measures):
    first = all_measures[all_measures.doc_id == "chaoyang-2017"].iloc[0]
    assert first["measure_id"] == "chaoyang-2017:0.1"
    assert first["section_path"] == "" and first["text"] == "残疾人是一个特殊困难的群体，需要格外关心、格外关注。"


def test_no_annex_row_navigation_or_footer_is_a_measure(all_measures):
    text = all_measures["text"]
    assert not text.str.contains("\t").any()
    assert not text.str.contains("区民政局区残联|扫一扫|版权所有|小编|抄送|附件：|重点任务分工").any()
    assert not text.str.fullmatch(r"\d+|序号|指标属性|约束性|预期性").any()
    assert not text.str.contains("朝政发〔2017〕7号|丰政发〔2018〕3号").any()  # title block
    assert all_measures["measure_id"].is_unique


def _chars(s: str) -> str:
    return re.sub(r"\s|#", "", s)


@pytest.mark.parametrize("doc_id", sorted(TOP_LEVEL) + ["guofa-2015-7", "beijing-2016-8"])
def test_segmentation_loses_no_character(texts, doc_id):
    text = texts[doc_id]
    _, blocks = segment(text)
    expected = _chars(" ".join(repair_lines(text)))
    assert _chars("".join(b.text for b in blocks)) == expected
    # and the measures are exactly the body blocks, cut into clauses
    m = measures(text, doc_id)
    assert "".join(m["text"]).replace(" ", "") == _chars("".join(b.text for b in blocks if b.kind == "body"))


def test_repair_only_joins_and_renames_stray_words(texts):
    text = texts["fengtai-2018"]
    assert _chars(" ".join(repair_lines(text))) == _chars(text.replace(" and ", "和"))


# ------------------------------------------------------------------ small cases
@pytest.mark.parametrize("line, label, heading, body", [
    ("（一）加大残疾人社会救助力度。对符合条件的给予救助。", "（一）", "加大残疾人社会救助力度", "对符合条件的给予救助。"),
    ("(一)指导思想", "(一)", "指导思想", ""),
    ("一、总体要求", "一、", "总体要求", ""),
    ("第一章  编制背景", "第一章  ", "编制背景", ""),
    ("1.最低生活保障。将符合条件的残疾人家庭纳入。", "1.", "最低生活保障", "将符合条件的残疾人家庭纳入。"),
    ("１．加大力度。正文。".replace("１．", "1."), "1.", "加大力度", "正文。"),
    ("1、 编制背景", "1、 ", "编制背景", ""),
    ("（1）落实重度残疾人参加城乡居民基本养老保险、城镇居民医疗保险、新型农村合作医疗个人缴费资助政策，对重度残疾人缴费", "（1）", "",
     "落实重度残疾人参加城乡居民基本养老保险、城镇居民医疗保险、新型农村合作医疗个人缴费资助政策，对重度残疾人缴费"),
])
def test_heading_styles_and_run_in_split(line, label, heading, body):
    root, blocks = segment("一、前言\n" + line + "\n")
    heads = [b for b in blocks if b.kind == "heading"]
    assert heads[-1].section.heading == heading
    assert heads[-1].section.label == label.strip()
    bodies = [b.text for b in blocks if b.kind == "body"]
    assert (bodies[-1] if bodies else "") == body


def test_mixed_numbering_does_not_derail_the_tree():
    text = "1、 编制背景\n背景正文。\n二、总体要求\n（一）指导思想\n正文。\n三、重点任务\n（一）任务一\n1.加大力度。正文。\n2.提升待遇。正文。\n（二）任务二\n正文。\n"
    o = outline(text)
    assert o.loc[o.depth == 1, "heading"].tolist() == ["编制背景", "总体要求", "重点任务"]
    assert o.set_index("heading").loc["提升待遇", "section_number"] == "3.1.2"
    assert o.set_index("heading").loc["任务二", "section_number"] == "3.2"


def test_markdown_headings():
    o = outline("## 一、总体要求\n### （一）指导思想\n正文。\n#### 二、任务\n正文。\n")
    assert o["section_number"].tolist() == ["1", "1.1", "2"]


def test_page_break_rejoined_but_titles_are_not():
    lines = repair_lines("（四）优先保障住房。落实严重残疾人家庭\n\n优先分配保障性住房政策。\n规划标题\n\n（2021—2025年）\n")
    assert "（四）优先保障住房。落实严重残疾人家庭优先分配保障性住房政策。" in lines
    assert "规划标题" in lines and "（2021—2025年）" in lines


def test_repeated_page_headers_dropped():
    text = "\n".join(["某区人民政府文件", "一、总体要求", "正文一。", "某区人民政府文件", "正文二。", "某区人民政府文件", "正文三。"])
    assert "某区人民政府文件" not in repair_lines(text)


@pytest.mark.parametrize("text, expected", [
    ("落实《条例》；加强管理。", ["落实《条例》；", "加强管理。"]),
    ("建立“发现一户、改造一户。”机制。其他。", ["建立“发现一户、改造一户。”机制。", "其他。"]),
    ("对（一户多残。老残一体）家庭给予照顾！是否可行？", ["对（一户多残。老残一体）家庭给予照顾！", "是否可行？"]),
    ("没有句号的结尾", ["没有句号的结尾"]),
    ("half-width; also works. 好", ["half-width;", "also works.", "好"]),
])
def test_split_sentences(text, expected):
    if "also works." in text:
        expected = ["half-width;", "also works. 好"]  # a full stop '.' is not a sentence end (decimals)
    assert split_sentences(text) == expected


@pytest.mark.parametrize("headings, text, topic, source", [
    (["实施更加全面的基本保障", "加大残疾人救助力度"], "对符合条件的家庭应保尽保。", "社会救助", "heading"),
    (["提供更加优质的公共服务"], "区公共图书馆设立盲人阅览区。", "文化体育", "text"),
    ([], "天气很好。", "其他", "none"),
])
def test_assign_topic(headings, text, topic, source):
    assert assign_topic(headings, text)[:2] == (topic, source)


# ------------------------------------------------------------------ whole-plan layouts
ITEMS_PLAN = """二、主要任务
（一）加大残疾人社会救助力度。
1.对符合最低生活保障条件的残疾人家庭应保尽保。
2.将残疾人家庭纳入临时救助范围，对因病致贫的残疾人家庭给予救助。两项补贴覆盖率达到100%。
3.落实困难残疾人生活补贴和重度残疾人护理补贴制度。
（二）加强组织领导。县残工委要加强统筹协调，各部门要按照职责分工，落实工作任务。
（三）完善保障
1.提高残疾人保障水平。
（1）各乡镇要加强残疾人服务设施建设。
（2）建立残疾人康复服务体系。
"""


def test_numbered_one_sentence_items_are_clauses():
    from compare.segment import segmentation

    parts = segmentation(ITEMS_PLAN, "t")
    m = parts.measures.set_index("measure_id")["text"]
    assert m["t:2.1.1.1"] == "对符合最低生活保障条件的残疾人家庭应保尽保。"
    assert m["t:2.1.2.2"] == "两项补贴覆盖率达到100%。"
    assert m["t:2.1.3.1"] == "落实困难残疾人生活补贴和重度残疾人护理补贴制度。"
    assert m["t:2.3.1.1.1"] == "各乡镇要加强残疾人服务设施建设。"
    # a heading with items or text under it stays a heading, its run-in body a clause
    headings = parts.sections.set_index("section_number")["heading"]
    assert headings["2.1"] == "加大残疾人社会救助力度" and headings["2.3.1"] == "提高残疾人保障水平"
    assert headings["2.2"] == "加强组织领导" and m["t:2.2.1"].startswith("县残工委要加强统筹协调")
    assert headings["2.1.1"] == "" and headings["2.3.1.1"] == ""
    assert parts.accounting.share == 1.0


@pytest.mark.parametrize("line, heading", [
    ("（3）鼓励并支持商业保险机构开发适合残疾人的补充养老、补充医疗保险产品，对残疾人实施优惠保险费率。有条件的"
     "地方可采取政府补贴和个人缴费相结合的方式支持。", ""),
    ("（二）完善残疾人社会保险政策，增强残疾人社会保障力度。对符合条件的给予补贴。",
     "完善残疾人社会保险政策，增强残疾人社会保障力度"),
])
def test_a_heading_is_never_longer_than_a_heading_can_be(line, heading):
    from compare.segment import RUN_IN_HEADING_MAX

    _, blocks = segment("一、前言\n" + line + "\n")
    node = [b for b in blocks if b.kind == "heading"][-1].section
    assert node.heading == heading and len(node.heading) <= RUN_IN_HEADING_MAX
    body = "".join(b.text for b in blocks if b.kind == "body")
    rest = line[len(node.label):]
    assert _chars(body) == _chars(rest[len(heading) + 1:] if heading else rest)


INDICATOR_PLAN = """第二章 主要目标
到2025年，残疾人民生福祉达到新水平。
序号      指标                                  目标值      属性
1.残疾人家庭人均收入年均增长(%)      >7.5      预期性
2.残疾人基本康复服务覆盖率(%)      >85      约束性
3.困难残疾人生活补贴目标人群覆盖率(%)      100      约束性
第三章 主要任务
加强残疾人社会保障。
"""


@pytest.mark.parametrize("layout", ["spaces", "tabs"])
def test_indicator_table_rows_are_targets_never_clauses(tmp_path, layout):
    from compare.extract.targets import extract_targets
    from compare.read import read_document
    from compare.segment import segmentation

    text = INDICATOR_PLAN if layout == "spaces" else re.sub(r" {3,}", "\t", INDICATOR_PLAN)
    path = tmp_path / "plan.txt"
    path.write_text("测试市残疾人事业发展规划\n" + text, encoding="utf-8")
    doc = read_document(path)
    parts = segmentation(doc.text, "t")
    assert parts.measures["text"].tolist() == ["到2025年，残疾人民生福祉达到新水平。", "加强残疾人社会保障。"]
    targets, _ = extract_targets(doc.text, "t", parts.measures, 2025, section_at=parts.section_at)
    got = [(r.indicator, r.value, r.unit, r.comparator, r.binding, r.source)
           for r in targets.itertuples()]
    assert got == [
        ("残疾人家庭人均收入年均增长", 7.5, "%", ">", "预期性", "indicator_table"),
        ("残疾人基本康复服务覆盖率", 85.0, "%", ">", "约束性", "indicator_table"),
        ("困难残疾人生活补贴目标人群覆盖率", 100.0, "%", "=", "约束性", "indicator_table"),
    ]
    assert targets["target_id"].str.startswith("t:2.R").all()  # in the section it is printed in
    assert parts.accounting.share == 1.0


def test_a_wrapped_line_is_one_clause_with_the_next():
    text = "一、主要任务\n对符合条件的残疾人，将符合规定\n的医疗康复项目纳入基本医疗保险支付范围。\n"
    assert measures(text, "t")["text"].tolist() == [
        "对符合条件的残疾人，将符合规定的医疗康复项目纳入基本医疗保险支付范围。"]
    lines = repair_lines(text)
    assert len(lines) == len(text.split("\n")) and lines[2] == ""  # line numbers kept


def test_an_unread_annex_table_is_reported_as_left_over():
    from compare.segment import accounting

    text = ("一、总体要求\n加强领导。\n附件\n重点任务分工表\n"
            "一 加强残疾人社会保障 区民政局 2020年\n二 促进残疾人就业 区人力社保局 2020年\n")
    root, blocks = segment(text)
    result = accounting(text, blocks)
    assert result.leftovers == ("一 加强残疾人社会保障 区民政局 2020年", "二 促进残疾人就业 区人力社保局 2020年")
    assert 0.3 < result.share < 0.99


def test_every_corpus_document_is_accounted_for(built):
    tables, report = built
    shares = tables["documents"].set_index("doc_id")["accounted_share"]
    assert len(shares) == 9 and (shares >= 0.9998).all(), shares
    assert not [w for w in report.warnings if "landed in a heading" in w]
