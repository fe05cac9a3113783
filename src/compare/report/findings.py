"""The findings at the top of each report, in sentences made from the tables.

An official reads these first: how many commitments a plan makes and which it leaves out, how
much of its parent document it reuses and how it edits it, which targets it raises or drops.
Every figure comes from the tables the report shows; nothing is written by hand.
"""

from __future__ import annotations

import pandas as pd

from compare.report.terms import doc_names, name_of, term
from compare.report.views import percent

#: Names listed in a sentence before "等 N 项" (the tables below list them all).
LISTED = 8

_SEP = {"zh": "、", "en": ", "}


def _listing(items: list[str], lang: str) -> str:
    items = list(dict.fromkeys(items))
    shown = _SEP[lang].join(items[:LISTED])
    if len(items) <= LISTED:
        return shown
    if lang == "zh":
        return f"{shown}等{len(items)}项"
    return f"{shown} and {len(items) - LISTED} more"


def reference_of(tables: dict[str, pd.DataFrame], plan: str) -> str | None:
    """The text a plan's drift report compares it with, chosen as the drift notebook chooses it
    (:func:`compare.analysis.lineage.resolve_reference`: its parent, else its ancestor or nearest
    template, else the national template); None when the corpus has no template."""
    from compare.analysis.lineage import resolve_reference
    from compare.errors import CompareError

    try:
        return resolve_reference(tables["documents"], "", plan, tables["lineage"])
    except CompareError:
        return None


def coverage_findings(
    coverage: pd.DataFrame, documents: pd.DataFrame, doc_id: str, lang: str = "zh"
) -> list[str]:
    """How many commitments of the codebook a plan makes, how firmly, and which it leaves out."""
    names = doc_names(documents, lang)
    label = "commitment_label" if lang == "zh" else "commitment_label_en"
    c = coverage[coverage["doc_id"] == doc_id]
    if c.empty:
        return []
    place, total, covered = name_of(names, doc_id), len(c), int(c["is_covered"].sum())
    strength = c.loc[c["is_covered"], "strength"].value_counts()
    firm = {k: int(strength.get(k, 0)) for k in ("quantified", "specific", "general")}
    missing = c.loc[~c["is_covered"], label].tolist()
    others = coverage[(coverage["doc_id"] != doc_id)]
    common = set()
    if not others.empty:
        by = others.groupby(label, sort=False)["is_covered"].all()
        common = set(by[by].index)
    missing_common = [m for m in missing if m in common]
    if lang == "zh":
        out = [
            f"{place}承诺了{total}项中的{covered}项：量化承诺{firm['quantified']}项，"
            f"具体措施{firm['specific']}项，原则提及{firm['general']}项。"
        ]
        if missing:
            gaps = _listing(missing, lang)
            out.append(f"未涉及：{gaps}（见“未涉及的承诺”表）。")
        if missing_common:
            others_make = _listing(missing_common, lang)
            out.append(f"其他方案都承诺而{place}未涉及的：{others_make}。")
        return out
    out = [
        f"{place} commits to {covered} of {total} commitments: {firm['quantified']} "
        f"quantified, {firm['specific']} specific, {firm['general']} in principle."
    ]
    if missing:
        out.append(f"Not covered: {_listing(missing, lang)} (see the table of gaps).")
    if missing_common:
        out.append(
            f"Every other plan commits to, but {place} does not: {_listing(missing_common, lang)}."
        )
    return out


def drift_findings(
    drift: pd.DataFrame,
    target_changes: pd.DataFrame,
    lineage: pd.DataFrame,
    documents: pd.DataFrame,
    doc_id: str,
    reference: str | None,
    lang: str = "zh",
) -> list[str]:
    """How much of its reference a plan reuses and how, its implementation style, its targets
    against the reference's, and the plan it resembles most."""
    names = doc_names(documents, lang)
    place = name_of(names, doc_id)
    row = drift[(drift["doc_id"] == doc_id) & (drift["reference_doc_id"] == reference)]
    out = []
    if reference is None or row.empty:
        out.append(
            f"{place}没有可对照的上级文件。"
            if lang == "zh"
            else f"{place} has no reference text to compare with."
        )
    else:
        r = row.iloc[0]
        ref = name_of(names, reference)
        kept = int(r["n_verbatim"] + r["n_jurisdiction_only"])
        edited = int(
            r["n_numbers_changed"]
            + r["n_minor"]
            + r["n_expanded"]
            + r["n_condensed"]
            + r["n_rewritten"]
        )
        style = term("implementation_style", r["implementation_style"], lang)
        if lang == "zh":
            out.append(
                f"{place}对照{ref}：沿用其{percent(r['copy_rate'])}的文字；"
                f"{kept}条原文照录"
                f"或仅改地名，{edited}条有改动，删去{int(r['n_dropped'])}条，"
                f"新增{int(r['n_added'])}条。"
            )
            out.append(f"按沿用程度属于“{style}”（定义见方法说明）。")
        else:
            out.append(
                f"{place} against {ref}: reuses {percent(r['copy_rate'])} of its text; "
                f"{kept} clauses verbatim or with place names changed, {edited} edited, "
                f"{int(r['n_dropped'])} dropped, {int(r['n_added'])} added."
            )
            out.append(f"Implementation style: {style} (defined under Method).")
    out += _target_sentences(target_changes, names, doc_id, lang)
    rel = lineage[(lineage["doc_id"] == doc_id) & (lineage["relation"] == "relative")]
    rel = rel.sort_values("rank", kind="stable")
    if not rel.empty:
        other, score = rel.iloc[0]["ancestor_doc_id"], float(rel.iloc[0]["score"])
        out.append(
            f"与{place}最相近的方案是{name_of(names, other)}（相似度{score:.2f}）。"
            if lang == "zh"
            else f"The plan most like {place}'s is {name_of(names, other)}'s "
            f"(similarity {score:.2f})."
        )
    return out


def _target_sentences(
    target_changes: pd.DataFrame, names: dict, doc_id: str, lang: str
) -> list[str]:
    out = []
    t = target_changes[target_changes["doc_id"] == doc_id]
    for ref, g in t.groupby("reference_doc_id", sort=True):
        counts = g["change"].value_counts()
        parts = [
            f"{term('change', k, lang)}{int(counts[k])}项"
            if lang == "zh"
            else f"{int(counts[k])} {term('change', k, lang)}"
            for k in ("raised", "lowered", "deadline_moved", "same", "new", "dropped")
            if counts.get(k, 0)
        ]
        sep = _SEP[lang]
        out.append(
            f"量化目标与{name_of(names, ref)}相比：{sep.join(parts)}。"
            if lang == "zh"
            else f"Targets against {name_of(names, ref)}: {sep.join(parts)}."
        )
    if t.empty:
        out.append(
            "对照文件（本库所收文本）中没有可比的量化目标。"
            if lang == "zh"
            else "The reference texts here state no comparable quantified target."
        )
    return out


def profile_findings(tables: dict[str, pd.DataFrame], doc_id: str, lang: str = "zh") -> list[str]:
    """A plan at a glance: its clauses, sections, targets and the agencies leading its tasks."""
    names = doc_names(tables["documents"], lang)
    place = name_of(names, doc_id)
    n_measures = int((tables["measures"]["doc_id"] == doc_id).sum())
    n_sections = int((tables["sections"]["doc_id"] == doc_id).sum())
    t = tables["targets"]
    n_targets = int(((t["doc_id"] == doc_id) & (t["kind"] == "target")).sum())
    n_tasks = int((tables["tasks"]["doc_id"] == doc_id).sum())
    a = tables["agencies"]
    leads = a[(a["doc_id"] == doc_id) & (a["agency_role"] == "lead")]["agency_name"].value_counts()
    if lang == "zh":
        size = f"{n_sections}个章节标题、{n_measures}条条款"
        out = [f"{place}方案共{size}，提出{n_targets}项量化目标。"]
        if n_tasks:
            top = "、".join(f"{k}（{v}项）" for k, v in leads.head(3).items())
            tasks = f"重点任务分工表列出{n_tasks}项任务"
            out.append(f"{tasks}；牵头最多的是{top}。")
        else:
            out.append("方案没有重点任务分工表。")
        return out
    out = [
        f"{place}'s plan has {n_sections} headings and {n_measures} clauses, with "
        f"{n_targets} quantified targets."
    ]
    if n_tasks:
        top = ", ".join(f"{k} ({v})" for k, v in leads.head(3).items())
        out.append(f"Its task table lists {n_tasks} tasks; the agencies leading most: {top}.")
    else:
        out.append("The plan has no task table.")
    return out


def overview_findings(
    tables: dict[str, pd.DataFrame], doc_ids: list[str], lang: str = "zh"
) -> list[str]:
    """All plans side by side: who commits to most, what all or only one commit to, who reuses
    its parent most."""
    documents, coverage, drift = tables["documents"], tables["coverage"], tables["drift"]
    names = doc_names(documents, lang)
    c = coverage[coverage["doc_id"].isin(doc_ids)]
    out = []
    if not c.empty:
        per_plan = c.groupby("doc_id", sort=False)["is_covered"].sum().reindex(doc_ids)
        total = int(c["commitment_id"].nunique())
        most, least = per_plan.idxmax(), per_plan.idxmin()
        per_item = c.groupby("commitment_id", sort=False)["is_covered"].sum()
        everyone, nobody = int((per_item == len(doc_ids)).sum()), int((per_item == 0).sum())
        if lang == "zh":
            out.append(
                f"共比较{len(doc_ids)}个方案、{total}项承诺。"
                f"承诺最多的是{name_of(names, most)}"
                f"（{int(per_plan[most])}项），最少的是{name_of(names, least)}"
                f"（{int(per_plan[least])}项）。"
            )
            shared = f"所有方案都承诺的有{everyone}项"
            out.append(f"{shared}，没有方案承诺的有{nobody}项。")
        else:
            out.append(
                f"{len(doc_ids)} plans and {total} commitments compared. Most committed: "
                f"{name_of(names, most)} ({int(per_plan[most])}); fewest: "
                f"{name_of(names, least)} ({int(per_plan[least])})."
            )
            out.append(f"{everyone} commitments are in every plan, {nobody} in none.")
    for doc_id in doc_ids:
        ref = reference_of(tables, doc_id)
        row = drift[(drift["doc_id"] == doc_id) & (drift["reference_doc_id"] == ref)]
        if ref is None or row.empty:
            continue
        rate = percent(row["copy_rate"].iloc[0])
        out.append(
            f"{name_of(names, doc_id)}沿用{name_of(names, ref)}的{rate}。"
            if lang == "zh"
            else f"{name_of(names, doc_id)} reuses {rate} of {name_of(names, ref)}."
        )
    return out
