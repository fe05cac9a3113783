"""Pure scores and edit labels of two clause wordings: no index, no plan, no state.

**Similarity** is :func:`similarity`: ``rapidfuzz.fuzz.ratio`` / 100 (normalised Indel
distance) — **1 means identical**, 0 nothing in common. *Coverage* of a text by another is
the share of its characters in their longest common subsequence, in runs of three or more
(directional).

**Edit labels** (:func:`edit_label`; thresholds in :data:`THRESHOLDS`, chosen by reading the
corpus pairs; every function that uses them takes a ``thresholds`` argument):

=================  ================================================================
verbatim           identical comparison text before jurisdiction folding
jurisdiction_only  identical only after folding (本市 → 本区, 首都 → 东城)
numbers_changed    different figures or years, otherwise similar (≥ 0.75, or equal with figures
                   masked)
minor              similarity ≥ 0.8
expanded           the plan keeps ≥ 0.8 of the reference and is ≥ 1.25 × longer
condensed          the reference holds ≥ 0.8 of the plan, which is ≤ 0.8 × as long
rewritten          aligned (similarity ≥ match or coverage ≥ cover) but none of the above
dropped / added    unmatched reference clause / unmatched plan clause
=================  ================================================================
"""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

#: All alignment thresholds, in one place. Similarity and coverage are in [0, 1].
THRESHOLDS = {
    "match": 0.45,  # similarity at which two clauses are the same provision
    "cover": 0.6,  # ... or the share of the reference clause found in the plan clause(s)
    "minor": 0.8,  # similarity of a small edit
    "numbers": 0.75,  # similarity of the same clause with other figures or years
    "keep": 0.8,  # coverage for expanded / condensed
    "longer": 1.25,  # length ratio for expanded
    "shorter": 0.8,  # length ratio for condensed
    "split_gain": 0.15,  # coverage a neighbouring plan clause must add to join a 1:n alignment
    "min_chars": 6,  # shorter clauses (一、总体要求 fragments) are not aligned
}
_DIGITS = re.compile(r"\d+(?:\.\d+)?")
_NGRAM = 3


@lru_cache(maxsize=1 << 17)
def similarity(a: str, b: str) -> float:
    """Similarity of two comparison texts in [0, 1]; 1 means identical.

    Remembered: plans of one family share most wordings, so the same pair recurs across plans.
    """
    return fuzz.ratio(a, b) / 100.0


def coverage(of: str, by: str) -> float:
    """Share of ``of``'s characters found in ``by`` as runs of three or more (directional).

    Runs, not single characters: a short clause is not "covered" by a long one that merely
    contains its characters scattered about.
    """
    return shared_chars(of, by) / len(of) if of else 0.0


@lru_cache(maxsize=1 << 17)
def shared_chars(a: str, b: str) -> int:
    """Characters of ``a`` in common runs of ≥ 3 with ``b`` (along a longest common subsequence)."""
    return sum(
        i2 - i1
        for tag, i1, i2, _, _ in Indel.opcodes(a, b).as_list()
        if tag == "equal" and i2 - i1 >= 3
    )


def edit_label(
    ref_exact: str, plan_exact: str, ref_comp: str, plan_comp: str, thresholds: dict = THRESHOLDS
) -> str:
    """The edit that turns a reference clause into the aligned plan text (see the module doc)."""
    t = thresholds
    if ref_exact == plan_exact:
        return "verbatim"
    if ref_comp == plan_comp:
        return "jurisdiction_only"
    sim = similarity(ref_comp, plan_comp)
    if _DIGITS.findall(ref_comp) != _DIGITS.findall(plan_comp) and (
        sim >= t["numbers"] or _DIGITS.sub("#", ref_comp) == _DIGITS.sub("#", plan_comp)
    ):
        return "numbers_changed"
    if sim >= t["minor"]:
        return "minor"
    lcs = shared_chars(ref_comp, plan_comp)
    if lcs >= t["keep"] * len(ref_comp) and len(plan_comp) >= t["longer"] * len(ref_comp):
        return "expanded"
    if lcs >= t["keep"] * len(plan_comp) and len(plan_comp) <= t["shorter"] * len(ref_comp):
        return "condensed"
    return "rewritten"
