import pytest

from compare.normalize import (clean_text, collapse_blank_lines, fold_width, normalize_newlines,
                               normalize_punctuation, normalize_spaces, repair_doc_numbers,
                               strip_markdown_emphasis)


@pytest.mark.parametrize("raw, expected", [
    ("不低于２％的比例", "不低于2%的比例"),
    ("１—２项致富技能", "1—2项致富技能"),
    ("５.实施残疾人托养", "5.实施残疾人托养"),
    ("１．加大力度", "1.加大力度"),
    ("ＡＢＣ１２３", "ABC123"),
    ("（一）保持全角括号，。", "（一）保持全角括号，。"),
])
def test_fold_width(raw, expected):
    assert fold_width(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("到 2020 年", "到2020年"),
    ("至少安排 1 名残疾人就业", "至少安排1名残疾人就业"),
    ("需要格外关心、 格外关注。 长期以来", "需要格外关心、格外关注。长期以来"),
    ("关于加快推进残疾人小康进程的 实施方案", "关于加快推进残疾人小康进程的实施方案"),
    ("北京市丰台区人民政府 关于印发", "北京市丰台区人民政府关于印发"),
    ("2017年12月 6日", "2017年12月6日"),
    ("\u3000\u3000同江市人民政府\u3000", "同江市人民政府"),
    ("尚未脱贫, 260万", "尚未脱贫,260万"),
    ("Powered by Someone", "Powered by Someone"),
    ("序号\t工作任务\t牵头单位", "序号\t工作任务\t牵头单位"),
    ("零\u200b宽", "零宽"),
])
def test_normalize_spaces(raw, expected):
    assert normalize_spaces(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("残疾人是一个特殊困难的群体,需要格外关心", "残疾人是一个特殊困难的群体，需要格外关心"),
    ("(一)指导思想", "（一）指导思想"),
    ("(朝政发〔2017〕7号)", "（朝政发〔2017〕7号）"),
    ("《规划》(2021-2025年)", "《规划》（2021-2025年）"),
    ("比例为1:2", "比例为1:2"),
    ("see http://example.com (ok)", "see http://example.com (ok)"),
    ("各镇人民政府,区政府各部门:", "各镇人民政府，区政府各部门："),
])
def test_normalize_punctuation(raw, expected):
    assert normalize_punctuation(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("（国发〔20157号）", "（国发〔2015〕7号）"),
    ("（京政发〔20168号）", "（京政发〔2016〕8号）"),
    ("国发[2015]7号", "国发〔2015〕7号"),
    ("黑政发(2017)1号", "黑政发〔2017〕1号"),
    ("国發〔2016〕47號", "国發〔2016〕47号"),
    ("（2021—2025年）", "（2021—2025年）"),
    ("特殊教育提升计划（20142016年）", "特殊教育提升计划（20142016年）"),
    ("国发）2015〕7号", "国发〔2015〕7号"),                          # a bracket turned into )
    ("（国办发(2004)76）", "（国办发〔2004〕76号）"),                   # the 号 lost in a citation
    ("根据国发20157号文件", "根据国发〔2015〕7号文件"),                  # both brackets lost
    ("国办发„2009‟3号", "国办发〔2009〕3号"),                         # a PDF converter's „‟ for 〔〕
    ("（衢政办发〔202316号）", "（衢政办发〔2023〕16号）"),
    ("闽政〔2014〕3 号", "闽政〔2014〕3号"),
    ("国发 〔2015〕7号", "国发〔2015〕7号"),                           # a space before 〔
    ("补助2015元，发放20157人", "补助2015元，发放20157人"),              # not numbers: no organ, no 号
    ("到2015年7号楼", "到2015年7号楼"),
])
def test_repair_doc_numbers(raw, expected):
    assert repair_doc_numbers(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("a\r\nb\rc", "a\nb\nc"),
    ("a\u2028b", "a\nb"),
])
def test_normalize_newlines(raw, expected):
    assert normalize_newlines(raw) == expected


def test_markdown_emphasis_and_rules_removed_but_headings_kept():
    assert strip_markdown_emphasis("## **五、充分发挥**\n---\n正文") == "## 五、充分发挥\n\n正文"


def test_collapse_blank_lines():
    assert collapse_blank_lines("a\n\n\n\n\nb") == "a\n\n\nb\n"


def test_clean_text_pipeline_is_idempotent(sample_plan):
    once = clean_text(sample_plan)
    assert clean_text(once) == once


def test_cjk_count_is_the_same_for_short_and_whole_texts(raw_dir):
    import re

    from compare.normalize import CJK, cjk_count

    for path in sorted((raw_dir / "plans").iterdir()) + sorted((raw_dir / "templates").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        assert cjk_count(text) == len(re.findall(f"[{CJK}]", text)) > 100
    for s in ("", "abc", "残疾人就业", "㐀豈﨩" * 80, "a残" * 150):
        assert cjk_count(s) == len(re.findall(f"[{CJK}]", s))


@pytest.mark.parametrize("raw, expected", [
    ("北京市\u202e区政府关于\u202c印发", "北京市区政府关于印发"),  # RLO … PDF
    ("区\u2067民政局\u2069牵头", "区民政局牵头"),  # an isolate
    ("\u200f区残联\u200e\u061c", "区残联"),  # marks
    # zero-width ones (removed already with the spaces) beside a mark
    ("加强\u200b组织\u2060领导\ufeff，完\u200c善\u200d机制\u200e", "加强组织领导，完善机制"),
])
def test_clean_text_removes_invisible_characters(raw, expected):
    assert clean_text(raw) == expected + "\n"
