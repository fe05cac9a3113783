"""The documents table on the real corpus in data/raw/: values, not shapes."""
import datetime as dt

import pandas as pd
import pytest

EXPECTED = {
    # doc_id: (county, province, prefecture, doc_number, issued_date, plan_period, cites)
    "chaoyang-2017": ("朝阳区", "北京市", None, "朝政发〔2017〕7号", dt.date(2017, 9, 11), None,
                      ["国发〔2015〕7号", "京政发〔2016〕8号"]),
    "haidian": ("海淀区", "北京市", None, None, None, None, ["国发〔2015〕7号", "京政发〔2016〕8号"]),
    "fengtai-2018": ("丰台区", "北京市", None, "丰政发〔2018〕3号", dt.date(2018, 2, 22), None, ["京政发〔2016〕8号"]),
    "banan-2022": ("巴南区", "重庆市", None, "巴南府发〔2022〕35号", dt.date(2022, 6, 30), "十四五",
                   ["国发〔2021〕10号", "渝府发〔2021〕43号"]),
    "tongjiang-2017": ("同江市", "黑龙江省", "佳木斯市", "同政发〔2017〕37号", dt.date(2017, 12, 6), "十三五",
                       ["国发〔2015〕7号", "国发〔2016〕47号", "黑政发〔2017〕1号", "佳政发〔2017〕4号"]),
}


def _value(v):
    return None if v is None or (not isinstance(v, list) and pd.isna(v)) else v


def test_all_documents_built(documents):
    assert sorted(documents.query("role == 'plan'").index) == sorted(EXPECTED)
    assert sorted(documents.query("role == 'template'").index) == [
        "beijing-2016-8", "guofa-2015-7", "guofa-2016-47", "guofa-2021-10"]


@pytest.mark.parametrize("doc_id", sorted(EXPECTED))
def test_plan_metadata(documents, doc_id):
    county, province, prefecture, number, issued, period, cites = EXPECTED[doc_id]
    row = documents.loc[doc_id]
    assert row["level"] == "county"
    assert row["county"] == county
    assert row["province"] == province
    assert _value(row["prefecture"]) == prefecture
    assert _value(row["doc_number"]) == number
    got = _value(row["issued_date"])
    assert (got.date() if got is not None else None) == issued
    assert _value(row["plan_period"]) == period
    assert list(row["cites"]) == cites
    assert row["issuer"].endswith("人民政府")


def test_haidian_is_not_dated_by_the_essay_site(documents, built):
    row = documents.loc["haidian"]
    assert pd.isna(row["issued_date"])  # the site's 2023-06-01 posting date is not a signature date
    text = built[0]["texts"].set_index("doc_id").loc["haidian", "text"]
    assert "2023-06-01" not in text and "小编" not in text and "版权所有" not in text


def test_banan_date_recovered_from_metadata_block(documents):
    assert documents.loc["banan-2022", "issued_date_source"] == "metadata_block"
    assert documents.loc["banan-2022", "period_start_year"] == 2021
    assert documents.loc["banan-2022", "period_end_year"] == 2025


def test_templates(documents):
    t = documents.query("role == 'template'")
    assert t.loc["guofa-2015-7", "doc_number"] == "国发〔2015〕7号"
    assert t.loc["guofa-2015-7", "level"] == "national"
    assert t.loc["guofa-2016-47", "original_script"] == "traditional"
    # a plan issued by a notice is titled by its own name; the notice's title is kept beside it
    assert t.loc["guofa-2016-47", "title"] == "“十三五”加快残疾人小康进程规划纲要"
    assert t.loc["guofa-2016-47", "notice_title"] == "国务院关于印发“十三五”加快残疾人小康进程规划纲要的通知"
    assert pd.isna(t.loc["guofa-2015-7", "notice_title"])
    assert list(t.loc["guofa-2016-47", "cites"]) == ["国发〔2015〕7号"]
    jing = t.loc["beijing-2016-8"]
    assert (jing["level"], jing["province"], jing["doc_number"]) == ("provincial", "北京市", "京政发〔2016〕8号")
    assert set(jing["manifest_fields"]) >= {"title", "doc_number"}  # no title line in the fragment
    assert t["is_partial"].all()


def test_traditional_template_text_is_simplified_with_original_kept(built):
    texts = built[0]["texts"].set_index("doc_id")
    assert "国务院关于印发" in texts.loc["guofa-2016-47", "text"]
    assert "國務院關於印發" in texts.loc["guofa-2016-47", "original_text"]


def test_boilerplate_removed_from_scraped_pages(built):
    texts = built[0]["texts"].set_index("doc_id")["text"]
    assert not texts.str.contains("打印页面|关闭页面|扫一扫在手机打开当前页|首页>|相关热词搜索").any()
    assert "PAGE" not in texts["tongjiang-2017"]


def test_full_width_digits_folded(built):
    text = built[0]["texts"].set_index("doc_id").loc["tongjiang-2017", "text"]
    assert "不低于2%的比例" in text and "２" not in text
