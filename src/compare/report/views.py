"""Reader-facing views of the tables: the frames each report shows and writes to Excel.

Every view gives what an official reads: documents by name (:func:`terms.doc_names`), codes in
words, headers in the report's language (``lang``: zh, or en), lists joined with 、, clause
numbers without the plan's id. Notebooks show these frames (:func:`render.table_html`) and
:mod:`compare.report.runner` writes the same frames to each report's workbook, so the HTML and
the Excel agree.
"""

from __future__ import annotations

from pathlib import PurePosixPath

import numpy as np
import pandas as pd

from compare.report.terms import doc_names, name_of, reader_frame
from compare.schema import TABLES


def clause_no(measure_id) -> str:
    """A clause (or target) id without its document: ``东城区-2017:3.2.1#1`` → ``3.2.1``."""
    if not isinstance(measure_id, str):
        return ""
    return measure_id.split(":", 1)[-1].split("#", 1)[0]


def clause_nos(ids) -> list[str]:
    return [clause_no(i) for i in (list(ids) if ids is not None else [])]


def percent(rate) -> str:
    """A rate as a whole percentage (0.684 → 68%); blank when missing."""
    return "" if rate is None or pd.isna(rate) else f"{float(rate):.0%}"


def document_title(documents: pd.DataFrame, doc_id: str) -> str:
    row = documents.set_index("doc_id").loc[doc_id]
    title = row["title"] if isinstance(row["title"], str) else doc_names(documents)[doc_id]
    return f"{title}（{row['doc_number']}）" if isinstance(row["doc_number"], str) else title


def metadata_table(documents: pd.DataFrame, doc_id: str, lang: str = "zh") -> pd.DataFrame:
    """One row per field of a document's metadata (title, issuer, number, date, places, period,
    cited documents, length, the share of the text read into the tables, completeness, source
    file)."""
    from compare.report.terms import header, term

    row = documents.set_index("doc_id").loc[doc_id]
    fields = [
        "title",
        "issuer",
        "doc_number",
        "issued_date",
        "province",
        "prefecture",
        "county",
        "plan_period",
        "cites",
        "char_count",
        "accounted_share",
        "is_partial",
        "source_file",
    ]
    values = []
    for col in fields:
        v = row[col]
        if isinstance(v, (list, tuple, np.ndarray)):
            v = "、".join(map(str, list(v)))
        elif isinstance(v, pd.Timestamp):
            v = v.strftime("%Y-%m-%d")
        elif col == "accounted_share" and pd.notna(v):
            v = f"{float(v):.1%}"
        elif col == "is_partial" and pd.notna(v):
            v = term("boolean", bool(v), lang)
        elif col == "source_file" and isinstance(v, str):
            v = PurePosixPath(v).name
        values.append("" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v))
    return reader_frame(
        pd.DataFrame({"field": [header(f, lang) for f in fields], "value": values}), lang
    )


def outline_table(sections: pd.DataFrame, doc_id: str, lang: str = "zh") -> pd.DataFrame:
    """Every heading of a plan, indented by depth."""
    s = sections[sections["doc_id"] == doc_id]
    headings = [
        ("　" * (int(d) - 1)) + f"{lab}{h}"
        for d, lab, h in zip(s["depth"], s["label"].fillna(""), s["heading"].fillna(""))
    ]
    return reader_frame(
        pd.DataFrame({"section_number": s["section_number"], "heading": headings}), lang
    )


def topic_counts(measures: pd.DataFrame, doc_id: str) -> pd.Series:
    m = measures[measures["doc_id"] == doc_id]
    return m["topic"].fillna("其他").value_counts().rename("条款数")


def targets_table(targets: pd.DataFrame, doc_id: str, lang: str = "zh") -> pd.DataFrame:
    """A plan's quantified targets: indicator, requirement, value, unit, deadline, the sentence."""
    t = targets[(targets["doc_id"] == doc_id) & (targets["kind"] == "target")]
    frame = pd.DataFrame(
        {
            "indicator": t["indicator"],
            "comparator": t["comparator"],
            "figure": t["figure"],
            "unit": t["unit"],
            "deadline_year": t["deadline_year"],
            "binding": t["binding"],
            "text": t["text"],
            "measure_id": t["measure_id"].map(clause_no),
        }
    )
    return reader_frame(frame, lang, codes={"comparator": "comparator"})


def tasks_table(tasks: pd.DataFrame, doc_id: str, lang: str = "zh") -> pd.DataFrame:
    """A plan's annex tasks with their lead and supporting agencies."""
    t = tasks[tasks["doc_id"] == doc_id]
    return reader_frame(
        t[["task_no", "task", "lead_agencies", "supporting_agencies", "timeline"]], lang
    )


def lead_function_counts(agencies: pd.DataFrame, doc_id: str) -> pd.Series:
    a = agencies[(agencies["doc_id"] == doc_id) & (agencies["agency_role"] == "lead")]
    return a["agency_function"].fillna("（未归类）").value_counts().rename("牵头任务数")


def plans_table(documents: pd.DataFrame, doc_ids: list[str], lang: str = "zh") -> pd.DataFrame:
    """The plans compared: name, title, number, date and period."""
    d = documents.set_index("doc_id").loc[doc_ids].reset_index()
    frame = d[["doc_id", "title", "doc_number", "issued_date", "plan_period"]].rename(
        columns={"doc_id": "plan"}
    )
    return reader_frame(frame, lang, names=doc_names(documents, lang), named=("plan",))


def drift_overview(
    drift: pd.DataFrame, documents: pd.DataFrame, doc_ids: list[str], lang: str = "zh"
) -> pd.DataFrame:
    """Plans × templates: the share of each template's available text a plan reuses (沿用率)."""
    from compare.report.terms import header

    names = doc_names(documents, lang)
    d = drift[drift["doc_id"].isin(doc_ids) & (drift["reference_kind"] == "template")]
    wide = d.pivot(index="doc_id", columns="reference_doc_id", values="copy_rate").reindex(doc_ids)
    out = wide.apply(lambda col: col.map(percent))
    out.columns = [name_of(names, c) for c in out.columns]
    out.insert(0, header("plan", lang), [name_of(names, d) for d in out.index])
    return out.reset_index(drop=True)


def similarity_map(
    drift: pd.DataFrame, documents: pd.DataFrame, doc_id: str, lang: str = "zh"
) -> pd.DataFrame:
    """Plans × plans similarity (0–1, 1 = the same text) as a plan's drift report shows it:
    every plan of the corpus, or in a large one the plan and the plans compared with it
    (:func:`~compare.analysis.lineage.similarity_around`); rows and columns named by place.
    NaN: the two plans were never compared (not: they are unlike)."""
    from compare.analysis.lineage import plan_similarity, similarity_around

    plans = documents.loc[documents["role"] == "plan", "doc_id"].tolist()
    sim = similarity_around(plan_similarity(drift, plans), doc_id)
    names = doc_names(documents, lang)
    labels = [name_of(names, d) for d in sim.index]
    return pd.DataFrame(sim.to_numpy(), index=labels, columns=labels)


def similarity_caption(
    shown: pd.DataFrame, documents: pd.DataFrame, doc_id: str, lang: str = "zh"
) -> str:
    """What a similarity map (:func:`similarity_map`) shows, for the line under its heading:
    which plans, out of how many, and what its blank cells mean."""
    from compare.analysis.references import RELATED_PLANS

    total = int((documents["role"] == "plan").sum())
    place = name_of(doc_names(documents, lang), doc_id)
    zh = lang == "zh"
    if len(shown) < total:
        out = (
            f"图中为{place}及与它比较过的{len(shown) - 1}个方案"
            f"（本库共{total}个方案）。"
            if zh
            else f"The map shows {place} and {len(shown) - 1} plans compared with it "
            f"(of {total} plans). "
        )
    else:
        out = (f"图中为本库全部{total}个方案。" if zh
               else f"The map shows all {total} plans. ")
    if place in shown.index and shown.loc[place].drop(place).isna().all():
        out += (
            f"没有与{place}文字相近的方案，它未与其他方案比较。"
            if zh
            else f"No plan shares wording with {place}'s; it was compared with none. "
        )
    if shown.isna().to_numpy().any():
        out += (
            f"每个方案只与文字最相近的{RELATED_PLANS}个方案逐条比对；"
            "斜线留白的格子为未比较的方案对，不表示两者不相似。"
            if zh
            else f"Each plan is aligned only with the {RELATED_PLANS} plans closest in wording; "
            "hatched blank cells are pairs not compared, which does not mean they are unlike."
        )
    return out


def similarity_table(shown: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """A similarity map (:func:`similarity_map`) as a table for the workbook: a plan per row,
    its similarity to each plan to two places, 未比较 (not compared) where the pair was never
    compared, never 0 or a blank that could be read as one."""
    from compare.report.terms import header, term

    missing = term("pair", "not_compared", lang)
    out = shown.apply(lambda col: col.map(lambda v: missing if pd.isna(v) else round(v, 2)))
    out.insert(0, header("plan", lang), list(shown.index))
    return out.reset_index(drop=True)


#: Columns of the drift table left out of reports: ids and figures that need a method to read.
DRIFT_FOR_ANALYSTS = ("doc_id", "reference_is_partial", "reference_clauses", "explained_rate")


def drift_summary(
    drift: pd.DataFrame, documents: pd.DataFrame, doc_id: str, lang: str = "zh"
) -> pd.DataFrame:
    """A plan against each template and inferred text: copy rate, clauses by edit, style.
    Other plans are left to the similarity map."""
    d = drift[(drift["doc_id"] == doc_id) & (drift["reference_kind"] != "plan")]
    d = d.sort_values("copy_rate", ascending=False, kind="stable")
    # the drift table's columns a reader needs (its id, and figures for analysts, left out)
    frame = d[[c for c in TABLES["drift"].columns if c not in DRIFT_FOR_ANALYSTS]]
    frame = frame.rename(columns={"reference_doc_id": "reference"}).assign(
        copy_rate=frame["copy_rate"].map(percent)
    )
    return reader_frame(
        frame,
        lang,
        codes={"reference_kind": "reference_kind", "implementation_style": "implementation_style"},
        names=doc_names(documents, lang),
        named=("reference",),
    )


def lineage_table(
    lineage: pd.DataFrame, documents: pd.DataFrame, doc_ids: list[str], lang: str = "zh"
) -> pd.DataFrame:
    """Each plan's parent, cited, source, nearest, similar and inferred texts, by name."""
    lin = lineage[lineage["doc_id"].isin(doc_ids)]
    frame = pd.DataFrame(
        {
            "plan": lin["doc_id"],
            "relation": lin["relation"],
            "document": lin["ancestor_doc_id"],
            "score": lin["score"].round(2),
            "basis": lin["basis"],
        }
    )
    return reader_frame(
        frame,
        lang,
        codes={"relation": "relation", "basis": "basis"},
        names=doc_names(documents, lang),
        named=("plan", "document"),
    )


def lead_functions_by_plan(
    agencies: pd.DataFrame, documents: pd.DataFrame, doc_ids: list[str], lang: str = "zh"
) -> pd.DataFrame:
    """Lead-agency functions × plans: how many tasks each kind of body leads (for a chart)."""
    a = agencies[agencies["doc_id"].isin(doc_ids) & (agencies["agency_role"] == "lead")]
    if a.empty:
        return pd.DataFrame()
    counts = a.pivot_table(
        index="agency_function", columns="doc_id", values="task_no", aggfunc="count", fill_value=0
    )
    counts = counts.loc[counts.sum(axis=1).sort_values(ascending=False, kind="stable").index]
    names = doc_names(documents, lang)
    counts.columns = [name_of(names, c) for c in counts.columns]
    return counts.rename_axis(index=None, columns=None)


def coverage_evidence(
    coverage: pd.DataFrame,
    documents: pd.DataFrame,
    doc_ids: list[str] | None = None,
    lang: str = "zh",
) -> pd.DataFrame:
    """Every covered (commitment, plan) cell with its strength, lead agencies and clause."""
    c = coverage if doc_ids is None else coverage[coverage["doc_id"].isin(doc_ids)]
    c = c[c["is_covered"]]
    label = "commitment_label" if lang == "zh" else "commitment_label_en"
    frame = pd.DataFrame(
        {
            "commitment": c[label],
            "topic": c["topic"],
            "plan": c["doc_id"],
            "strength": c["strength"],
            "lead_agencies": c["lead_agencies"],
            "evidence": c["evidence_text"],
        }
    )
    return reader_frame(
        frame,
        lang,
        codes={"strength": "strength"},
        names=doc_names(documents, lang),
        named=("plan",),
    )


def coverage_gaps(
    coverage: pd.DataFrame,
    documents: pd.DataFrame,
    doc_ids: list[str] | None = None,
    lang: str = "zh",
) -> pd.DataFrame:
    """The commitments a plan does not make: one row per commitment, with the plans that leave
    it out (and how many of the plans shown make it)."""
    c = coverage if doc_ids is None else coverage[coverage["doc_id"].isin(doc_ids)]
    label = "commitment_label" if lang == "zh" else "commitment_label_en"
    names = doc_names(documents, lang)
    rows = []
    for (commitment, topic), g in c.groupby([label, "topic"], sort=False):
        missing = g.loc[~g["is_covered"], "doc_id"].tolist()
        if missing:
            rows.append(
                {
                    "commitment": commitment,
                    "topic": topic,
                    "plans_covering": int(g["is_covered"].sum()),
                    "plans_not_covering": [name_of(names, d) for d in missing],
                }
            )
    frame = pd.DataFrame(
        rows, columns=["commitment", "topic", "plans_covering", "plans_not_covering"]
    )
    return reader_frame(frame, lang)


def alignments_table(
    alignments: pd.DataFrame,
    documents: pd.DataFrame,
    doc_id: str,
    reference_doc_id: str | None = None,
    lang: str = "zh",
) -> pd.DataFrame:
    """A plan's clauses against a reference's, pair by pair, with the edit between them."""
    a = alignments[alignments["doc_id"] == doc_id]
    if reference_doc_id:
        a = a[a["reference_doc_id"] == reference_doc_id]
    frame = pd.DataFrame(
        {
            "reference": a["reference_doc_id"],
            "edit_label": a["edit_label"],
            "similarity": a["similarity"].round(2),
            "reference_text": a["reference_text"],
            "plan_text": a["plan_text"],
            "measure_ids": a["measure_ids"].map(clause_nos),
        }
    )
    return reader_frame(
        frame,
        lang,
        codes={"edit_label": "edit_label"},
        names=doc_names(documents, lang),
        named=("reference",),
    )


def target_changes_table(
    target_changes: pd.DataFrame, documents: pd.DataFrame, doc_id: str, lang: str = "zh"
) -> pd.DataFrame:
    """A plan's quantified targets against its parent's and ancestor's: raised, lowered, kept,
    new, not kept."""
    t = target_changes[target_changes["doc_id"] == doc_id]
    frame = pd.DataFrame(
        {
            "reference": t["reference_doc_id"],
            "indicator": t["indicator"].fillna(t["reference_indicator"]),
            "change": t["change"],
            "figure": t["value"],
            "reference_value": t["reference_value"],
            "unit": t["unit"].fillna(t["reference_unit"]),
            "deadline_year": t["deadline_year"],
            "reference_deadline_year": t["reference_deadline_year"],
        }
    )
    return reader_frame(
        frame,
        lang,
        codes={"change": "change"},
        names=doc_names(documents, lang),
        named=("reference",),
    )
