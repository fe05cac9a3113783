"""Drift and lineage on the real corpus, edit labels on constructed pairs, escaped redlines."""
import pandas as pd
import pytest

from compare.analysis.align import align
from compare.analysis.index import Clause
from compare.analysis.similarity import edit_label, similarity
from compare.report.redline import alignments_redline_html, redline_html
from compare.analysis.lineage import plan_similarity
from compare.normalize import comparison_text


@pytest.fixture(scope="module")
def tables(built):
    return built[0]


def pair(tables, doc_id, reference, reference_measure_id):
    a = tables["alignments"]
    rows = a[(a.doc_id == doc_id) & (a.reference_doc_id == reference) & (a.reference_measure_id == reference_measure_id)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_opening_sentence_against_the_national_fragment(tables):
    chaoyang = pair(tables, "chaoyang-2017", "guofa-2015-7", "guofa-2015-7:0.1")
    assert chaoyang.plan_text == "残疾人是一个特殊困难的群体，需要格外关心、格外关注。"
    assert chaoyang.edit_label in ("verbatim", "minor") and chaoyang.similarity > 0.95
    haidian = pair(tables, "haidian", "guofa-2015-7", "guofa-2015-7:0.1")
    assert "特性突出、特别困难的社会群体" in haidian.plan_text
    assert haidian.edit_label in ("rewritten", "minor") and 0.6 < haidian.similarity < 0.95
    html = redline_html(haidian.reference_text, haidian.plan_text)
    assert "<ins" in html and "性突出、特别困难的社会</ins>" in html and "<del" in html


def test_jurisdiction_swaps_are_not_edits(tables):
    row = pair(tables, "fengtai-2018", "beijing-2016-8", "beijing-2016-8:1.2.2")
    assert row.edit_label == "jurisdiction_only"  # 与全市人民 → 与全区人民
    assert "全区" in row.plan_text and "全市" in row.reference_text


def test_alignment_rows_carry_the_texts_of_their_clauses(tables):
    """Rows are put together from clause positions: every id and text must be that clause's own."""
    a, m = tables["alignments"], tables["measures"]
    text = dict(zip(m["measure_id"], m["text"]))
    inferred = tables["inferred_clauses"]
    text.update(zip(inferred["reference_measure_id"], inferred["text"]))
    split = a[a["measure_ids"].map(len) > 1]
    assert len(split) >= 3  # the corpus has 1:n alignments (a reference clause split over plan clauses)
    for row in split.itertuples():
        assert row.plan_text == "".join(text[i] for i in row.measure_ids)
        assert all(i.startswith(row.doc_id + ":") for i in row.measure_ids)
    single = a[a["measure_ids"].map(len) == 1]
    assert (single["plan_text"] == single["measure_ids"].map(lambda ids: text[ids[0]])).all()
    aligned = a[a["reference_measure_id"].notna()]
    assert (aligned["reference_text"] == aligned["reference_measure_id"].map(text)).all()
    assert all(m.startswith(r + ":") for m, r in zip(aligned["reference_measure_id"], aligned["reference_doc_id"]))
    dropped, added = a[a["edit_label"] == "dropped"], a[a["edit_label"] == "added"]
    assert len(dropped) and dropped["plan_text"].isna().all() and (dropped["measure_ids"].map(len) == 0).all()
    assert len(added) and added["reference_measure_id"].isna().all() and added["reference_text"].isna().all()
    assert (a["alignment_id"] == a["doc_id"] + "|" + a["reference_doc_id"] + "|"
            + (a.groupby(["doc_id", "reference_doc_id"], sort=False).cumcount() + 1).astype(str)).all()


def test_beijing_plans_are_each_others_and_the_municipal_texts_nearest(tables):
    lineage = tables["lineage"]
    beijing = ["chaoyang-2017", "fengtai-2018", "haidian"]
    for plan in beijing:
        nearest = lineage[(lineage.doc_id == plan) & (lineage.relation == "nearest")].ancestor_doc_id.tolist()
        assert nearest == ["beijing-2016-8"]
        relatives = lineage[(lineage.doc_id == plan) & (lineage.relation == "relative")].ancestor_doc_id.tolist()
        assert set(relatives) == set(beijing) - {plan}
    sim = plan_similarity(tables["drift"])
    for plan in beijing:
        others = sim.loc[plan].drop(plan)
        assert set(others.nlargest(2).index) == set(beijing) - {plan}


def test_fengtai_reuses_the_municipal_general_requirements(tables):
    drift = tables["drift"].set_index(["doc_id", "reference_doc_id"])
    row = drift.loc[("fengtai-2018", "beijing-2016-8")]
    assert row.copy_rate >= 0.75 and row.reference_is_partial
    assert row.reference_chars_available == 615
    cites = tables["lineage"].query("doc_id == 'fengtai-2018' and relation == 'cited'").ancestor_doc_id.tolist()
    assert cites == ["beijing-2016-8"]
    a = tables["alignments"]
    general = a[(a.doc_id == "fengtai-2018") & (a.reference_doc_id == "beijing-2016-8")
                & a.reference_measure_id.str.startswith("beijing-2016-8:1.", na=False)]
    assert (general.edit_label != "dropped").all()


def test_inferred_ancestors_recover_the_fragments(built):
    figures = built[1].figures
    national = figures["reconstruction inferred-national vs guofa-2015-7"]
    beijing = figures["reconstruction inferred-beijing vs beijing-2016-8"]
    assert 0.2 < national["recall"] < 1 and 0.2 < beijing["recall"] < 1
    assert beijing["recall"] > national["recall"]
    inferred = built[0]["inferred_clauses"]
    assert (inferred.support_count >= 2).all()
    assert inferred.query("reference_doc_id == 'inferred-national'").support_doc_ids.map(len).min() >= 2


def test_drift_has_a_row_per_plan_and_reference(tables):
    drift = tables["drift"]
    # 4 templates, the national inferred ancestor, 4 other plans (a small corpus: all of them),
    # and the Beijing inferred ancestor for the three Beijing plans only (its own province)
    assert len(drift) == 5 * (4 + 1 + 4) + 3
    beijing = drift[drift.reference_doc_id == "inferred-beijing"].doc_id
    assert sorted(beijing) == ["chaoyang-2017", "fengtai-2018", "haidian"]
    assert drift.copy_rate.between(0, 1).all()


@pytest.mark.parametrize("ref,plan,label", [
    ("残疾人是一个特殊困难群体，需要格外关心。", "残疾人是一个特殊困难群体，需要格外关心。", "verbatim"),
    ("加快推进本市残疾人小康进程，与全市人民共享。", "加快推进本区残疾人小康进程，与全区人民共享。", "jurisdiction_only"),
    ("到2020年，残疾人权益保障制度更加健全。", "到2025年，残疾人权益保障制度更加健全。", "numbers_changed"),
    ("逐步提高残疾人的医疗救助水平。", "逐步提高残疾人医疗救助水平。", "minor"),
    ("落实临时救助制度。", "落实临时救助制度，对遭遇突发事件、意外伤害导致基本生活陷入困境的残疾人家庭给予救助。", "expanded"),
    ("落实临时救助制度，对遭遇突发事件、意外伤害导致基本生活陷入困境的残疾人家庭给予救助。", "落实临时救助制度。", "condensed"),
    ("坚持普惠与特惠相结合，保障基本生存发展需求。", "坚持政府主导与社会参与相结合，激发社会活力。", "rewritten"),
])
def test_edit_labels(ref, plan, label):
    args = (comparison_text(ref, jurisdiction=False), comparison_text(plan, jurisdiction=False),
            comparison_text(ref), comparison_text(plan))
    assert edit_label(*args) == label


def _clause(i, text, doc="x"):
    return Clause(f"{doc}:{i}", doc, "1", i, text, comparison_text(text, jurisdiction=False), comparison_text(text))


def test_dropped_added_and_split_clauses():
    reference = [_clause(1, "对符合最低生活保障条件的残疾人家庭应保尽保，逐步提高残疾人医疗救助水平。", "ref"),
                 _clause(2, "探索开设残疾人专业服务供养机构，改善残疾人供养条件。", "ref")]
    plan = [_clause(1, "对符合最低生活保障条件的残疾人家庭应保尽保。"), _clause(2, "逐步提高残疾人医疗救助水平。"),
            _clause(3, "建设一所200张床位以上的精神残疾人福利机构。")]
    pairs = align(reference, plan)
    labels = {(p.reference.measure_id if p.reference else None): p for p in pairs}
    split = labels["ref:1"]
    assert [c.measure_id for c in split.plan] == ["x:1", "x:2"] and split.coverage > 0.9
    assert labels["ref:2"].label == "dropped"
    assert labels[None].label == "added" and labels[None].plan[0].measure_id == "x:3"


def test_similarity_ends():
    assert similarity("残疾人事业", "残疾人事业") == 1.0 and similarity("残疾人事业", "交通运输") == 0.0


def test_redline_escapes_document_text():
    evil = "加强管理<script>alert('x')</script>。"
    html = redline_html("加强管理。", evil)
    assert "<script>" not in html and "&lt;script&gt;" in html

    table = alignments_redline_html(pd.DataFrame([{"edit_label": "added", "similarity": 0.0,
                                                   "reference_text": None, "plan_text": evil}]))
    assert "<script>" not in table and "&lt;script&gt;" in table


def test_every_province_has_its_own_inferred_ancestor_id():
    """Toneless pinyin makes 山西 and 陕西 both "shanxi": their plans must not share an inferred text."""
    from compare.analysis.ancestors import _slug
    from compare.read.metadata import division_names

    provinces = {n for code, n in division_names().items() if str(code)[2:] == "0" * 10}
    assert len(provinces) >= 31
    slugs = {_slug(p) for p in provinces}
    assert len(slugs) == len(provinces)
    assert _slug("陕西省") == "shaanxi" and _slug("山西省") == "shanxi"


def test_clauses_sent_to_workers_keep_everything_alignment_reads(tables):
    """Workers get clauses as columns without the display text (ClauseWork): every other field
    comes back as it was, and aligning the unpacked clauses gives the same rows."""
    from compare.analysis.index import ClauseWork, clauses_of

    measures = tables["measures"]
    plan = clauses_of(measures[measures["doc_id"] == "chaoyang-2017"])
    ref = clauses_of(measures[measures["doc_id"] == "guofa-2015-7"])
    back = ClauseWork.of(plan).clauses()
    assert len(back) == len(plan) > 50
    for a, b in zip(plan, back):
        assert (a.measure_id, a.doc_id, a.top, a.position, a.exact, a.comp) == (
            b.measure_id, b.doc_id, b.top, b.position, b.exact, b.comp
        )
        assert b.text == ""
    assert ClauseWork.of([]).clauses() == []
    rows = [(p.label, p.similarity, [c.measure_id for c in p.plan]) for p in align(ref, plan)]
    again = [
        (p.label, p.similarity, [c.measure_id for c in p.plan])
        for p in align(ClauseWork.of(ref).clauses(), back)
    ]
    assert rows == again and any(label == "verbatim" for label, _, _ in rows)
