"""The provisions table (the diffusion matrix) and the target changes table, on the real corpus,
checked against cases read by hand."""

import pytest

from compare.analysis.provisions import provision_counts, provision_matrix
from compare.analysis.target_changes import change_counts


@pytest.fixture(scope="module")
def tables(built):
    return built[0]


def test_who_kept_which_provision_of_the_national_opinion(tables):
    p = tables["provisions"]
    matrix = provision_matrix(p, "guofa-2015-7")
    measures = tables["measures"].set_index("measure_id").text
    # provision 8 of 国发〔2015〕7号 is 坚持普惠与特惠相结合。
    ref = p[(p.reference_doc_id == "guofa-2015-7") & (p.provision_no == 8)]
    assert measures[ref.reference_measure_id.iloc[0]] == "坚持普惠与特惠相结合。"
    # 朝阳, 海淀 and 同江 keep it word for word; 丰台 and 巴南 do not have it
    assert matrix.loc[8].to_dict() == {
        "banan-2022": "dropped",
        "chaoyang-2017": "verbatim",
        "fengtai-2018": "dropped",
        "haidian": "verbatim",
        "tongjiang-2017": "verbatim",
    }
    kept = ref.set_index("doc_id").measure_ids
    assert list(kept["tongjiang-2017"]) == ["tongjiang-2017:2.2.1"]
    assert measures["tongjiang-2017:2.2.1"] == "坚持普惠与特惠相结合。"
    # provision 1: 朝阳 adds one character (特殊困难的群体), 同江 rewrites it
    assert matrix.loc[1, "chaoyang-2017"] == "minor"
    assert matrix.loc[1, "tongjiang-2017"] == "rewritten"
    # a row per provision and plan compared, numbered in the reference's order
    n = (
        p[p.reference_doc_id == "guofa-2015-7"]
        .groupby("doc_id")
        .provision_no.agg(["min", "max", "count"])
    )
    assert (n["min"] == 1).all() and (n["max"] == n["count"]).all() and n["count"].nunique() == 1
    counts = provision_counts(p, "guofa-2015-7")
    assert counts.loc[8, "verbatim"] == 3 and counts.loc[8, "dropped"] == 2
    # the provinces' inferred ancestors are provisions too, compared with their own plans only
    assert set(p[p.reference_doc_id == "inferred-beijing"].doc_id) == {
        "chaoyang-2017",
        "fengtai-2018",
        "haidian",
    }


def test_the_similarity_view_of_the_matrix(tables):
    sim = provision_matrix(
        tables["provisions"],
        "guofa-2015-7",
        value="similarity",
        plans=["tongjiang-2017", "chaoyang-2017"],
    )
    assert list(sim.columns) == ["tongjiang-2017", "chaoyang-2017"]
    assert sim.loc[8].tolist() == [1.0, 1.0]
    assert provision_matrix(tables["provisions"], "no-such-text").empty


def test_fengtai_against_the_chaoyang_plan_it_copies(tables):
    """Read by hand: 丰台 (2018) keeps three of 朝阳's targets with the same figures (1 名
    残疾人就业 by 2020, 1–3 年 学前教育, 1 次 文化体育活动 a year), adds the income target
    (比2010年翻一番, 2 倍) and has none of 朝阳's welfare institutions (一所200张床位 …) or its
    volunteer team."""
    c = tables["target_changes"]
    f = c[c.doc_id == "fengtai-2018"]
    assert set(f.reference_doc_id) == {"chaoyang-2017"} and set(f.reference_relation) == {
        "ancestor"
    }
    same = f[f.change == "same"].set_index("indicator")
    assert set(same.index) == {"残疾人就业", "学前教育", "文化体育活动"}
    assert same.loc["残疾人就业", ["value", "unit", "deadline_year"]].tolist() == [1.0, "名", 2020]
    assert same.loc["残疾人就业", "reference_value"] == 1.0
    assert (same.match == "aligned_clause").all()
    new = f[f.change == "new"]
    assert new.unit.tolist() == ["倍"] and new.value.tolist() == [2.0]
    dropped = f[f.change == "dropped"].set_index("reference_indicator")
    assert dropped.loc["精神残疾人福利机构床位", "reference_value"] == 200.0
    assert set(dropped.index) == {
        "精神残疾人福利机构",
        "精神残疾人福利机构床位",
        "特殊福利机构",
        "特殊福利机构床位",
        "助残志愿者队伍",
    }
    assert change_counts(c).loc[("fengtai-2018", "chaoyang-2017")].to_dict() == {
        "same": 3,
        "new": 1,
        "dropped": 5,
    }


def test_plans_whose_reference_texts_state_no_targets_have_no_rows(tables):
    # the templates here are fragments without a single target: a plan following only them
    # gets no rows (every target would be 'new' for want of the text, not of the plan)
    c = tables["target_changes"]
    assert set(c.doc_id) == {"fengtai-2018"}
    templates = set(tables["documents"].query("role == 'template'").doc_id)
    assert not set(c.reference_doc_id) & templates
