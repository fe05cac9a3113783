"""Names, terms and tables as a report reader sees them."""

import pandas as pd
import pytest

from compare.report import render, terms, views
from compare.schema import FIELDS

#: Coded fields a report shows, by the term kind that words them.
SHOWN_CODES = {
    "strength": "strength",
    "edit_label": "edit_label",
    "relation": "relation",
    "basis": "basis",
    "comparator": "comparator",
    "change": "change",
    "reference_kind": "reference_kind",
    "role": "role",
    "level": "level",
    "agency_role": "agency_role",
    "implementation_style": "implementation_style",
}


@pytest.mark.parametrize("field,kind", sorted(SHOWN_CODES.items()))
def test_every_code_a_report_shows_has_a_term_in_each_language(field, kind):
    allowed = FIELDS[field].allowed
    assert allowed, field
    for lang in terms.LANGUAGES:
        words = [terms.term(kind, code, lang) for code in allowed]
        assert terms.MISSING not in words, (field, lang)
        assert len(set(words)) == len(words), (field, lang, words)  # no two codes read alike


def test_styles_are_defined_in_neutral_words():
    zh = terms.style_definitions("zh")
    assert list(zh) == ["高度沿用型", "沿用为主型", "增补为主型", "精简改写型"]
    assert "敷衍" not in "".join(zh) + "".join(zh.values())


def test_documents_are_named_as_a_reader_knows_them():
    docs = pd.DataFrame(
        {
            "doc_id": ["dongcheng-2017", "xicheng-2018", "xicheng-2019", "guofa-2015-7", "notitle"],
            "role": ["plan", "plan", "plan", "template", "template"],
            "title": [
                "东城区方案",
                "西城区方案",
                "西城区新方案",
                "国务院关于加快推进残疾人小康进程的意见",
                "某上级文件",
            ],
            "doc_number": ["东政发〔2017〕1号", None, "西政发〔2019〕2号", "国发〔2015〕7号", None],
            "issued_date": pd.to_datetime(["2017-05-01", "2018-01-01", None, "2015-01-20", None]),
            "province": ["北京市", "北京市", "北京市", None, "河北省"],
            "prefecture": [None] * 5,
            "county": ["东城区", "西城区", "西城区", None, None],
        }
    )
    names = terms.doc_names(docs)
    assert names["dongcheng-2017"] == "东城区"
    # two plans of one place: their number, else their year
    assert names["xicheng-2018"] == "西城区（2018）"
    assert names["xicheng-2019"] == "西城区（西政发〔2019〕2号）"
    assert names["guofa-2015-7"] == "国发〔2015〕7号"
    assert terms.doc_names(docs, long=True)["guofa-2015-7"] == (
        "国发〔2015〕7号《国务院关于加快推进残疾人小康进程的意见》"
    )
    assert names["notitle"] == "某上级文件"
    assert names["inferred-national"] == "推断的全国共同文本"
    assert names["inferred-beijing"] == "推断的北京市共同文本"
    assert terms.doc_names(docs, "en")["inferred-national"] == "inferred national common text"


def test_reader_frames_have_words_not_codes():
    frame = pd.DataFrame(
        {
            "plan": ["dongcheng-2017"],
            "edit_label": ["jurisdiction_only"],
            "lead_agencies": [["区民政局", "区残联"]],
            "figure": [pd.NA],
            "is_partial": [True],
        }
    )
    out = terms.reader_frame(
        frame,
        codes={"edit_label": "edit_label"},
        names={"dongcheng-2017": "东城区"},
        named=("plan",),
    )
    assert list(out.columns) == ["方案", "编辑类型", "牵头单位", "数值", "文本是否不完整"]
    assert out.iloc[0].tolist()[:3] == ["东城区", "仅改地名", "区民政局、区残联"]
    assert out.iloc[0, 4] == "是"
    assert views.clause_no("dongcheng-2017:3.2.1#1") == "3.2.1"


def test_tables_have_no_index_and_no_cut_cells():
    long_text = "残疾人" * 200
    html = render.table_html(pd.DataFrame({"原文": [long_text, "<b>x</b>"], "数值": [1.0, 2.5]}))
    assert long_text in html and "..." not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html  # document text stays text
    assert "<th></th>" not in html and ">0<" not in html
    assert '<td class="num">1</td>' in html and '<td class="num">2.50</td>' in html


def test_long_tables_fold_and_wide_tables_fit_the_page():
    rows = pd.DataFrame({"序号": range(1, 31), "任务": ["x"] * 30})
    folded = render.table_html(rows)
    assert (
        folded.startswith('<details class="fold"><summary>共 30 行') and folded.count("<tr>") == 31
    )
    wide = pd.DataFrame({f"列{i}": [i, i + 1] for i in range(12)})
    turned = render.table_html(wide)  # two rows, twelve columns: turned on its side
    assert turned.count("<tr>") == 12 and turned.count("<th>") == 3
    tall_wide = pd.DataFrame({f"列{i}": range(20) for i in range(12)})
    split = render.table_html(tall_wide, fold_after=100)
    assert split.count("<table") == 2 and split.count("<th>列0</th>") == 2  # key column repeated


def test_a_title_cannot_break_out_of_the_print_header():
    from compare.report.export import css_string

    quoted = css_string('北京"}</style><script>x</script>')
    assert quoted.startswith('"北京') and quoted.endswith('"')
    assert "</style>" not in quoted and '"}' not in quoted[1:-1] and "<" not in quoted
