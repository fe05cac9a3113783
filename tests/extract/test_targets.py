"""Targets: the quantified commitments of the real plans, and small cases for each number form."""
import pandas as pd
import pytest

from compare.extract.targets import clause_deadline, find_figures, parse_indicator_tables

# (where, figure, value, unit, comparator, kind, a word of the indicator), read off the plans by hand
EXPECTED = [
    ("chaoyang-2017:5.3.2", "一所", 1, "所", "=", "target", "精神残疾人福利机构"),
    ("chaoyang-2017:5.3.2", "200张", 200, "张", ">=", "target", "床位"),
    ("chaoyang-2017:5.3.3", "一所", 1, "所", "=", "target", "特殊福利机构"),
    ("chaoyang-2017:5.3.3", "200张", 200, "张", "=", "target", "床位"),
    ("chaoyang-2017:3.1.2", "1名", 1, "名", ">=", "target", "残疾人就业"),
    ("haidian:3.1.2", "一名", 1, "名", ">=", "target", "残疾人就业"),
    ("haidian:3.2.4", "一所", 1, "所", "=", "target", "辅助性就业机构"),
    ("fengtai-2018:3.1.2", "1名", 1, "名", ">=", "target", "残疾人就业"),
    ("fengtai-2018:3.5.3", "翻一番", 2, "倍", "=", "target", "人均收入"),
    ("fengtai-2018:4.2.2", "1-3年", 1, "年", "range", "target", "学前教育"),
    ("banan-2022:3.1.4.4", "75%", 75, "%", ">=", "target", "托养照护服务覆盖率"),
    ("banan-2022:3.3.4.5", "90%", 90, "%", ">=", "target", "家庭医生签约服务率"),
    ("banan-2022:3.2.B4.1.2", "15%", 15, "%", ">=", "target", "残联干部"),
    ("banan-2022:3.1.2.2", "98%", 98, "%", ">=", "target", "基本医疗保险参保率"),
    ("banan-2022:1.13", "95.3%", 95.3, "%", "=", "baseline", "入学率"),
    ("banan-2022:1.11", "3100余人次", 3100, "人次", ">", "baseline", "残疾人就业"),
    ("banan-2022:1.8", "2.1万余人次", 21000, "人次", ">", "baseline", "生活补贴"),
    ("banan-2022:1.31", "2.44万人", 24400, "人", "=", "context", "持证残疾人"),
    ("banan-2022:3.2.B4.1.1", "50人", 50, "人", ">=", "context", "部门"),
    ("tongjiang-2017:3.3.2.1", "80%", 80, "%", "=", "target", "康复服务覆盖率"),
    ("tongjiang-2017:3.1.2.3", "2%", 2, "%", ">=", "target", "无障碍停车位比例"),
    ("tongjiang-2017:3.3.6.3", "2%", 2, "%", ">=", "target", "无障碍停车位比例"),
    ("tongjiang-2017:3.2.1.6", "1—2项", 1, "项", "range", "target", "致富技能"),
]

# 巴南 专栏1: (indicator, value, unit, comparator, binding)
BANAN_BOX = [
    ("残疾人家庭人均收入年均增长", None, "%", None, "预期性"),
    ("城乡残疾人职业技能培训人数", 1300, "人", "=", "预期性"),
    ("符合条件的残疾人纳入最低生活保障比例", 100, "%", "=", "约束性"),
    ("困难残疾人生活补贴覆盖率", 100, "%", "=", "约束性"),
    ("重度残疾人护理补贴覆盖率", 100, "%", "=", "约束性"),
    ("残疾人城乡居民基本养老保险参保率", 92, "%", ">", "预期性"),
    ("残疾人城乡居民基本医疗保险参保率", 98, "%", ">", "预期性"),
    ("残疾儿童少年义务教育入学率", 97, "%", ">", "预期性"),
    ("残疾人基本康复服务覆盖率", 95, "%", ">", "约束性"),
    ("残疾人辅助器具适配率", 95, "%", ">", "约束性"),
    ("有需求符合改造条件的困难重度残疾人家庭无障碍改造覆盖率", 100, "%", "=", "约束性"),
]


@pytest.fixture(scope="module")
def targets(built):
    return built[0]["targets"]


@pytest.mark.parametrize("measure_id,figure,value,unit,comparator,kind,word", EXPECTED)
def test_expected_targets(targets, measure_id, figure, value, unit, comparator, kind, word):
    rows = targets[(targets.measure_id == measure_id) & (targets.figure == figure)]
    assert len(rows) >= 1, f"{figure} not found in {measure_id}"
    r = rows.iloc[0]
    assert (r.value, r.unit, r.comparator, r.kind) == (pytest.approx(value), unit, comparator, kind)
    assert word in r.indicator
    assert r.text[r.span_start:r.span_end] == figure  # the span points at the figure in the clause


def test_banan_indicator_box(targets):
    box = targets[(targets.doc_id == "banan-2022") & (targets.source == "indicator_table")]
    assert box.target_id.str.startswith("banan-2022:2.3.B1.R").all()
    got = [(r.indicator, None if pd.isna(r.value) else r.value, r.unit, None if pd.isna(r.comparator) else r.comparator,
            r.binding) for r in box.itertuples()]
    assert got == BANAN_BOX
    first = box.iloc[0]
    assert first.figure == "与全区生产总值增长基本同步" and first.kind == "target"
    assert set(box.deadline_year) == {2025} and set(box.deadline_source) == {"plan_period"}


def test_review_figures_are_never_targets(targets, built):
    measures = built[0]["measures"].set_index("measure_id")
    banan = targets[(targets.doc_id == "banan-2022") & (targets.source == "clause")]
    review = banan[banan.measure_id.map(lambda m: measures.loc[m, "section_path"].startswith("第一章编制背景"))]
    assert len(review) >= 20
    assert not (review.kind == "target").any()
    assert review.deadline_year.isna().all()


def test_deadlines(targets):
    t = targets.set_index("target_id")
    assert t.loc["chaoyang-2017:3.1.2#1", "deadline_year"] == 2020          # 到2020年
    assert t.loc["fengtai-2018:3.5.3#1", "deadline_year"] == 2020           # not 比2010年
    assert pd.isna(t.loc["chaoyang-2017:5.3.2#1", "deadline_year"])         # no year, no plan period
    assert t.loc["banan-2022:3.3.4.5#1", "deadline_source"] == "plan_period"


def test_no_figures_from_titles_years_and_set_phrases(targets):
    figures = set(targets.figure)
    assert not {"2020年", "2022年", "12385", "五年", "一户", "一个"} & figures
    assert not targets.unit.isin(["岁", "周岁"]).any()


@pytest.mark.parametrize("text,expected", [
    ("公共停车场按照不低于２％的比例设置残疾人专用停车位", [(2, None, "%", ">=")]),
    ("帮助其掌握１—２项致富技能", [(1, 2, "项", "range")]),
    ("确保每名残疾儿童都能接受1-3年学前教育", [(1, 3, "年", "range")]),
    ("至少安排1 名残疾人就业", [(1, None, "名", ">=")]),
    ("建立两项制度，新建三十所学校", [(2, None, "项", "="), (30, None, "所", "=")]),
    ("残疾人家庭医生签约服务率达到90%以上", [(90, None, "%", ">=")]),
    ("服务覆盖率不低于75%", [(75, None, "%", ">=")]),
    ("等候时间控制在30天以内", [(30, None, "天", "<=")]),
    ("培训残疾人3100余人次，投入资金9805万元", [(3100, None, "人次", ">"), (9805, None, "万元", "=")]),
    ("现有持证残疾人2.44万人", [(24400, None, "人", "=")]),
    ("人均收入比2010年翻一番", [(2, None, "倍", "=")]),
    ("残疾人康复服务覆盖率达到百分之八十", [(80, None, "%", "=")]),
    ("参保率保持在95%左右", [(95, None, "%", "~")]),
])
def test_number_forms(text, expected):
    from compare.normalize import clean_text

    got = [(f.value, f.value_high, f.unit, f.comparator) for f in find_figures(clean_text(text))]
    assert got == expected


@pytest.mark.parametrize("text", [
    "落实《特殊教育提升计划（2014—2016年）》", "到2020年基本建立制度", "办好12385残疾人服务热线",
    "为0—6岁残疾儿童提供康复", "对一户多残家庭给予照顾", "实现“发现一户、改造一户”", "实施第七个五年规划",
    "建立一人一档", "给予一次性补助", "残疾人是一个特殊困难的群体", "每一个残疾儿童", "落实二、三级医院康复科",
])
def test_not_figures(text):
    assert find_figures(text) == []


@pytest.mark.parametrize("text,year", [
    ("到2020年，残疾人权益保障制度更加健全", 2020), ("2025年前至少安排1名", 2025), ("确保2020年底前完成", 2020),
    ("人均收入比2010年翻一番", None), ("落实《计划（2021—2025年）》", None), ("持续推进", None),
])
def test_clause_deadline(text, year):
    assert clause_deadline(text) == year


def test_indicator_table_tab_layout():
    text = ("专栏1 主要指标\n序号\t指标\t2025年目标值\t指标属性\n"
            "1\t残疾人基本康复服务覆盖率（%）\t≥85\t约束性\n2\t城乡残疾人职业技能培训人数（人）\t1300\t预期性\n"
            "3\t困难残疾人家庭无障碍改造（户）\t500户以上\t预期性\n第三章 重点任务\n")
    rows, problems = parse_indicator_tables(text)
    assert problems == []
    assert [(r.indicator, r.value, r.unit, r.comparator, r.binding) for r in rows] == [
        ("残疾人基本康复服务覆盖率", 85, "%", ">=", "约束性"),
        ("城乡残疾人职业技能培训人数", 1300, "人", "=", "预期性"),
        ("困难残疾人家庭无障碍改造", 500, "户", ">=", "预期性"),
    ]


_PAIRS = {"（": "）", "(": ")", "《": "》", "“": "”", "〔": "〕", "‘": "’", "「": "」", "【": "】"}


def _balanced_brackets(s: str) -> bool:
    stack = []
    for ch in s:
        if ch in _PAIRS and not (ch in "“‘" and stack and stack[-1] == ch):
            stack.append(ch)
        elif ch in _PAIRS.values():
            if not stack or _PAIRS[stack.pop()] != ch:
                return False
    return not stack


def assert_whole_phrases(targets: pd.DataFrame) -> None:
    """Every indicator is a phrase a reader recognises: brackets closed within it, no
    punctuation at either end, no longer than 30 characters (32 with 比例)."""
    bad = [
        (r.target_id, r.indicator)
        for r in targets.itertuples()
        if isinstance(r.indicator, str)
        and (
            not _balanced_brackets(r.indicator)
            or r.indicator[0] in "、，；：。）)》”" or r.indicator[-1] in "、，；：（(《“"
            or len(r.indicator) > 32
        )
    ]
    assert not bad, bad


def test_every_indicator_of_the_corpus_is_a_whole_phrase(targets):
    assert len(targets) >= 90
    assert_whole_phrases(targets)


def test_figures_listed_in_brackets_are_read_within_them(targets):
    # 巴南: 开展“五个一”（读一本书、看一场电影、游一次园、参观一次展览、参加一次文化活动）…
    text = ("开展“五个一”（读一本书、看一场电影、游一次园、参观一次展览、参加一次文化活动）"
            "文化进家庭、进社区等残疾人群众性文化活动。")
    indicators = [f.indicator for f in find_figures(text)]
    assert indicators == ["读书", "看电影", "游园", "参观展览", "文化活动"]
    banan = targets[targets.doc_id == "banan-2022"]
    assert {"读书", "看电影", "游园", "参观展览"} <= set(banan.indicator)
    # a share given in brackets is not joined to the closing bracket (占总数的）比例)
    share = banan[banan.figure == "72.95%"].indicator.iloc[0]
    assert share == "占总数的"
    # lists that are one object stay whole; the figure before another keeps its own noun
    listed = find_figures("1名家庭成员掌握1项养殖、种植、设施农业等增收项目")
    assert [f.indicator for f in listed] == ["家庭成员", "养殖、种植、设施农业等增收项目"]
    assert [f.indicator for f in find_figures("建设一所200张床位以上的精神残疾人福利机构")] == [
        "精神残疾人福利机构", "精神残疾人福利机构床位"]
