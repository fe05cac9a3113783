"""Drift of every plan against its references, and lineage.

* **References of a plan**: every template, the national and its own province's inferred
  ancestors (:mod:`compare.analysis.ancestors`), and its most similar fellow plans, as the
  fitted references say (:mod:`compare.analysis.references`). Drift is measured only on what a
  reference text actually contains: a partial template contributes only its available clauses
  (``reference_chars_available`` says how much).
* **Lineage**: for each plan, the documents it cites (``documents.cites`` matched to
  document numbers; relation ``cited``), the template that shares most of its text with it
  (``nearest``), its closest fellow plans (``relative``), and the inferred ancestors it
  descends from (``inferred``). The score is the reference's copy rate in the plan.
"""

from __future__ import annotations

import hashlib
from typing import NamedTuple

import numpy as np
import pandas as pd

from compare import schema
from compare.read.metadata import document_places

from compare.analysis.align import Memo, Side, aligned
from compare.analysis.ancestors import NATIONAL, inferred_id, national_template, reconstruction
from compare.analysis.drift import (
    AlignmentBlock,
    alignment_block,
    alignments_table,
    drift_row,
    drift_table,
)
from compare.analysis.index import Clause, ClauseWork, clauses_of
from compare.analysis.parents import default_reference, lineage_table
from compare.analysis.provisions import provisions_table
from compare.analysis.references import FitChoice, choose, related_plans
from compare.analysis.similarity import similarity


class Reference(NamedTuple):
    """One reference of a plan: its doc_id and kind (template, inferred or plan)."""

    doc_id: str
    kind: str


class Aligned(NamedTuple):
    """A plan aligned with one reference: its alignment block (templates and inferred
    ancestors; None for fellow plans) and its drift row."""

    block: AlignmentBlock | None
    drift_row: dict


class PlanWork(NamedTuple):
    """A plan to align: the references it still needs, and its memo of aligned wordings from
    the last build (:class:`Memo`'s arrays, or None)."""

    plan: str
    references: list[Reference]
    memo: tuple | None


def document_clauses(measures: pd.DataFrame, documents: pd.DataFrame) -> dict[str, list[Clause]]:
    """Clauses of every document, keyed by doc_id, in document order."""
    by_doc = {d: g for d, g in measures.groupby("doc_id", sort=False)}
    return {
        row.doc_id: clauses_of(by_doc[row.doc_id], document_places(row))
        if row.doc_id in by_doc
        else []
        for row in documents.itertuples()
    }


# --------------------------------------------------------------------------- drift and lineage
def reference_plan(
    documents: pd.DataFrame, inferred: dict[str, list[Clause]], related: dict[str, list[str]]
) -> dict[str, list[Reference]]:
    """Each plan's references, in order: every template, the national and its own province's
    inferred ancestors, its related plans (in document order)."""
    templates = documents.loc[documents["role"] == "template", "doc_id"].tolist()
    plans = documents[documents["role"] == "plan"]
    order = {d: k for k, d in enumerate(plans["doc_id"])}
    out = {}
    for row in plans.itertuples():
        own = [NATIONAL] + ([inferred_id(row.province)] if isinstance(row.province, str) else [])
        refs = [Reference(d, "template") for d in templates]
        refs += [Reference(d, "inferred") for d in sorted(inferred) if d in own]
        refs += [Reference(d, "plan") for d in sorted(related.get(row.doc_id, []), key=order.get)]
        out[row.doc_id] = refs
    return out


def align_plan(
    plan: str,
    refs: list[Reference],
    clauses: dict[str, list[Clause]],
    partial: dict[str, bool],
    sides: dict[str, Side] | None = None,
    memo: Memo | None = None,
) -> list[Aligned]:
    """One plan aligned with each of its references, in order (see :class:`Aligned`).

    ``sides`` keeps each document's prepared clauses across calls (a document is a plan once
    and a reference many times); ``memo`` is the plan's memo of aligned wordings (see
    :func:`~compare.analysis.align.aligned`).
    """
    sides = {} if sides is None else sides
    memo = Memo() if memo is None else memo
    for doc in [plan] + [ref.doc_id for ref in refs]:
        if doc not in sides:
            sides[doc] = Side(clauses[doc])
    own = sides[plan]
    out = []
    for ref in refs:
        theirs = sides[ref.doc_id]
        a = aligned(theirs, own, memo)
        # plan-to-plan pairs feed similarity only; their clause pairs stay out of the alignments
        block = alignment_block(a, plan, ref.doc_id, theirs, own) if ref.kind != "plan" else None
        row = drift_row(a, plan, ref.doc_id, theirs, own)
        row["reference_kind"] = ref.kind
        is_partial = partial.get(ref.doc_id)
        row["reference_is_partial"] = (
            bool(is_partial)
            if ref.kind == "template" and not pd.isna(is_partial)
            else ref.kind == "inferred"
        )
        out.append(Aligned(block, row))
    return out


class DriftTables(NamedTuple):
    """What :func:`drift_tables` gives the build."""

    #: ``alignments``, ``provisions``, ``drift``, ``lineage`` and ``inferred_clauses``
    tables: dict[str, pd.DataFrame]
    #: reconstruction figures for the build report
    figures: dict
    #: what the build report says of the fitted references used
    references: dict
    #: per plan, a key of everything its rows in the per-plan tables (alignments,
    #: provisions) follow from (its clauses, its references' keys and the code), so unchanged
    #: plans' stored rows are not replaced (:func:`compare.store.commit_build`)
    row_keys: dict[str, str]
    #: plans whose rows the store holds (left out of ``alignments`` and ``provisions``)
    kept: list[str] = []


class BatchResult(NamedTuple):
    """One plan's alignments from a worker, and its memo's arrays when it grew (else None)."""

    aligned: list[Aligned]
    memo: tuple | None


def _align_batch(
    work: list[PlanWork],
    sent: dict[str, ClauseWork],
    partial: dict[str, bool],
) -> list[BatchResult]:
    """Align a batch of plans, each with the references listed for it; ``sent``: the clauses of
    every document the batch needs, in the form sent to workers. Each plan's memo of aligned
    wordings is used, and given back when it grew."""
    clauses = {d: w.clauses() for d, w in sent.items()}
    sides: dict[str, Side] = {}
    out = []
    for item in work:
        memo = Memo(_memo_arrays(item.memo))
        aligned = align_plan(item.plan, item.references, clauses, partial, sides, memo)
        out.append(BatchResult(aligned, memo.arrays() if memo.added else None))
    return out


def _memo_arrays(value) -> tuple | None:
    """A stored memo's arrays, or None when the entry does not hold one array per memo field."""
    if (
        isinstance(value, tuple)
        and len(value) == len(Memo.FIELDS)
        and all(isinstance(a, np.ndarray) for a in value)
    ):
        return value
    return None


def _stored_alignments(value) -> dict | None:
    """A plan's stored alignments ({reference key: Aligned}), or None when the entry holds
    something else."""
    if not isinstance(value, dict):
        return None
    if not all(
        isinstance(v, tuple)
        and len(v) == 2
        and isinstance(v[1], dict)
        and (v[0] is None or (isinstance(v[0], tuple) and len(v[0]) == len(AlignmentBlock._fields)))
        for v in value.values()
    ):
        return None
    return {
        key: Aligned(None if v[0] is None else AlignmentBlock(*v[0]), v[1])
        for key, v in value.items()
    }


def drift_tables(
    measures: pd.DataFrame,
    documents: pd.DataFrame,
    *,
    progress: bool = False,
    jobs: int = 1,
    clauses: dict[str, list[Clause]] | None = None,
    cache=None,
    clause_keys: dict[str, str] | None = None,
    references: FitChoice = FitChoice(),
    stored: dict[str, str] | None = None,
) -> DriftTables:
    """``alignments``, ``provisions``, ``drift``, ``lineage`` and ``inferred_clauses``; figures
    for the build report; what the report says of the fitted references used; and each plan's
    row key (:class:`DriftTables`).

    Each plan is aligned with every template, the national and its own province's inferred
    ancestors, and its most similar fellow plans
    (:data:`~compare.analysis.references.RELATED_PLANS`;
    all of them in a small corpus). The inferred ancestors and the related-plan model come
    from the fitted references, reused or fitted again as ``references`` says
    (:func:`compare.analysis.references.choose`). With ``jobs`` > 1, plans are aligned in
    parallel worker processes (joblib). ``clauses`` (from the build's per-document stage) saves
    making them again from ``measures``; ``clause_keys`` (from the same stage) name each
    document's clauses for the cache, which otherwise hashes them.

    With a ``cache`` (:class:`compare.cache.Cache`), a plan keeps its alignment with each
    reference while neither text changes: only the references that are new or changed since
    the last build are aligned, and wordings the plan met before are taken from its memo.
    ``cache.use()`` counts plans (``align``: every reference reused, or not) and plan ×
    reference alignments (``align references``).

    ``stored``: the row keys of the plans whose ``alignments`` and ``provisions`` rows the
    store holds (:func:`compare.store.row_keys`). With a cache, a plan whose row key is the
    one stored is neither aligned nor put together again: its rows stay in the store, its
    drift rows come from the cache, and it is left out of ``alignments`` and ``provisions``
    (listed in :attr:`DriftTables.kept`).
    """
    from compare.cache import Cache
    from compare.parallel import release_memory, run_batches

    clauses = document_clauses(measures, documents) if clauses is None else clauses
    cache = cache or Cache(None)
    plans = documents.loc[documents["role"] == "plan", "doc_id"].tolist()
    model, used = choose(references, clauses, documents)
    related = related_plans(model, clauses, plans)
    inferred = model.inferred
    similarity.cache_clear()  # pairs met while clustering are not the pairs alignment meets
    partial = dict(zip(documents["doc_id"], documents["is_partial"]))
    refs = reference_plan(documents, inferred, related)
    ref_clauses = {**clauses, **inferred}
    cached = cache.folder is not None  # results are kept between builds
    clause_keys = clause_keys or {}
    digest = {d: clause_keys.get(d) or _digest(cl) for d, cl in ref_clauses.items()}

    def ref_key(ref: Reference) -> tuple:
        return ref.doc_id, ref.kind, digest[ref.doc_id], bool(partial.get(ref.doc_id) is True)

    row_keys = {
        p: Cache.key("plan rows", p, digest[p], [ref_key(r) for r in refs[p]]) for p in plans
    }
    align_key = {p: Cache.key("align", p, digest[p]) for p in plans}
    memo_key = {p: Cache.key("memo", p, digest[p]) for p in plans}
    # plans whose rows the store holds as this build would make them: only their drift rows
    # are needed (a national corpus's alignments never leave the store for one added plan)
    same = [p for p in plans if cached and stored and stored.get(p) == row_keys[p]]
    found = cache.get_many("drift", [row_keys[p] for p in same], count=False,
                           shape=_drift_rows)
    stored_rows = {p: rows for p, rows in zip(same, found) if rows is not None}
    for p in stored_rows:
        cache.keep("align", align_key[p])
        cache.keep("memo", memo_key[p])
        cache.count("align", reused=True)
        cache.count("align references", reused=len(refs[p]), built=0)
    active = [p for p in plans if p not in stored_rows]
    kept: dict[str, dict] = {}  # plan → {reference key: Aligned} from the last build
    found = cache.get_many(
        "align",
        [align_key[p] for p in active],
        count=False,
        shape=lambda v: _stored_alignments(v) is not None,
    )
    missing = {}
    for p, value in zip(active, found):
        kept[p] = _stored_alignments(value) or {}
        missing[p] = [r for r in refs[p] if not cached or ref_key(r) not in kept[p]]
        cache.count("align", reused=not missing[p])
        cache.count("align references", reused=len(refs[p]) - len(missing[p]),
                    built=len(missing[p]))
    # wordings a plan met before are not aligned again (its memo, kept while its own clauses
    # are unchanged)
    todo = [p for p in active if missing[p]]
    for p in active:
        if not missing[p]:
            cache.keep("memo", memo_key[p])
    memos = dict(zip(todo, cache.get_many("memo", [memo_key[p] for p in todo], count=False)))
    work = [PlanWork(p, missing[p], memos[p]) for p in todo]
    # plans of one province share their inferred text and mostly their related plans: batched
    # together, each batch sends workers far fewer reference clauses (results do not depend on it)
    province = dict(zip(documents["doc_id"], documents["province"].fillna("")))
    work.sort(key=lambda w: province.get(w.plan, ""))
    sent = {d: ClauseWork.of(ref_clauses[d]) for d in _needed(work)}
    fresh = run_batches(
        _align_batch,
        work,
        lambda batch: ({d: sent[d] for d in _needed(batch)}, partial),
        jobs=jobs,
        progress=progress,
        desc="Aligning plans with references",
        unit="plan",
        release=True,
    )
    new = {w.plan: dict(zip(w.references, result.aligned)) for w, result in zip(work, fresh)}
    for w, result in zip(work, fresh):
        if result.memo is not None:
            cache.put("memo", memo_key[w.plan], result.memo)
    del fresh
    blocks, drift_rows = [], []
    for p in plans:
        if p in stored_rows:
            drift_rows += stored_rows[p]
            continue
        results = [new[p][r] if r in new.get(p, {}) else kept[p][ref_key(r)] for r in refs[p]]
        if p in new and cached:  # only this build's references are kept
            cache.put(
                "align",
                align_key[p],
                {ref_key(r): result for r, result in zip(refs[p], results)},
            )
        else:
            cache.keep("align", align_key[p])
        cache.put("drift", row_keys[p], [result.drift_row for result in results])
        blocks += [result.block for result in results if result.block is not None]
        drift_rows += [result.drift_row for result in results]
    del kept, new
    release_memory()
    alignments = alignments_table(blocks, ref_clauses)
    del blocks
    drift = drift_table(drift_rows)
    tables = {
        "alignments": alignments,
        "provisions": provisions_table(alignments),
        "drift": drift,
        "lineage": lineage_table(documents, drift),
        "inferred_clauses": model.inferred_rows,
    }
    return DriftTables(
        tables, reconstruction(documents, inferred, clauses), used, row_keys, sorted(stored_rows)
    )


def _drift_rows(value) -> bool:
    """Whether a stored value is a plan's drift rows (a list of rows with the drift columns)."""
    columns = set(schema.TABLES["drift"].columns)
    return isinstance(value, list) and all(
        isinstance(row, dict) and set(row) == columns for row in value
    )


def _digest(clauses: list[Clause]) -> str:
    h = hashlib.sha256()
    for c in clauses:
        h.update(f"{c.measure_id}\x1f{c.top}\x1f{c.text}\x1f{c.comp}\x1e".encode("utf-8"))
    return h.hexdigest()


def _needed(batch: list[PlanWork]) -> set[str]:
    """Documents whose clauses a batch needs: its plans and their references."""
    return {w.plan for w in batch} | {r.doc_id for w in batch for r in w.references}


def plan_similarity(drift: pd.DataFrame, plans: list[str] | None = None) -> pd.DataFrame:
    """Plans × plans similarity (0–1, 1 = each contains the other): the mean of the two
    directional copy rates, or the one rate where only one plan was aligned with the other.

    Each plan is aligned only with its most similar fellow plans
    (:data:`~compare.analysis.references.RELATED_PLANS`), so in a corpus of more plans than that
    some pairs are never compared: their cells are NaN (float, never ``pd.NA``), which means
    *not compared*, not *not alike*. ``plans`` (doc_ids) fixes the rows and columns, so a plan
    compared with none still has its row; without it, the plans the drift table compares,
    sorted. The diagonal is 1."""
    pp = drift[drift["reference_kind"] == "plan"]
    rates = pp.pivot(index="doc_id", columns="reference_doc_id", values="copy_rate")
    names = sorted(set(rates.index) | set(rates.columns)) if plans is None else list(plans)
    m = rates.reindex(index=names, columns=names).astype("float64").to_numpy()
    both = np.stack([m, m.T])
    measured = (~np.isnan(both)).sum(axis=0)
    sym = np.where(measured > 0, np.nansum(both, axis=0) / np.maximum(measured, 1), np.nan)
    np.fill_diagonal(sym, 1.0)
    return pd.DataFrame(sym, index=pd.Index(names, name="doc_id"), columns=pd.Index(names))


#: Plans a similarity map shows whole; a larger corpus shows one plan and those compared with it.
MAP_PLANS = 20


def similarity_around(similarity: pd.DataFrame, doc_id: str, most: int = MAP_PLANS) -> pd.DataFrame:
    """The part of a plans × plans similarity (:func:`plan_similarity`) that one plan's report
    shows: all of it when it has at most ``most`` plans; else ``doc_id`` and the plans compared
    with it (either way round), the most similar first, ``most`` in all. Missing pairs stay
    NaN."""
    if len(similarity) <= most or doc_id not in similarity.index:
        return similarity
    row = similarity.loc[doc_id].drop(doc_id).dropna()
    keep = [doc_id] + row.sort_values(ascending=False, kind="stable").index[: most - 1].tolist()
    return similarity.loc[keep, keep]


# ------------------------------------------------------------- views for notebooks and reports
def resolve_reference(
    documents: pd.DataFrame,
    reference: str | None,
    plan: str | None = None,
    lineage: pd.DataFrame | None = None,
) -> str:
    """The reference to compare ``plan`` with: ``reference`` when named (a doc_id or
    ``inferred-…``); ``national`` for the national template the plans cite most; empty for the
    plan's own parent (:func:`~compare.analysis.parents.default_reference`, among the texts its
    clauses are aligned with: templates), else the national template."""
    from compare.errors import CompareError

    if reference and reference not in ("national", "template"):
        return reference
    if not reference and plan is not None and lineage is not None:
        templates = set(documents.loc[documents["role"] == "template", "doc_id"])
        found = default_reference(lineage, plan, among=templates)
        if found is not None:
            return found
    found = national_template(documents)
    if found is None:
        templates = documents.loc[documents["role"] == "template", "doc_id"]
        found = templates.iloc[0] if len(templates) else None
    if found is None:
        raise CompareError(
            "the corpus has no template to compare with; add one under data/raw/templates/ "
            "or name another plan as the reference"
        )
    return found


def _top_headings(measures: pd.DataFrame) -> dict[str, str]:
    """measure_id → its top-level heading (前言 for the preamble)."""
    top = measures["section_path"].fillna("").str.split(" > ").str[0]
    return dict(zip(measures["measure_id"], top.where(top != "", "（前言）")))


def section_label_counts(
    alignments: pd.DataFrame, measures: pd.DataFrame, doc_id: str, reference_doc_id: str
) -> pd.DataFrame:
    """Top-level sections × edit labels for one plan against one reference (dropped clauses by the
    reference's section)."""
    from compare.schema import LABELS

    a = alignments[
        (alignments["doc_id"] == doc_id) & (alignments["reference_doc_id"] == reference_doc_id)
    ]
    top = _top_headings(measures)
    section = [
        top.get(ids[0], "（前言）") if len(ids) else "（对照文件中删去的条款）"
        for ids in a["measure_ids"]
    ]
    counts = pd.crosstab(
        pd.Series(section, name="section"), pd.Series(a["edit_label"].tolist(), name="edit_label")
    )
    order = list(
        dict.fromkeys(top.get(m) for m in measures.loc[measures["doc_id"] == doc_id, "measure_id"])
    )
    rows = [s for s in order if s in counts.index] + [s for s in counts.index if s not in order]
    return counts.reindex(
        index=rows, columns=[c for c in LABELS if c in counts.columns], fill_value=0
    )


def section_alignments(
    alignments: pd.DataFrame,
    measures: pd.DataFrame,
    doc_id: str,
    reference_doc_id: str,
    section: str | None = None,
) -> pd.DataFrame:
    """Aligned pairs of one plan and reference, optionally only those in a top-level section of the
    plan whose heading contains ``section`` (dropped reference clauses are kept when no section
    is given)."""
    a = alignments[
        (alignments["doc_id"] == doc_id) & (alignments["reference_doc_id"] == reference_doc_id)
    ]
    if not section:
        return a.reset_index(drop=True)
    top = _top_headings(measures)
    keep = [bool(len(ids)) and section in top.get(ids[0], "") for ids in a["measure_ids"]]
    return a[keep].reset_index(drop=True)
