"""Who descends from whom: the ``lineage`` table as a dated, hierarchical graph.

Two edges per document answer two questions a researcher asks:

* **parent**: which document does it implement? What it cites (the closest level above it
  first), else a text of a higher level of its own jurisdiction chain (national → its
  province → its prefecture) that it visibly reuses, else the earlier document that explains
  most of its text. A plan's parent is its default reference in the drift view, the redline and
  the reports.
* **ancestor**: which earlier document did it copy most from? Often a neighbour's plan, not
  the document it cites.

Both follow the same rules. A document may be a plan's parent or ancestor only when the plan
cites it, when it sits higher in the plan's own jurisdiction chain, or when it was certainly
issued before the plan (:mod:`compare.analysis.dating`: an undated document is compared by its
estimated window, so it is never placed before a dated plan on similarity alone). Nothing issued
after the plan qualifies. Together the parent and ancestor edges form no cycle; a cycle that
bad metadata could still make (two undated texts citing each other) is broken at its weakest
edge. Every row says on what ``basis`` the document qualified and ``reason`` says how it was
chosen.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import NamedTuple

import pandas as pd

from compare import schema
from compare.analysis.dating import Window, doc_ids_by_number, given, issue_windows

#: Share of a plan's text a document must explain to be named its ancestor, or its parent on
#: similarity alone (else none is named).
ANCESTOR_MIN_EXPLAINED = 0.2
#: Share of a higher-level text's available clauses a plan must reuse for that text to be its
#: parent when the plan cites nothing in the corpus.
PARENT_MIN_COPY = 0.2
#: Administrative levels from the top.
LEVEL_RANK = {"national": 0, "provincial": 1, "prefecture": 2, "county": 3}
#: Bases in order of strength: a cycle is broken at its weakest edge.
BASES = ("cited", "jurisdiction", "earlier")


class Candidate(NamedTuple):
    """A document that may be a plan's parent or ancestor, and how well it fits."""

    doc_id: str
    basis: str  # cited | jurisdiction | earlier
    gap: int  # levels between it and the plan (0: the same level; 9: unknown)
    copy: float  # its copy rate in the plan (NaN: not aligned)
    explained: float  # share of the plan's text it explains (NaN: not aligned)
    order: int  # its place in the drift rows (ties go to the first)


class Compared(NamedTuple):
    """A reference a plan was aligned with, from the drift table."""

    reference: str
    kind: str  # template | inferred | plan
    copy: float  # its copy rate in the plan
    explained: float  # the share of the plan it explains


def in_chain(upper, lower) -> bool:
    """Whether document ``upper`` sits at a higher level of ``lower``'s jurisdiction chain: the
    national level above everything, a province above its prefectures and counties, a
    prefecture above its counties (rows with ``level``, ``province``, ``prefecture``)."""
    ru, rl = LEVEL_RANK.get(upper.level), LEVEL_RANK.get(lower.level)
    if ru is None or rl is None or ru >= rl:
        return False
    if ru == 0:
        return True
    if not _same(upper.province, lower.province):
        return False
    return ru == 1 or _same(upper.prefecture, lower.prefecture)


def _same(a, b) -> bool:
    """Two place names that are both given and equal."""
    return isinstance(a, str) and isinstance(b, str) and a == b


def candidates(
    doc,
    rows: dict,
    windows: dict[str, Window],
    scores: dict[str, tuple],
    number_of: dict,
    templates: set[str],
) -> list[Candidate]:
    """Every document that may be ``doc``'s parent or ancestor (see the module doc), with its
    basis, among what it cites, the ``templates`` and the documents it was aligned with;
    ``scores``: reference → (copy rate, explained rate, drift order) for the plan."""
    cited = {number_of[n] for n in _cites(doc) if n in number_of}
    out = []
    for other in sorted(
        set(scores) | cited | templates, key=lambda d: scores.get(d, (0, 0, 10**9))[2]
    ):
        row = rows.get(other)
        if row is None or other == doc.doc_id or windows[other].after(windows[doc.doc_id]):
            continue
        if other in cited:
            basis = "cited"
        elif in_chain(row, doc):
            basis = "jurisdiction"
        elif windows[other].before(windows[doc.doc_id]):
            basis = "earlier"
        else:
            continue
        ru, rd = LEVEL_RANK.get(row.level), LEVEL_RANK.get(doc.level)
        gap = rd - ru if ru is not None and rd is not None and rd >= ru else 9
        copy, explained, order = scores.get(other, (math.nan, math.nan, 10**9))
        out.append(Candidate(other, basis, gap, copy, explained, order))
    return out


def choose_parent(cands: list[Candidate]) -> tuple[Candidate, str] | None:
    """The parent among ``cands`` and the reason, or None. Cited documents first (the closest
    level above the plan first), then higher levels of its own jurisdiction that it reuses (at
    least :data:`PARENT_MIN_COPY`), then earlier documents explaining at least
    :data:`ANCESTOR_MIN_EXPLAINED` of it. Scores decide only between candidates of one tier and
    level."""
    cited = [c for c in cands if c.basis == "cited"]
    if cited:
        best = min(cited, key=lambda c: (_gap_order(c.gap), -_num(c.copy), c.order))
        same = [c for c in cited if c.gap == best.gap and c is not best]
        reason = (
            f"cited; the closest level above it of {len(cited)} cited document(s) in the corpus"
        )
        if same:
            reason += f"; the highest copy rate of {len(same) + 1} at that level"
        return best, reason
    own = [c for c in cands if c.basis == "jurisdiction" and _num(c.copy) >= PARENT_MIN_COPY]
    if own:
        best = min(own, key=lambda c: (c.gap, -c.copy, c.order))
        return best, (
            f"no cited document in the corpus; of {len(own)} text(s) higher in its own "
            f"jurisdiction that it reuses (copy rate ≥ {PARENT_MIN_COPY}), the closest level, "
            f"copy rate {best.copy:.2f}"
        )
    earlier = [
        c for c in cands if c.basis == "earlier" and _num(c.explained) >= ANCESTOR_MIN_EXPLAINED
    ]
    if earlier:
        best = min(earlier, key=lambda c: (-c.explained, c.order))
        return best, (
            f"no cited or higher-level text in the corpus; of {len(earlier)} earlier "
            f"document(s), the one explaining most of its text ({best.explained:.2f})"
        )
    return None


def choose_ancestor(cands: list[Candidate], n_compared: int) -> tuple[Candidate, str] | None:
    """The textual source among ``cands``: the one explaining most of the plan's text (at least
    :data:`ANCESTOR_MIN_EXPLAINED`); ``n_compared``: the documents the plan was aligned with."""
    fit = [c for c in cands if _num(c.explained) >= ANCESTOR_MIN_EXPLAINED]
    if not fit:
        return None
    best = min(fit, key=lambda c: (-c.explained, c.order))
    left_out = n_compared - len([c for c in cands if not math.isnan(c.explained)])
    reason = (
        f"explains most of its text ({best.explained:.2f}) of {len(fit)} allowed document(s) "
        f"explaining at least {ANCESTOR_MIN_EXPLAINED}"
    )
    if left_out > 0:
        reason += (
            f"; {left_out} other compared document(s) not allowed (issued after it, or not "
            "certainly before it)"
        )
    return best, reason


def lineage_table(
    documents: pd.DataFrame, drift: pd.DataFrame, windows: dict[str, Window] | None = None
) -> pd.DataFrame:
    """The ``lineage`` table: for every document its parent and the documents it cites; for
    every plan also its ancestor, its nearest template, its two closest plans and its inferred
    ancestors (see the module doc). ``windows``: issue windows (by default from ``documents``'
    own columns, see :func:`compare.analysis.dating.issue_windows`)."""
    windows = windows or _windows(documents)
    number_of = doc_ids_by_number(documents)
    by_plan: dict[str, list[Compared]] = defaultdict(list)
    if len(drift):
        for plan, *rest in zip(
            drift["doc_id"],
            drift["reference_doc_id"],
            drift["reference_kind"],
            drift["copy_rate"].astype(float),
            drift["explained_rate"].astype(float),
        ):
            by_plan[plan].append(Compared(*rest))
    rows = {row.doc_id: row for row in documents.itertuples()}
    templates = set(documents.loc[documents["role"] == "template", "doc_id"])
    out = []
    for doc in rows.values():
        refs = by_plan.get(doc.doc_id, [])  # in drift order
        if doc.role != "plan" and not len(_cites(doc)):
            continue
        scores = {r.reference: (r.copy, r.explained, k) for k, r in enumerate(refs)}
        score = {r.reference: r.copy for r in refs}
        cands = candidates(doc, rows, windows, scores, number_of, templates)
        parent = choose_parent(cands)
        if parent:
            c, reason = parent
            out.append((doc.doc_id, c.doc_id, "parent", _score(c.copy), 1, c.basis, reason))
        for k, n in enumerate([n for n in _cites(doc) if n in number_of], start=1):
            out.append((doc.doc_id, number_of[n], "cited", score.get(number_of[n]), k, None, None))
        if doc.role != "plan" or not refs:
            continue
        compared = {
            r.reference for r in refs if r.kind in ("template", "plan") and not math.isnan(r.copy)
        }
        ancestor = choose_ancestor([c for c in cands if c.doc_id in compared], len(compared))
        if ancestor:
            c, reason = ancestor
            out.append((doc.doc_id, c.doc_id, "ancestor", _score(c.copy), 1, c.basis, reason))
        allowed = {c.doc_id for c in cands if c.basis in ("cited", "jurisdiction")}
        for kind, relation, top in (
            ("template", "nearest", 1),
            ("plan", "relative", 2),
            ("inferred", "inferred", 9),
        ):
            ranked = sorted(
                (
                    r
                    for r in refs
                    if r.kind == kind
                    and not math.isnan(r.copy)
                    and (kind != "template" or r.reference in allowed)
                ),
                key=lambda r: -r.copy,
            )  # stable: equal rates keep drift order
            for k, r in enumerate(ranked[:top], start=1):
                out.append((doc.doc_id, r.reference, relation, r.copy, k, None, None))
    frame = pd.DataFrame(out, columns=schema.columns("lineage"))
    return break_cycles(frame)


def break_cycles(lineage: pd.DataFrame) -> pd.DataFrame:
    """``lineage`` without cycles among its parent and ancestor rows: while one remains, its
    weakest edge (the weakest basis, then the lowest score) is removed. The rules that choose
    parents and ancestors make none; bad metadata (two undated texts that cite each other)
    could."""
    import networkx as nx

    edges = lineage[lineage["relation"].isin(["parent", "ancestor"])]
    graph = nx.MultiDiGraph()
    for idx, upper, lower in zip(edges.index, edges["ancestor_doc_id"], edges["doc_id"]):
        graph.add_edge(upper, lower, key=idx)
    dropped = []
    while True:
        try:
            cycle = nx.find_cycle(graph)
        except nx.NetworkXNoCycle:
            break
        weakest = min(
            cycle,
            key=lambda e: (
                -BASES.index(lineage.at[e[2], "basis"]),
                _num(lineage.at[e[2], "score"]),
                -e[2],
            ),
        )
        graph.remove_edge(*weakest)
        dropped.append(weakest[2])
    return lineage.drop(index=dropped).reset_index(drop=True) if dropped else lineage


def default_reference(
    lineage: pd.DataFrame, plan: str, among: set[str] | None = None
) -> str | None:
    """A plan's default reference: its parent, else its ancestor, else its nearest template;
    with ``among``, the first of these in it (the texts a plan's clauses are aligned with are
    its templates). None when there is none."""
    for relation in ("parent", "ancestor", "nearest"):
        rows = lineage[(lineage["doc_id"] == plan) & (lineage["relation"] == relation)]
        for ref in rows["ancestor_doc_id"]:
            if among is None or ref in among:
                return ref
    return None


def _windows(documents: pd.DataFrame) -> dict[str, Window]:
    """Windows from the documents table's columns when it has them, else estimated now."""
    if "issued_earliest" not in documents.columns:
        return issue_windows(documents)
    out = {}
    for d, lo, hi, src in zip(
        documents["doc_id"],
        documents["issued_earliest"],
        documents["issued_latest"],
        documents["issued_estimate_source"],
    ):
        out[d] = Window(_day(lo), _day(hi), None if pd.isna(src) else src)
    return out


def _cites(doc) -> list[str]:
    return [] if doc.cites is None else list(doc.cites)


def _day(value):
    return pd.Timestamp(value).date() if given(value) else None


def _gap_order(gap: int) -> int:
    """Cited documents by level: the closest level above first, a document of the same level
    after every one above, unknown levels last."""
    return gap if gap > 0 else (50 if gap == 0 else 99)


def _num(x) -> float:
    """A score for ranking: missing ranks below every given one."""
    return float(x) if given(x) else -1.0


def _score(x):
    """A score for the table: missing is empty."""
    return x if given(x) else None
