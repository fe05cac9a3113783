import datetime as dt

import pytest

from compare.read import metadata as md


@pytest.mark.parametrize("text, expected", [
    ("根据《意见》（国发〔2015〕7号）和（京政发〔2016〕8号）", ["国发〔2015〕7号", "京政发〔2016〕8号"]),
    ("（巴南府发〔2022〕35号）", ["巴南府发〔2022〕35号"]),
    ("印发京政发〔2016〕008号", ["京政发〔2016〕8号"]),
    ("国务院令第622号", []),
])
def test_parse_doc_numbers(text, expected):
    assert [n for _, n in md.parse_doc_numbers(text)] == expected


@pytest.mark.parametrize("lines, title", [
    (["北京市某区人民政府", "", "关于加快推进残疾人小康进程的实施意见", "（某政发〔2017〕7号）", "各街道：", "正文。"],
     "北京市某区人民政府关于加快推进残疾人小康进程的实施意见"),
    (["某市人民政府", "关于印发某市“十三五”加快残疾人小康", "进程规划的通知", "各乡（镇）政府："],
     "某市人民政府关于印发某市“十三五”加快残疾人小康进程规划的通知"),
    (["转发国务院关于加快推进残疾人小康进程的意见[国发〔2015〕7号]", "各省："],
     "国务院关于加快推进残疾人小康进程的意见[国发〔2015〕7号]"),
    (["# 北京市某区人民政府文件", "某政发〔2018〕3号", "## 北京市某区人民政府关于印发《实施方案》的通知", "各街道："],
     "北京市某区人民政府关于印发《实施方案》的通知"),
    (["各区人民政府：", "为认真贯彻落实意见，现提出如下实施意见："], None),
])
def test_find_title(lines, title):
    assert md.find_title(lines)[0] == title


@pytest.mark.parametrize("title, issuer", [
    ("北京市朝阳区人民政府关于加快推进残疾人小康进程的实施意见", "北京市朝阳区人民政府"),
    ("国务院关于加快推进残疾人小康进程的意见", "国务院"),
    ("关于加快推进残疾人小康进程的实施意见", None),
    ("某某公司关于年会的通知", None),
])
def test_issuer_from_title(title, issuer):
    assert md.issuer_from_title(title) == issuer


@pytest.mark.parametrize("issuer, expected", [
    ("北京市朝阳区人民政府", ("county", "北京市", None, "朝阳区")),
    ("同江市人民政府", ("county", "黑龙江省", "佳木斯市", "同江市")),
    ("重庆市巴南区人民政府", ("county", "重庆市", None, "巴南区")),
    ("北京市人民政府", ("provincial", "北京市", None, None)),
    ("佳木斯市人民政府", ("prefecture", "黑龙江省", "佳木斯市", None)),
    ("国务院", ("national", None, None, None)),
    ("国务院办公厅", ("national", None, None, None)),
    ("长春市朝阳区人民政府", ("county", "吉林省", "长春市", "朝阳区")),
])
def test_jurisdiction_of(issuer, expected):
    j = md.jurisdiction_of(issuer)
    assert (j.level, j.province, j.prefecture, j.county) == expected


def test_ambiguous_county_settled_by_cited_province():
    assert md.jurisdiction_of("朝阳区人民政府", cites=["京政发〔2016〕8号"]).province == "北京市"
    assert md.jurisdiction_of("朝阳区人民政府", cites=["吉政发〔2016〕8号"]).province == "吉林省"


@pytest.mark.parametrize("lines, meta, expected", [
    (["某区人民政府", "", "2017年9月11日"], {}, (dt.date(2017, 9, 11), "signature")),
    (["同江市人民政府", "二〇一七年十二月六日"], {}, (dt.date(2017, 12, 6), "signature")),
    (["某区人民政府", "2022年630"], {"signed_date": "2022-06-30"}, (dt.date(2022, 6, 30), "metadata_block")),
    (["正文。", "某区人民政府办公室", "2018年2月22日印发"], {}, (dt.date(2018, 2, 22), "print_date")),
    (["时间：2023-06-01"], {"posted_date": "2023-06-01"}, (None, None)),
])
def test_find_issued_date(lines, meta, expected):
    assert md.find_issued_date(lines, meta) == expected


@pytest.mark.parametrize("title, expected", [
    ("关于印发某区“十四五”残疾人保障和发展规划（2021—2025年）的通知", ("十四五", 2021, 2025)),
    ("关于印发某市“十三五”加快残疾人小康进程规划的通知", ("十三五", 2016, 2020)),
    ("某市残疾人事业发展规划（2018—2022年）", ("2018—2022", 2018, 2022)),
    ("关于加快推进残疾人小康进程的实施意见", (None, None, None)),
])
def test_find_plan_period(title, expected):
    assert md.find_plan_period(title, []) == expected


def test_cites_come_from_the_basis_sentence_not_the_body():
    lines = ["某市人民政府关于印发某规划的通知", "某政发〔2017〕37号", "各乡镇：",
             "为贯彻落实《意见》（国发〔2015〕7号）精神，根据《纲要》（国发〔2016〕47号），制定本规划。",
             "一、总体要求", "贯彻落实《规范》（残联厅发〔2013〕8号）。"]
    assert md.find_cites(lines, md.find_title(lines)[0], "某政发〔2017〕37号") == ["国发〔2015〕7号", "国发〔2016〕47号"]


@pytest.mark.parametrize("lines, expected", [
    (["东宁市人民政府办公室", "2018525"], (dt.date(2018, 5, 25), "signature")),     # 年月日 lost: one reading
    (["某市人民政府", "2018111"], (None, None)),                                  # two readings: none taken
    (["川府发〔2017〕15号2017年2月28日", "各市（州）人民政府："], (dt.date(2017, 2, 28), "head")),
])
def test_damaged_and_gazette_dates(lines, expected):
    assert md.find_issued_date(lines, {}) == expected


@pytest.mark.parametrize("title, plan", [
    ("国务院关于印发“十三五”加快残疾人小康进程规划纲要的通知", "“十三五”加快残疾人小康进程规划纲要"),
    ("北京市人民政府办公厅关于印发〈北京市2016年政务公开工作要点〉的通知", "北京市2016年政务公开工作要点"),
    ("中共岳阳市委办公室岳阳市人民政府办公室印发《关于全面推进政务公开工作的实施意见》的通知",
     "关于全面推进政务公开工作的实施意见"),
    ("吉林省人民政府办公厅关于转发省教育厅等部门吉林省特殊教育提升计划实施方案（2014-2016年）的通知",
     "吉林省特殊教育提升计划实施方案（2014-2016年）"),
    ("北京市朝阳区人民政府关于加快推进残疾人小康进程的实施意见", None),
])
def test_the_plan_a_notice_issues(title, plan):
    assert md.notice_plan(title) == plan


@pytest.mark.parametrize("lines, title", [
    (["发布通知", "湖南省人民政府办公厅关于印发《某计划》的通知", "各市州："],
     "湖南省人民政府办公厅关于印发《某计划》的通知"),                              # a site label is no title
    (["鲁政发〔2014〕20号《山东省人民政府关于深化预算管理制度改革的实施意见》", "浏览量：时间：2016-01-17",
      "各市人民政府："], "山东省人民政府关于深化预算管理制度改革的实施意见"),        # number and 《》 around it
    (["新时代无障碍环境建设实施方案.docx", "正文"], "新时代无障碍环境建设实施方案"),   # a file name
    (["镇巴县人民政府工作规则", "第一章总则"], "镇巴县人民政府工作规则"),
])
def test_titles_of_every_shape(lines, title):
    assert md.find_title(lines)[0] == title


def test_a_plan_without_a_printed_title_is_named_by_its_notice():
    lines = ["各县（市、区）人民政府：", "《台州市城市总体规划（2017—2035年）编制试点工作方案》已经市政府同意，现印发给你们。"]
    assert md.plan_title(None, lines) == ("台州市城市总体规划（2017—2035年）编制试点工作方案", None)
