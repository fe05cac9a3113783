"""Clause alignment between a plan and a reference text: the algorithm.

A *reference* is any text a plan may have copied from: a template (国发〔2015〕7号), an
ancestor (京政发〔2016〕8号), another plan, or an inferred ancestor built from the plans
(:mod:`compare.analysis.references`). Both sides are lists of clauses (:class:`Clause`).

**Comparison text.** Clauses are compared on :func:`compare.normalize.comparison_text`:
widths and punctuation folded, whitespace removed, the words a government uses for its own
jurisdiction (本区, 全市, the place names of the issuer …) replaced by ``◇``, so that a 区 → 市
swap is not an edit. Redlines show the display text.

**Candidates** come from the plan's 3-gram index (:mod:`compare.analysis.index`). Wordings a
plan was aligned with before come from its memo (:class:`Memo`), and a plan that meets only a
few new wordings (its references changed) is searched clause by clause, with the same
candidates its index would give.

**Alignment.** Each reference clause goes to its most similar plan clause
(:mod:`compare.analysis.similarity`); when the plan splits it over neighbouring clauses, those
neighbours join (1:n) while each adds coverage. Several reference clauses may share one plan
clause (n:1). A reference clause with no plan clause above the thresholds is ``dropped``; a
plan clause no reference clause uses, inside a part of the plan that the reference covers, is
``added``. Thresholds are arguments, :data:`~compare.analysis.similarity.THRESHOLDS` by default.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import chain

import numpy as np

from compare.analysis.index import (
    Clause,
    ClauseIndex,
    GramRows,
    _raw_grams,
    gram_codes,
    stop_gram_df,
)
from compare.analysis.similarity import THRESHOLDS, coverage, edit_label, shared_chars, similarity
from compare.schema import LABELS

#: Edit labels by code, as alignments and memos store them.
LABEL_CODES = {label: k for k, label in enumerate(LABELS)}


@dataclass(slots=True)
class Pair:
    reference: Clause | None
    plan: list[Clause]
    similarity: float
    coverage: float
    label: str
    shared: int = 0  # reference characters found in the plan text (runs of ≥ 3), for copy rates


#: A plan aligned before (its memo holds wordings) that meets at most this many new wordings in
#: all is searched clause by clause; after that, or for a plan met for the first time, its
#: 3-gram index is made (worth it for hundreds of wordings, not for a reference's few changed ones).
SEARCH_WITHOUT_INDEX = 16


class Side:
    """One document's clauses as arrays, for alignment, each made on first need: a plan meets
    ten or more references, a reference hundreds of plans, and neither is prepared twice.
    ``min_chars``: shorter clauses are not aligned (default ``THRESHOLDS["min_chars"]``)."""

    def __init__(self, clauses: list[Clause], min_chars: int = THRESHOLDS["min_chars"]):
        self.clauses = clauses
        self.min_chars = min_chars
        self.searched = 0  # wordings searched without the index

    @cached_property
    def lengths(self) -> np.ndarray:
        return np.fromiter(
            (len(c.comp) for c in self.clauses), dtype=np.int64, count=len(self.clauses)
        )

    @cached_property
    def counted(self) -> np.ndarray:
        """Positions of the clauses long enough to align (``min_chars``)."""
        return np.flatnonzero(self.lengths >= self.min_chars)

    @cached_property
    def positions(self) -> np.ndarray:
        return np.fromiter(
            (c.position for c in self.clauses), dtype=np.int64, count=len(self.clauses)
        )

    @cached_property
    def keys(self) -> np.ndarray:
        """Memo keys of the counted clauses (see :func:`memo_key`)."""
        return np.fromiter(
            (memo_key(self.clauses[i].comp, self.clauses[i].exact) for i in self.counted.tolist()),
            dtype=np.uint64,
            count=len(self.counted),
        )

    @cached_property
    def first(self) -> dict[str, int]:
        """Each wording's first clause."""
        first: dict[str, int] = {}
        for i, c in enumerate(self.clauses):
            first.setdefault(c.comp, i)
        return first

    @cached_property
    def top_codes(self) -> np.ndarray:
        """Each clause's top-level section, as a number."""
        codes: dict[str, int] = {}
        return np.fromiter(
            (codes.setdefault(c.top, len(codes)) for c in self.clauses),
            dtype=np.int64,
            count=len(self.clauses),
        )

    @cached_property
    def measure_codes(self) -> np.ndarray:
        """Each clause's measure, as a number (clauses of one measure share it)."""
        codes: dict[str, int] = {}
        return np.fromiter(
            (codes.setdefault(c.measure_id, len(codes)) for c in self.clauses),
            dtype=np.int64,
            count=len(self.clauses),
        )

    @cached_property
    def grams(self) -> GramRows:
        return GramRows.of([c.comp for c in self.clauses])

    @cached_property
    def index(self) -> ClauseIndex:
        return ClauseIndex(self.clauses, grams=self.grams)

    @cached_property
    def _raw(self) -> tuple[np.ndarray, np.ndarray]:
        return _raw_grams([c.comp for c in self.clauses])

    def candidates(
        self, reference: "Side", rows: list[int], k: int = 8, *, few: bool = True
    ) -> list[list[int]]:
        """:meth:`ClauseIndex.candidates_many` of this side's clauses for the ``rows`` of ``reference``:
        the same candidates, with or without the index (without it only while ``few`` wordings are
        expected in all; see :data:`SEARCH_WITHOUT_INDEX`)."""
        if not few or "index" in self.__dict__ or self.searched + len(rows) > SEARCH_WITHOUT_INDEX:
            return self.index.candidates_many(
                reference.grams, k, rows=np.asarray(rows, dtype=np.int64)
            )
        self.searched += len(rows)
        return [self._search(gram_codes(reference.clauses[i].comp), k) for i in rows]

    def _search(self, query: np.ndarray, k: int) -> list[int]:
        """One query's candidates from the clauses' 3-grams, as :class:`ClauseIndex` ranks them:
        most shared distinct 3-grams (at least two) first, then the earlier clause; 3-grams in
        more than :func:`stop_gram_df` clauses left out."""
        codes, rows = self._raw
        n = len(self.clauses)
        if not len(query) or not len(codes):
            return []
        pos = np.minimum(np.searchsorted(query, codes), len(query) - 1)
        hit = query[pos] == codes
        pair = np.unique(rows[hit] * len(query) + pos[hit])  # (clause, query 3-gram), each once
        clause, gram = pair // len(query), pair % len(query)
        df = np.bincount(gram, minlength=len(query))
        counts = np.bincount(clause[df[gram] <= stop_gram_df(n)], minlength=n)
        found = np.flatnonzero(counts >= 2)
        return found[np.lexsort((found, -counts[found]))][:k].tolist()


@dataclass(slots=True)
class Aligned:
    """One plan aligned with one reference, as arrays: a row per reference clause (counted ones,
    in order), then a row per added plan clause. ``sizes[i]`` plan clauses belong to row ``i``,
    listed in turn in ``plan`` (positions in the plan's clause list); ``reference`` is -1 on
    added rows."""

    reference: np.ndarray
    sizes: np.ndarray
    plan: np.ndarray
    similarity: np.ndarray
    coverage: np.ndarray
    label: np.ndarray  # codes of LABELS
    shared: np.ndarray
    n_reference_rows: int


class Memo:
    """What one plan's alignments have found, by reference wording: a wording met again (in
    another reference, or in the next build while the plan is unchanged) is not aligned again.

    Kept as arrays sorted by wording key (:func:`memo_key`), so a reference's wordings are
    looked up at once and a plan's memo of thousands of wordings loads in one piece; wordings
    aligned since it was loaded are in :attr:`added` until :meth:`arrays` stores them too.
    """

    #: The memo's arrays, in the order :meth:`arrays` gives and the constructor takes them.
    FIELDS = ("keys", "sizes", "flat", "similarity", "coverage", "label", "shared")

    def __init__(self, arrays: tuple | None = None):
        if arrays is None:
            arrays = (
                np.empty(0, dtype=np.uint64),
                np.empty(0, dtype=np.int32),
                np.empty(0, dtype=np.int32),
                np.empty(0),
                np.empty(0),
                np.empty(0, dtype=np.int8),
                np.empty(0, dtype=np.int64),
            )
        for name, values in zip(self.FIELDS, arrays):
            setattr(self, name, values)
        self.starts = np.cumsum(self.sizes, dtype=np.int64) - self.sizes
        # key → (chosen plan positions, similarity, coverage, label, shared)
        self.added: dict[int, tuple] = {}

    def __len__(self) -> int:
        return len(self.keys) + len(self.added)

    def find(self, keys: np.ndarray) -> np.ndarray:
        """The stored row of each key, or -1."""
        if not len(self.keys):
            return np.full(len(keys), -1, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        return np.where(self.keys[pos] == keys, pos, -1)

    def arrays(self) -> tuple:
        """Everything, stored and added, as sorted arrays (to keep between builds)."""
        if not self.added:
            return tuple(getattr(self, name) for name in self.FIELDS)
        new = list(self.added.items())
        keys = np.concatenate(
            [self.keys, np.fromiter((k for k, _ in new), dtype=np.uint64, count=len(new))]
        )
        sizes = np.concatenate(
            [self.sizes, np.fromiter((len(r[0]) for _, r in new), dtype=np.int32, count=len(new))]
        )
        flat = np.concatenate(
            [self.flat, np.fromiter(chain.from_iterable(r[0] for _, r in new), dtype=np.int32)]
        )
        order = np.argsort(keys, kind="stable")
        starts = np.cumsum(sizes, dtype=np.int64) - sizes
        return (
            keys[order],
            sizes[order],
            flat[_ragged(starts[order], sizes[order])],
            np.concatenate([self.similarity, [r[1] for _, r in new]])[order],
            np.concatenate([self.coverage, [r[2] for _, r in new]])[order],
            np.concatenate([self.label, [LABEL_CODES[r[3]] for _, r in new]]).astype(np.int8)[
                order
            ],
            np.concatenate([self.shared, [r[4] for _, r in new]]).astype(np.int64)[order],
        )


def _ragged(starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Positions ``starts[i] … starts[i] + sizes[i] - 1`` for every ``i``, in turn."""
    sizes = np.asarray(sizes, dtype=np.int64)
    total = int(sizes.sum())
    return np.repeat(
        np.asarray(starts, dtype=np.int64) - (np.cumsum(sizes) - sizes), sizes
    ) + np.arange(total)


def aligned(
    reference: Side, plan: Side, memo: Memo | None = None, thresholds: dict = THRESHOLDS
) -> Aligned:
    """Align every reference clause to plan clauses; then list the plan's added clauses.

    A clause's alignment depends only on its wording and the plan, so wordings in the plan's
    ``memo`` (see :class:`Memo`) are taken from it, and a plan whose references change by a few
    wordings is searched for those alone. A memo holds what one set of ``thresholds`` found:
    pass none with other thresholds.
    """
    memo = Memo() if memo is None else memo
    todo = reference.counted
    n = len(todo)
    rows = memo.find(reference.keys)
    stored, new = np.flatnonzero(rows >= 0), np.flatnonzero(rows < 0)
    at = rows[stored]
    sizes = np.zeros(n, dtype=np.int64)
    sizes[stored] = memo.sizes[at]
    sims, covs, labels, shared = (
        np.zeros(n),
        np.zeros(n),
        np.zeros(n, dtype=np.int8),
        np.zeros(n, dtype=np.int64),
    )
    sims[stored], covs[stored], labels[stored], shared[stored] = (
        memo.similarity[at],
        memo.coverage[at],
        memo.label[at],
        memo.shared[at],
    )
    chosen: tuple = ()
    if len(new):
        positions, keys = todo[new].tolist(), reference.keys[new].tolist()
        known, clauses, first = memo.added, reference.clauses, plan.first
        # identical wording needs no search
        need = [
            i for i, k in zip(positions, keys) if k not in known and clauses[i].comp not in first
        ]
        found = (
            dict(zip(need, plan.candidates(reference, need, few=len(memo.keys) > 0)))
            if need
            else {}
        )
        results = []
        for i, k in zip(positions, keys):
            result = known.get(k)
            if result is None:
                r = clauses[i]
                result = known[k] = _align_clause(
                    r, plan.clauses, first.get(r.comp), found.get(i, ()), thresholds
                )
            results.append(result)
        chosen, sims[new], covs[new], label_names, shared[new] = zip(*results)
        sizes[new] = np.fromiter(map(len, chosen), dtype=np.int64, count=len(new))
        labels[new] = np.fromiter(
            map(LABEL_CODES.__getitem__, label_names), dtype=np.int8, count=len(new)
        )
    starts = np.cumsum(sizes) - sizes
    flat = np.empty(int(sizes.sum()), dtype=np.int64)
    flat[_ragged(starts[stored], sizes[stored])] = memo.flat[
        _ragged(memo.starts[at], sizes[stored])
    ]
    flat[_ragged(starts[new], sizes[new])] = np.fromiter(
        chain.from_iterable(chosen), dtype=np.int64, count=int(sizes[new].sum())
    )
    used = np.zeros(len(plan.clauses), dtype=bool)
    used[flat] = True
    covered = np.zeros(len(plan.clauses) + 1, dtype=bool)  # top-level parts the reference reaches
    covered[plan.top_codes[flat]] = True
    added = plan.counted[~used[plan.counted]]
    added = added[covered[plan.top_codes[added]]]
    m = len(added)
    return Aligned(
        reference=np.concatenate([todo, np.full(m, -1)]),
        sizes=np.concatenate([sizes, np.ones(m, dtype=np.int64)]),
        plan=np.concatenate([flat, added]),
        similarity=np.concatenate([sims, np.zeros(m)]),
        coverage=np.concatenate([covs, np.zeros(m)]),
        label=np.concatenate([labels, np.full(m, LABEL_CODES["added"], dtype=np.int8)]),
        shared=np.concatenate([shared, np.zeros(m, dtype=np.int64)]),
        n_reference_rows=n,
    )


def align(
    reference: list[Clause],
    plan: list[Clause],
    memo: Memo | None = None,
    thresholds: dict = THRESHOLDS,
) -> list[Pair]:
    """:func:`aligned` as a list of :class:`Pair` (clauses, not positions), for reading."""
    a = aligned(
        Side(reference, thresholds["min_chars"]),
        Side(plan, thresholds["min_chars"]),
        memo,
        thresholds,
    )
    ends = np.cumsum(a.sizes).tolist()
    pairs = []
    for row, (ref, end, size) in enumerate(zip(a.reference.tolist(), ends, a.sizes.tolist())):
        chosen = [plan[k] for k in a.plan[end - size : end].tolist()]
        pairs.append(
            Pair(
                reference[ref] if ref >= 0 else None,
                chosen,
                float(a.similarity[row]),
                float(a.coverage[row]),
                LABELS[a.label[row]],
                int(a.shared[row]),
            )
        )
    return pairs


@lru_cache(maxsize=1 << 16)
def memo_key(comp: str, exact: str) -> int:
    """A short, stable key of a reference wording (64 bits, for :class:`Memo`)."""
    return int.from_bytes(
        hashlib.blake2b(f"{comp}\x1f{exact}".encode("utf-8"), digest_size=8).digest(), "little"
    )


def _align_clause(
    r: Clause, plan: list[Clause], identical: int | None, candidates, thresholds: dict = THRESHOLDS
) -> tuple:
    """One reference clause against the plan: ``(chosen plan clauses, similarity, coverage, label,
    shared characters)``; no chosen clauses means dropped."""
    t = thresholds
    if identical is not None:
        best, best_sim = identical, 1.0
    else:
        best, best_sim = None, 0.0
        for i in candidates:
            s = similarity(r.comp, plan[i].comp)
            if s > best_sim or (s == best_sim and best is not None and i < best):
                best, best_sim = i, s
    if best is None:
        return (), 0.0, 0.0, "dropped", 0
    chosen = [best]
    cov = 1.0 if best_sim == 1.0 and len(r.comp) >= 3 else coverage(r.comp, plan[best].comp)
    for step in (1, -1, 1, -1):  # 1:n — neighbours that carry more of the reference clause
        if 1.0 - cov < t["split_gain"]:
            break  # nothing left for a neighbour to add
        j = (max(chosen) + 1) if step == 1 else (min(chosen) - 1)
        if 0 <= j < len(plan) and plan[j].doc_id == plan[best].doc_id:
            joined = "".join(plan[k].comp for k in sorted(chosen + [j]))
            gain = coverage(r.comp, joined) - cov
            if gain >= t["split_gain"]:
                chosen.append(j)
                cov += gain
    chosen.sort()
    joined = plan[best].comp if len(chosen) == 1 else "".join(plan[k].comp for k in chosen)
    sim = similarity(r.comp, joined) if len(chosen) > 1 else best_sim
    if sim < t["match"] and cov < t["cover"]:
        return (), round(best_sim, 4), round(cov, 4), "dropped", 0
    exact = plan[best].exact if len(chosen) == 1 else "".join(plan[k].exact for k in chosen)
    shared = (
        len(r.comp)
        if cov == 1.0 and len(chosen) == 1 and best_sim == 1.0
        else shared_chars(r.comp, joined)
    )
    label = edit_label(r.exact, exact, r.comp, joined, thresholds)
    return tuple(chosen), round(sim, 4), round(cov, 4), label, shared
