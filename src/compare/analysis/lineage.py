"""Drift of every plan against its references, lineage, and inferred ancestors.

* **References of a plan**: every template, every other plan, and the *inferred ancestors*.
  Drift is measured only on what a reference text actually contains: a partial template
  contributes only its available clauses (``reference_chars_available`` says how much).
* **Lineage**: for each plan, the documents it cites (``documents.cites`` matched to
  document numbers; relation ``cited``), the template that shares most of its text with it
  (``nearest``), its closest fellow plans (``relative``), and the inferred ancestors it
  descends from (``inferred``). The score is the reference's copy rate in the plan.
* **Inferred ancestors**: clauses that plans from *different provinces* share almost
  verbatim descend from a common national text; clauses that plans of *one province* share
  descend from its provincial text. Each shared cluster gives one inferred clause (its most
  central wording), with its support (which plans, how similar). The reconstruction is
  checked against the template fragments that exist (:func:`validate_inferred`).
"""
from __future__ import annotations

from collections import defaultdict

import pandas as pd

from compare.read.metadata import jurisdiction_places

from compare.analysis.align import (Clause, ClauseIndex, _shared, align, alignment_frame, clauses_of, drift_row,
                                    similarity)

#: Similarity at which clauses of two plans count as the same inherited wording.
SHARED_MIN = 0.6
NATIONAL = "inferred-national"


def _places(row) -> tuple[str, ...]:
    return jurisdiction_places(row.county, row.prefecture, row.province)


def document_clauses(measures: pd.DataFrame, documents: pd.DataFrame) -> dict[str, list[Clause]]:
    """Clauses of every document, keyed by doc_id, in document order."""
    by_doc = {d: g for d, g in measures.groupby("doc_id", sort=False)}
    return {row.doc_id: clauses_of(by_doc[row.doc_id], _places(row)) if row.doc_id in by_doc else []
            for row in documents.itertuples()}


# --------------------------------------------------------------------------- inferred ancestors
def infer_ancestors(clauses: dict[str, list[Clause]], documents: pd.DataFrame) -> tuple[dict[str, list[Clause]],
                                                                                         pd.DataFrame]:
    """Inferred ancestor texts from the plans, and one row of support per inferred clause."""
    plans = documents[documents["role"] == "plan"]
    if len(plans) < 2:  # nothing can be shared
        return {}, pd.DataFrame(columns=INFERRED_COLUMNS)
    province = dict(zip(plans["doc_id"], plans["province"].fillna("")))
    pool = [c for d in plans["doc_id"] for c in clauses.get(d, []) if len(c.comp) >= 8]
    parent = list(range(len(pool)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # identical wording (after folding) is one cluster at once; only one clause of each wording
    # is then indexed, so text copied by many plans costs one lookup, not one per copy
    by_text: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(pool):
        by_text[c.comp].append(i)
    reps = []
    for members in by_text.values():
        for j in members[1:]:
            parent[find(j)] = find(members[0])
        reps.append(members[0])
    index = ClauseIndex([pool[i] for i in reps], max_df=200)
    docs_of = {i: {pool[j].doc_id for j in by_text[pool[i].comp]} for i in reps}
    for a, i in enumerate(reps):
        for b in index.candidates(pool[i].comp, k=12):
            j = reps[b]
            if b > a and len(docs_of[i] | docs_of[j]) >= 2 and similarity(pool[i].comp, pool[j].comp) >= SHARED_MIN:
                parent[find(i)] = find(j)
    clusters: dict[int, list[int]] = defaultdict(list)
    for i in range(len(pool)):
        clusters[find(i)].append(i)
    out: dict[str, list[Clause]] = defaultdict(list)
    rows = []
    for members in sorted(clusters.values(), key=lambda m: min(pool[i].position + 10_000 * _doc_rank(pool[i], plans)
                                                               for i in m)):
        docs = sorted({pool[i].doc_id for i in members})
        if len(docs) < 2:
            continue
        provinces = sorted({province[d] for d in docs})
        targets = [NATIONAL] if len(provinces) >= 2 else []
        for p in provinces:
            if sum(province[d] == p for d in docs) >= 2:
                targets.append(f"inferred-{_slug(p)}")
        if not targets:
            continue
        medoid = max(members, key=lambda i: (sum(similarity(pool[i].comp, pool[j].comp) for j in members if j != i),
                                             -members.index(i)))
        sims = [similarity(pool[medoid].comp, pool[j].comp) for j in members if j != medoid]
        for target in targets:
            support = docs if target == NATIONAL else [d for d in docs if province[d] == target.split("-", 1)[1]
                                                       or _slug(province[d]) == target.split("-", 1)[1]]
            k = len(out[target]) + 1
            m = pool[medoid]
            out[target].append(Clause(f"{target}:{k}", target, "0", k, m.text, m.exact, m.comp))
            rows.append({"reference_doc_id": target, "reference_measure_id": f"{target}:{k}", "text": m.text,
                         "support_doc_ids": support, "support_count": len(support),
                         "mean_similarity": round(sum(sims) / len(sims), 4) if sims else 1.0})
    return dict(out), pd.DataFrame(rows, columns=INFERRED_COLUMNS)


INFERRED_COLUMNS = ["reference_doc_id", "reference_measure_id", "text", "support_doc_ids", "support_count",
                    "mean_similarity"]


def _doc_rank(c: Clause, plans: pd.DataFrame) -> int:
    return plans["doc_id"].tolist().index(c.doc_id)


def _slug(province: str) -> str:
    from pypinyin import lazy_pinyin

    from compare.read.metadata import strip_place_suffix

    return "".join(lazy_pinyin(strip_place_suffix(province)[0])) or "province"


def validate_inferred(inferred: list[Clause], template: list[Clause]) -> dict:
    """How much of a real template fragment an inferred ancestor recovers, in characters.

    ``recall``: share of the template's characters found (runs of ≥ 3) in the inferred clause
    most similar to each template clause; ``precision``: share of those inferred clauses'
    characters that are in the template clause they were matched to.
    """
    template = [t for t in template if len(t.comp) >= 8]
    total = sum(len(t.comp) for t in template)
    if not template or not inferred:
        return {"recall": 0.0 if template else None, "precision": None, "template_chars": total}
    index = ClauseIndex(inferred)
    found = used = 0
    for t in template:
        cands = index.candidates(t.comp) or []
        if not cands:
            continue
        best = max(cands, key=lambda i: similarity(t.comp, inferred[i].comp))
        shared = _shared(t.comp, inferred[best].comp)
        if shared:
            found += shared
            used += len(inferred[best].comp)
    return {"recall": round(found / total, 4), "precision": round(found / used, 4) if used else None,
            "template_chars": total}


# --------------------------------------------------------------------------- drift and lineage
def drift_tables(measures: pd.DataFrame, documents: pd.DataFrame, *, progress: bool = False
                 ) -> tuple[dict[str, pd.DataFrame], dict]:
    """``alignments``, ``drift``, ``lineage`` and ``inferred_clauses``, plus figures for the build report."""
    clauses = document_clauses(measures, documents)
    inferred, inferred_rows = infer_ancestors(clauses, documents)
    plans = documents.loc[documents["role"] == "plan", "doc_id"].tolist()
    templates = documents.loc[documents["role"] == "template", "doc_id"].tolist()
    partial = dict(zip(documents["doc_id"], documents["is_partial"]))
    references = [(d, "template") for d in templates] + [(d, "inferred") for d in sorted(inferred)] + \
                 [(d, "plan") for d in plans]
    ref_clauses = {**clauses, **inferred}
    frames, drift_rows = [], []
    work = [(p, r, kind) for p in plans for r, kind in references if r != p]
    if progress:
        from tqdm import tqdm

        work = tqdm(work, desc="Aligning plans with references", unit="pair", leave=False)
    indexes = {p: ClauseIndex(clauses[p]) for p in plans}
    for plan, ref, kind in work:
        pairs = align(ref_clauses[ref], clauses[plan], indexes[plan])
        if kind != "plan":  # plan-to-plan pairs feed similarity only; their clause pairs stay out
            frames.append(alignment_frame(pairs, plan, ref))
        row = drift_row(pairs, plan, ref, ref_clauses[ref])
        row["reference_kind"] = kind
        is_partial = partial.get(ref)
        row["reference_is_partial"] = (bool(is_partial) if kind == "template" and not pd.isna(is_partial)
                                       else kind == "inferred")
        drift_rows.append(row)
    alignments = pd.concat([f for f in frames if not f.empty], ignore_index=True) if frames else pd.DataFrame()
    if not alignments.empty:
        alignments.insert(0, "alignment_id", [f"{d}|{r}|{k}" for (d, r), g in alignments.groupby(
            ["doc_id", "reference_doc_id"], sort=False) for k in range(1, len(g) + 1)])
    drift = pd.DataFrame(drift_rows)
    if drift.empty:
        drift = pd.DataFrame(columns=["doc_id", "reference_doc_id", "reference_kind", "copy_rate"])
    lineage = lineage_frame(documents, drift)
    figures = {}
    fragments = {NATIONAL: _national_template(documents)}
    for ref in inferred:
        if ref != NATIONAL:
            fragments[ref] = _provincial_template(documents, ref)
    for ref, template in fragments.items():
        if ref in inferred and template:
            v = validate_inferred(inferred[ref], clauses.get(template, []))
            figures[f"{ref} vs {template}"] = v
    return {"alignments": alignments, "drift": drift, "lineage": lineage, "inferred_clauses": inferred_rows}, figures


def _national_template(documents: pd.DataFrame) -> str | None:
    """The national template most cited by the plans (国发〔2015〕7号 here)."""
    t = documents[(documents["role"] == "template") & (documents["level"] == "national")]
    cites = [c for cs in documents.loc[documents["role"] == "plan", "cites"] for c in cs]
    ranked = sorted(t.itertuples(), key=lambda r: -cites.count(r.doc_number))
    return ranked[0].doc_id if ranked else None


def _provincial_template(documents: pd.DataFrame, inferred_id: str) -> str | None:
    t = documents[(documents["role"] == "template") & (documents["level"] == "provincial")]
    for row in t.itertuples():
        if isinstance(row.province, str) and f"inferred-{_slug(row.province)}" == inferred_id:
            return row.doc_id
    return None


LINEAGE_COLUMNS = ["doc_id", "ancestor_doc_id", "relation", "score", "rank"]


def lineage_frame(documents: pd.DataFrame, drift: pd.DataFrame) -> pd.DataFrame:
    """For every plan: cited documents, the nearest template, the two closest plans, inferred ancestors."""
    number_of = {n: d for d, n in zip(documents["doc_id"], documents["doc_number"]) if isinstance(n, str)}
    rows = []
    for plan, cites in zip(documents["doc_id"], documents["cites"]):
        if plan not in set(drift.get("doc_id", [])):
            continue
        d = drift[drift["doc_id"] == plan].set_index("reference_doc_id")
        score = d["copy_rate"].to_dict()
        for k, n in enumerate([n for n in cites if n in number_of], start=1):
            rows.append((plan, number_of[n], "cited", score.get(number_of[n]), k))
        for kind, relation, top in (("template", "nearest", 1), ("plan", "relative", 2), ("inferred", "inferred", 9)):
            ranked = d[d["reference_kind"] == kind]["copy_rate"].dropna().sort_values(ascending=False, kind="stable")
            for k, (ref, s) in enumerate(ranked.head(top).items(), start=1):
                rows.append((plan, ref, relation, s, k))
    return pd.DataFrame(rows, columns=LINEAGE_COLUMNS)


def plan_similarity(drift: pd.DataFrame) -> pd.DataFrame:
    """Plans × plans: the mean of the two directional copy rates (1 = each contains the other)."""
    pp = drift[drift["reference_kind"] == "plan"]
    m = pp.pivot(index="doc_id", columns="reference_doc_id", values="copy_rate")
    names = sorted(set(m.index) | set(m.columns))
    m = m.reindex(index=names, columns=names)
    sym = (m + m.T) / 2
    for n in names:
        sym.loc[n, n] = 1.0
    return sym


# --------------------------------------------------------------------------- views for notebooks and reports
def resolve_reference(documents: pd.DataFrame, reference: str | None) -> str:
    """A reference by doc_id, ``inferred-…``, or ``national`` / empty for the national template the plans cite most."""
    if not reference or reference in ("national", "template"):
        found = _national_template(documents)
        if found is None:
            templates = documents.loc[documents["role"] == "template", "doc_id"]
            found = templates.iloc[0] if len(templates) else None
        if found is None:
            from compare.errors import CompareError

            raise CompareError("the corpus has no template to compare with; add one under data/raw/templates/ "
                               "or name another plan as the reference")
        return found
    return reference


def _top_headings(measures: pd.DataFrame) -> dict[str, str]:
    """measure_id → its top-level heading (前言 for the preamble)."""
    top = measures["section_path"].fillna("").str.split(" > ").str[0]
    return dict(zip(measures["measure_id"], top.where(top != "", "（前言）")))


def section_label_counts(alignments: pd.DataFrame, measures: pd.DataFrame, doc_id: str,
                         reference_doc_id: str) -> pd.DataFrame:
    """Top-level sections × edit labels for one plan against one reference (dropped clauses by the
    reference's section)."""
    from compare.schema import LABELS

    a = alignments[(alignments["doc_id"] == doc_id) & (alignments["reference_doc_id"] == reference_doc_id)]
    top = _top_headings(measures)
    section = [top.get(ids[0], "（前言）") if len(ids) else "（参照文本删去 dropped）" for ids in a["measure_ids"]]
    counts = pd.crosstab(pd.Series(section, name="section"), pd.Series(a["edit_label"].tolist(), name="edit_label"))
    order = list(dict.fromkeys(top.get(m) for m in measures.loc[measures["doc_id"] == doc_id, "measure_id"]))
    rows = [s for s in order if s in counts.index] + [s for s in counts.index if s not in order]
    return counts.reindex(index=rows, columns=[c for c in LABELS if c in counts.columns], fill_value=0)


def section_alignments(alignments: pd.DataFrame, measures: pd.DataFrame, doc_id: str, reference_doc_id: str,
                       section: str | None = None) -> pd.DataFrame:
    """Aligned pairs of one plan and reference, optionally only those in a top-level section of the
    plan whose heading contains ``section`` (dropped reference clauses are kept when no section is given)."""
    a = alignments[(alignments["doc_id"] == doc_id) & (alignments["reference_doc_id"] == reference_doc_id)]
    if not section:
        return a.reset_index(drop=True)
    top = _top_headings(measures)
    keep = [bool(len(ids)) and section in top.get(ids[0], "") for ids in a["measure_ids"]]
    return a[keep].reset_index(drop=True)
