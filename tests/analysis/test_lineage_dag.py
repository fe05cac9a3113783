"""Lineage as a dated, hierarchical graph: parents, ancestors, issue windows and no cycles, on
the real corpus, on corpora made to tempt cycles, and on a plan derived from an undated one."""

import datetime as dt
import shutil

import networkx as nx
import pandas as pd
import pytest

from compare.analysis.dating import Window, issue_windows
from compare.analysis.lineage import resolve_reference
from compare.analysis.parents import break_cycles, lineage_table


def graph(lineage: pd.DataFrame) -> nx.DiGraph:
    """Parent and ancestor rows as a graph, ancestor → descendant."""
    edges = lineage[lineage.relation.isin(["parent", "ancestor"])]
    return nx.DiGraph(list(zip(edges.ancestor_doc_id, edges.doc_id)))


@pytest.fixture(scope="module")
def tables(built):
    return built[0]


def relation(lineage, relation):
    return lineage[lineage.relation == relation].set_index("doc_id")


def test_each_document_descends_from_what_it_cites_closest_level_first(tables):
    parent = relation(tables["lineage"], "parent")
    assert parent.ancestor_doc_id.to_dict() == {
        # 朝阳 and 海淀 cite 国发〔2015〕7号 and 京政发〔2016〕8号: the municipal one is closer
        "chaoyang-2017": "beijing-2016-8",
        "haidian": "beijing-2016-8",
        "fengtai-2018": "beijing-2016-8",
        # 同江 cites two national texts here: the one it reuses more (0.46 against 0.37)
        "tongjiang-2017": "guofa-2015-7",
        # 巴南's 十四五 plan cites 国发〔2021〕10号, not the 2015 opinion
        "banan-2022": "guofa-2021-10",
        # templates too: the municipal opinion and the 十三五 outline cite the 2015 opinion
        "beijing-2016-8": "guofa-2015-7",
        "guofa-2016-47": "guofa-2015-7",
    }
    assert set(parent.basis) == {"cited"}
    assert parent.loc["tongjiang-2017", "reason"].endswith(
        "the highest copy rate of 2 at that level"
    )
    # the diagram a reader expects: 丰台 under 京政发〔2016〕8号 under 国发〔2015〕7号
    assert nx.has_path(graph(tables["lineage"]), "guofa-2015-7", "fengtai-2018")


def test_nearest_template_stays_in_the_plans_own_jurisdiction_and_time(tables):
    nearest = relation(tables["lineage"], "nearest").ancestor_doc_id
    # 同江 (黑龙江): not 京政发〔2016〕8号 (北京, 0.463), but the national text it cites (0.458)
    assert nearest["tongjiang-2017"] == "guofa-2015-7"
    assert nearest["banan-2022"] == "guofa-2021-10"
    # no plan issued before 2021 has the 十四五 outline as its nearest template
    assert "guofa-2021-10" not in set(nearest.drop("banan-2022"))


def test_an_undated_plan_gets_a_window_with_its_sources(tables):
    docs = tables["documents"].set_index("doc_id")
    haidian = docs.loc["haidian"]
    assert pd.isna(haidian.issued_date)
    # after 京政发〔2016〕8号, which it cites; before the end of 2018, its first deadline
    # (到2018年完成农村困难残疾人家庭存量危房改造)
    assert haidian.issued_earliest == pd.Timestamp("2016-01-01")
    assert haidian.issued_latest == pd.Timestamp("2018-12-31")
    assert haidian.issued_estimate_source == "cites, deadlines"
    # a template without a signature date is placed in the year of its number
    assert docs.loc["guofa-2021-10", "issued_estimate_source"] == "doc_number"
    assert docs.loc["guofa-2021-10", "issued_latest"] == pd.Timestamp("2021-12-31")
    # dated documents: the window is the day, and no estimate is named
    chaoyang = docs.loc["chaoyang-2017"]
    assert chaoyang.issued_earliest == chaoyang.issued_latest == chaoyang.issued_date
    assert pd.isna(chaoyang.issued_estimate_source)


def test_ancestors_are_issued_before_and_never_undated_on_similarity_alone(tables):
    lineage, docs = tables["lineage"], tables["documents"].set_index("doc_id")
    ancestor = relation(lineage, "ancestor")
    # 丰台 (2018) takes most of its text from the 朝阳 plan issued months before it
    assert ancestor.loc["fengtai-2018", "ancestor_doc_id"] == "chaoyang-2017"
    assert ancestor.loc["fengtai-2018", "basis"] == "earlier"
    # 朝阳 and 海淀 used to be each other's ancestor; 海淀 is undated, so neither is placed first
    assert "haidian" not in set(ancestor.ancestor_doc_id)
    assert ancestor.ancestor_doc_id.get("haidian") != "chaoyang-2017"
    for plan, row in (
        lineage[lineage.relation.isin(["parent", "ancestor"])].set_index("doc_id").iterrows()
    ):
        assert not (docs.issued_latest.loc[plan] < docs.issued_earliest.loc[row.ancestor_doc_id])
    assert nx.is_directed_acyclic_graph(graph(lineage))


def test_the_default_reference_is_the_plans_parent(tables):
    docs, lineage = tables["documents"], tables["lineage"]
    assert resolve_reference(docs, "", "banan-2022", lineage) == "guofa-2021-10"
    assert resolve_reference(docs, "", "fengtai-2018", lineage) == "beijing-2016-8"
    # the national template stays one word away, and a named reference is kept
    assert resolve_reference(docs, "national", "banan-2022", lineage) == "guofa-2015-7"
    assert (
        resolve_reference(docs, "inferred-national", "banan-2022", lineage) == "inferred-national"
    )


def _docs(rows: list[dict]) -> pd.DataFrame:
    base = {
        "role": "plan",
        "level": "county",
        "province": "某省",
        "prefecture": "某市",
        "doc_number": None,
        "issued_date": None,
        "cites": [],
        "period_start_year": None,
        "period_end_year": None,
    }
    return pd.DataFrame([{**base, **r} for r in rows])


def _drift(pairs: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(
        [(p, r, k, c, e) for p, r, k, c, e in pairs],
        columns=["doc_id", "reference_doc_id", "reference_kind", "copy_rate", "explained_rate"],
    )


def test_two_undated_copies_are_not_each_others_ancestor():
    docs = _docs([{"doc_id": "a"}, {"doc_id": "b"}])
    drift = _drift([("a", "b", "plan", 1.0, 1.0), ("b", "a", "plan", 1.0, 1.0)])
    lineage = lineage_table(docs, drift)
    assert lineage[lineage.relation.isin(["parent", "ancestor"])].empty
    assert set(lineage.relation) == {"relative"}


def test_a_dated_plan_never_descends_from_an_undated_one_on_similarity():
    docs = _docs([{"doc_id": "dated", "issued_date": dt.date(2017, 5, 1)}, {"doc_id": "undated"}])
    drift = _drift(
        [("dated", "undated", "plan", 0.99, 0.95), ("undated", "dated", "plan", 0.99, 0.95)]
    )
    lineage = lineage_table(docs, drift)
    assert relation(lineage, "ancestor").empty
    # …unless it cites it: a citation is issued after what it cites
    docs.loc[docs.doc_id == "undated", "doc_number"] = "某府发〔2016〕3号"
    docs.at[0, "cites"] = ["某府发〔2016〕3号"]
    lineage = lineage_table(docs, drift)
    assert relation(lineage, "parent").ancestor_doc_id.to_dict() == {"dated": "undated"}
    assert relation(lineage, "ancestor").ancestor_doc_id.to_dict() == {"dated": "undated"}


def test_texts_citing_each_other_make_no_cycle():
    docs = _docs(
        [
            {"doc_id": "a", "doc_number": "甲发〔2017〕1号", "cites": ["乙发〔2017〕2号"]},
            {"doc_id": "b", "doc_number": "乙发〔2017〕2号", "cites": ["甲发〔2017〕1号"]},
            {"doc_id": "c", "doc_number": "丙发〔2017〕3号", "cites": ["甲发〔2017〕1号"]},
        ]
    )
    drift = _drift(
        [
            ("a", "b", "plan", 0.8, 0.7),
            ("b", "a", "plan", 0.6, 0.5),
            ("c", "a", "plan", 0.5, 0.5),
            ("a", "c", "plan", 0.5, 0.5),
        ]
    )
    lineage = lineage_table(docs, drift)
    assert nx.is_directed_acyclic_graph(graph(lineage))
    parent = relation(lineage, "parent").ancestor_doc_id.to_dict()
    # the weaker of the two citations (b → a, score 0.6) gives way
    assert parent == {"a": "b", "c": "a"}
    # both citations stay listed as citations
    assert len(lineage[lineage.relation == "cited"]) == 3


def test_break_cycles_removes_the_weakest_edge_of_a_long_cycle():
    rows = [
        ("b", "a", "parent", 0.9, 1, "cited", ""),
        ("c", "b", "ancestor", 0.3, 1, "earlier", ""),
        ("a", "c", "parent", 0.5, 1, "jurisdiction", ""),
        ("d", "a", "parent", 0.5, 1, "cited", ""),
    ]
    lineage = pd.DataFrame(
        rows, columns=["doc_id", "ancestor_doc_id", "relation", "score", "rank", "basis", "reason"]
    )
    kept = break_cycles(lineage)
    assert nx.is_directed_acyclic_graph(graph(kept))
    assert len(kept) == 3 and "earlier" not in set(kept.basis)


def test_higher_levels_must_not_be_issued_after_the_plan():
    docs = _docs(
        [
            {"doc_id": "plan", "issued_date": dt.date(2017, 3, 1)},
            {
                "doc_id": "national-2021",
                "role": "template",
                "level": "national",
                "doc_number": "国发〔2021〕10号",
                "province": None,
                "prefecture": None,
            },
            {
                "doc_id": "other-province",
                "role": "template",
                "level": "provincial",
                "province": "别省",
                "doc_number": "别政发〔2016〕1号",
                "prefecture": None,
            },
            {
                "doc_id": "own-province",
                "role": "template",
                "level": "provincial",
                "doc_number": "某政发〔2016〕1号",
                "prefecture": None,
            },
        ]
    )
    drift = _drift(
        [
            ("plan", "national-2021", "template", 0.9, 0.1),
            ("plan", "other-province", "template", 0.8, 0.1),
            ("plan", "own-province", "template", 0.3, 0.05),
        ]
    )
    lineage = lineage_table(docs, drift)
    assert relation(lineage, "nearest").ancestor_doc_id.to_dict() == {"plan": "own-province"}
    parent = relation(lineage, "parent")
    assert parent.ancestor_doc_id.to_dict() == {"plan": "own-province"}
    assert parent.basis.iloc[0] == "jurisdiction"


def test_issue_windows_combine_number_period_and_citations():
    docs = _docs(
        [
            {"doc_id": "t", "role": "template", "doc_number": "某发〔2019〕4号"},
            {
                "doc_id": "p",
                "cites": ["某发〔2019〕4号", "外发〔2021〕1号"],
                "period_start_year": 2021,
                "period_end_year": 2025,
            },
            {"doc_id": "q", "doc_number": "某县发〔2022〕7号", "cites": ["某发〔2023〕1号"]},
        ]
    )
    w = issue_windows(docs)
    assert w["t"] == Window(dt.date(2019, 1, 1), dt.date(2019, 12, 31), "doc_number")
    # the period (from 2020 to 2025), narrowed by a cited number outside the corpus (2021)
    assert w["p"] == Window(dt.date(2021, 1, 1), dt.date(2025, 12, 31), "cites, plan_period")
    # a citation that contradicts its own number is not used: the number stands
    assert w["q"] == Window(dt.date(2022, 1, 1), dt.date(2022, 12, 31), "doc_number")


def test_a_plan_derived_from_an_undated_plan_makes_no_cycle(raw_dir, tmp_path):
    """The case a user met: a new plan copied from 海淀 (undated) became its ancestor and
    海淀 the new plan's, at score 1.0."""
    from compare.build import build_tables

    raw = tmp_path / "raw"
    shutil.copytree(raw_dir, raw)
    source = next(p for p in (raw / "plans").iterdir() if "海淀区人民政府" in p.read_text("utf-8"))
    (raw / "plans" / "copy.txt").write_text(
        source.read_text("utf-8").replace("海淀", "西城"), encoding="utf-8"
    )
    tables, _ = build_tables(raw)
    lineage = tables["lineage"]
    assert nx.is_directed_acyclic_graph(graph(lineage))
    ancestor = relation(lineage, "ancestor").ancestor_doc_id.to_dict()
    new = tables["documents"].query("county == '西城区'").doc_id.iloc[0]
    assert ancestor.get(new) != "haidian" and ancestor.get("haidian") != new
    pair = lineage[(lineage.doc_id == new) & (lineage.ancestor_doc_id == "haidian")]
    assert list(pair.relation) == ["relative"] and pair.score.iloc[0] > 0.9
