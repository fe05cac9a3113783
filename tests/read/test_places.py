"""An issuer's place restored from the evidence a reader would use (compare.read.places)."""

import pytest

from compare.read import places


@pytest.mark.parametrize(
    "number, text, expected",
    [
        ("哈政办发〔2016〕12号", "", "哈尔滨市"),  # the prefix table
        (
            "镇政办发〔2011〕155号",
            "推进和谐镇坪建设，县政府决定",
            "镇坪县",
        ),  # the place the text names
        ("莆政综〔2014〕76号", "加快我市养老服务业发展，莆田市社会福利中心", "莆田市"),
        ("镇政办发〔2011〕155号", "各镇人民政府：", None),  # no place named: no guess
        ("宁政办发〔2022〕52号", "", None),  # 宁: 南京 or 宁夏, left out
        ("国发〔2015〕7号", "", None),
    ],
)
def test_doc_number_place(number, text, expected):
    assert places.most_specific(places.doc_number_place(number, text)) == expected


@pytest.mark.parametrize(
    "issuer, kw, expected",
    [
        ("市政府办公厅", {"signature": "南京市人民政府办公厅"}, "南京市人民政府办公厅"),
        ("市人民政府", {"meta_issuer": "鄂州市政府"}, "鄂州市人民政府"),
        ("市人民政府", {"title": "莆田市养老服务业发展规划"}, "莆田市人民政府"),
        ("市人民政府", {"number": "哈政发〔2016〕3号"}, "哈尔滨市人民政府"),
        (
            "市人民政府",
            {"text": "结合杭州实际，推进我市无障碍环境建设。杭州市各区"},
            "杭州市人民政府",
        ),
        ("市人民政府", {}, "市人民政府"),  # nothing to go on: left as printed
        ("北京市朝阳区人民政府", {"signature": "海淀区人民政府"}, "北京市朝阳区人民政府"),
    ],
)
def test_restore_issuer(issuer, kw, expected):
    args = {"signature": None, "meta_issuer": None, "title": None, "number": None, "text": ""} | kw
    assert places.restore_issuer(issuer, **args) == expected


def test_issuer_from_number_names_its_body():
    assert (
        places.issuer_from_number("镇政办发〔2011〕155号", "推进和谐镇坪建设")
        == "镇坪县人民政府办公室"
    )
    assert places.issuer_from_number("哈政发〔2016〕3号", "") == "哈尔滨市人民政府"
    assert (
        places.issuer_from_number("岳办发〔2017〕2号", "岳阳市") is None
    )  # a party office: not guessed


def test_a_text_place_needs_more_than_one_mention():
    assert places.text_place("结合杭州实际，制定本计划。").level == "prefecture"
    assert places.text_place("参照北京市经验。").level is None
