"""Drift reports of a corpus too large for every pair of plans to be compared (issue 33).

Each plan is aligned only with its most similar fellow plans (RELATED_PLANS, 5), so from 7 plans
on some pairs are never compared. Their similarity is missing: the drift report must still be
made, and show those pairs as gaps (未比较), never as 0. The corpora are the real plans plus
synthetic ones (compare.synth), 8 and 60 plans in all.
"""

import pandas as pd
import pytest

from compare.report.runner import run_reports
from compare.report.terms import doc_names
from compare.synth import generate

PLAN = "chaoyang-2017"


@pytest.fixture(scope="module", params=[8, 60], ids=lambda n: f"{n}-plans")
def corpus(request, raw_dir, tmp_path_factory):
    """A built corpus of ``n`` plans and the drift report of 朝阳区 made from it:
    (tables, report folder, the report's job)."""
    from compare.build import build_tables, write_tables

    n = request.param
    work = tmp_path_factory.mktemp(f"plans{n}")
    real = len(list((raw_dir / "plans").iterdir()))
    generate(raw_dir, work, n - real, seed=7)
    tables, report = build_tables(work / "raw")
    assert (tables["documents"]["role"] == "plan").sum() == n
    write_tables(tables, work / "processed", report)
    [job] = run_reports(
        work / "processed", work / "reports", plans=[PLAN], reports=["drift"], jobs=1, pdf=False
    )
    return tables, work / "reports", job


def compared_pairs(drift: pd.DataFrame) -> dict[frozenset, list[float]]:
    """Every pair of plans aligned at least one way round → the copy rates measured."""
    pp = drift[drift["reference_kind"] == "plan"]
    out: dict[frozenset, list[float]] = {}
    for a, b, rate in zip(pp["doc_id"], pp["reference_doc_id"], pp["copy_rate"]):
        out.setdefault(frozenset((a, b)), []).append(float(rate))
    return out


def test_the_drift_report_is_made_with_the_similarity_map(corpus):
    from lxml import html as lxml_html

    tables, out, job = corpus
    assert job.status == "ok", job.error
    page = lxml_html.fromstring((out / job.files["html"]).read_bytes())
    text = page.text_content()
    assert "文本漂移 · 朝阳区" in text and "方案间相似度" in text
    # the map is drawn, under its heading, with the line that says how to read its gaps
    heading = '//h2[text()="方案间相似度"]'
    chart = page.xpath(f"{heading}/following::img[1][preceding::h2[1] = {heading}]")
    assert chart and chart[0].get("src", "").startswith("data:image/png;base64,")
    note = page.xpath('//p[@class="note"]')[0].text_content()
    assert "斜线留白的格子为未比较的方案对" in note
    n = _n(tables)
    assert (f"本库共{n}个方案" if n > 20 else f"本库全部{n}个方案") in note
    assert PLAN not in text  # plans by their place names, never by id


def _n(tables) -> int:
    """How many plans a corpus has."""
    return int((tables["documents"]["role"] == "plan").sum())


def test_missing_pairs_are_marked_not_compared_in_excel_never_zero(corpus):
    tables, out, job = corpus
    docs = tables["documents"]
    sheet = pd.read_excel(out / job.files["xlsx"], sheet_name="方案间相似度")
    names = doc_names(docs)
    doc_of = {names[d]: d for d in docs.loc[docs["role"] == "plan", "doc_id"]}
    shown = sheet["方案"].tolist()
    assert shown == list(sheet.columns[1:]) and names[PLAN] in shown
    assert set(shown) <= set(doc_of)  # every row a plan, by its place name
    if _n(tables) <= 20:
        assert len(shown) == _n(tables)
    else:  # a large corpus: 朝阳区 and the plans compared with it
        assert 1 < len(shown) <= 20
    pairs = compared_pairs(tables["drift"])
    gaps = 0
    for _, row in sheet.iterrows():
        for col in shown:
            a, b = doc_of[row["方案"]], doc_of[col]
            value = row[col]
            if a == b:
                assert value == 1
            elif frozenset((a, b)) in pairs:
                rates = pairs[frozenset((a, b))]
                assert value == pytest.approx(sum(rates) / len(rates), abs=0.006), (a, b)
            else:
                assert value == "未比较", (a, b, value)
                gaps += 1
    assert gaps > 0  # the case this is about: pairs never compared are in the map
    if _n(tables) > 20:  # every plan shown beside 朝阳区 was compared with it
        assert "未比较" not in sheet.loc[sheet["方案"] == names[PLAN]].to_numpy()


def test_the_map_leaves_missing_pairs_blank_and_says_so(corpus):
    import matplotlib.pyplot as plt
    import numpy as np

    from compare.report import plots, views

    tables = corpus[0]
    sim = views.similarity_map(tables["drift"], tables["documents"], PLAN)
    assert sim.isna().to_numpy().any()
    fig = plots.similarity_clustermap(sim, highlight="朝阳区")
    heat = next(ax for ax in fig.axes if ax.get_yticklabels() and ax.get_xticklabels())
    rows = [t.get_text() for t in heat.get_yticklabels()]
    cols = [t.get_text() for t in heat.get_xticklabels()]
    assert sorted(rows) == sorted(cols) == sorted(sim.index)  # place names, every plan shown
    cells = heat.collections[0].get_array()
    drawn = ~np.ma.getmaskarray(cells).reshape(len(rows), len(cols))
    expected = sim.loc[rows, cols].notna().to_numpy()
    assert (drawn == expected).all()  # a gap exactly where a pair was never compared
    values = np.ma.getdata(cells).reshape(len(rows), len(cols))
    assert (values[expected] > 0).all()
    # written figures only in compared cells (none of them a 0.00 standing for a gap)
    assert len(heat.texts) == int(expected.sum())
    legend = [t.get_text() for leg in fig.legends for t in leg.get_texts()]
    assert legend == ["未比较"]
    plt.close(fig)


def test_pairs_compared_one_way_or_none(built):
    """On the real corpus (every pair compared both ways), with 海淀 made never compared and
    朝阳 compared with 丰台 only one way round: 海淀 keeps its row, of gaps, and the caption
    says why; 朝阳–丰台 is the one rate measured."""
    from compare.analysis.lineage import plan_similarity
    from compare.report import views

    tables = built[0]
    docs, drift = tables["documents"], tables["drift"]
    plans = docs.loc[docs["role"] == "plan", "doc_id"].tolist()
    plan_rows = drift["reference_kind"] == "plan"
    cut = drift[
        ~(plan_rows & (drift["doc_id"].eq("haidian") | drift["reference_doc_id"].eq("haidian")))
        & ~(drift["doc_id"].eq("fengtai-2018") & drift["reference_doc_id"].eq(PLAN))
    ]
    sim = plan_similarity(cut, plans)
    assert list(sim.index) == plans and sim.dtypes.eq("float64").all()
    assert sim.loc["haidian"].drop("haidian").isna().all() and sim.at["haidian", "haidian"] == 1
    one_way = drift[(drift["doc_id"] == PLAN) & (drift["reference_doc_id"] == "fengtai-2018")]
    assert sim.at[PLAN, "fengtai-2018"] == sim.at["fengtai-2018", PLAN]
    assert sim.at[PLAN, "fengtai-2018"] == pytest.approx(float(one_way["copy_rate"].iloc[0]))
    shown = views.similarity_map(cut, docs, "haidian")
    caption = views.similarity_caption(shown, docs, "haidian")
    assert "没有与海淀区文字相近的方案，它未与其他方案比较。" in caption
    assert "斜线留白的格子为未比较的方案对" in caption
