"""Clause alignment between a plan and a reference text, edit labels, drift, redlines.

A *reference* is any text a plan may have copied from: a template (国发〔2015〕7号), an
ancestor (京政发〔2016〕8号), another plan, or an inferred ancestor built from the plans
(:mod:`compare.analysis.lineage`). Both sides are lists of clauses (``measures`` rows).

**Comparison text.** Clauses are compared on :func:`compare.normalize.comparison_text`:
widths and punctuation folded, whitespace removed, the words a government uses for its own
jurisdiction (本区, 全市, the place names of the issuer …) replaced by ``◇``, so that a 区 → 市
swap is not an edit. Redlines show the display text.

**Candidate retrieval.** Plan clauses are indexed by character 3-grams; a reference clause
is compared only with the plan clauses sharing most 3-grams with it
(:class:`ClauseIndex`). Cost grows with the number of clauses, not with their product.
Wordings a plan was aligned with before come from its memo (:class:`Memo`), and a plan that
meets only a few new wordings (its references changed) is searched clause by clause, with
the same candidates its index would give.

**Similarity** is :func:`similarity`: ``rapidfuzz.fuzz.ratio`` / 100 (normalised Indel
distance) — **1 means identical**, 0 nothing in common. *Coverage* of a text by another is
the share of its characters in their longest common subsequence (directional).

**Alignment.** Each reference clause goes to its most similar plan clause; when the plan
splits it over neighbouring clauses, those neighbours join (1:n) while each adds coverage.
Several reference clauses may share one plan clause (n:1). A reference clause with no plan
clause above the thresholds is ``dropped``; a plan clause no reference clause uses, inside
a part of the plan that the reference covers, is ``added``.

**Edit labels** (thresholds in :data:`THRESHOLDS`, chosen by reading the corpus pairs):

=================  ================================================================
verbatim           identical comparison text before jurisdiction folding
jurisdiction_only  identical only after folding (本市 → 本区, 首都 → 东城)
numbers_changed    different figures or years, otherwise similar (≥ 0.75, or equal with figures masked)
minor              similarity ≥ 0.8
expanded           the plan keeps ≥ 0.8 of the reference and is ≥ 1.25 × longer
condensed          the reference holds ≥ 0.8 of the plan, which is ≤ 0.8 × as long
rewritten          aligned (similarity ≥ match or coverage ≥ cover) but none of the above
dropped / added    unmatched reference clause / unmatched plan clause
=================  ================================================================
"""
from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import chain, islice

import numpy as np
import pandas as pd
from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from compare.normalize import comparison_text, fold_jurisdiction
from compare.schema import LABELS

#: All alignment thresholds, in one place. Similarity and coverage are in [0, 1].
THRESHOLDS = {
    "match": 0.45,        # similarity at which two clauses are the same provision
    "cover": 0.6,         # ... or the share of the reference clause found in the plan clause(s)
    "minor": 0.8,         # similarity of a small edit
    "numbers": 0.75,      # similarity of the same clause with other figures or years
    "keep": 0.8,          # coverage for expanded / condensed
    "longer": 1.25,       # length ratio for expanded
    "shorter": 0.8,       # length ratio for condensed
    "split_gain": 0.15,   # coverage a neighbouring plan clause must add to join a 1:n alignment
    "min_chars": 6,       # shorter clauses (一、总体要求 fragments) are not aligned
}
_DIGITS = re.compile(r"\d+(?:\.\d+)?")
_NGRAM = 3


@lru_cache(maxsize=1 << 19)
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
    return _shared(of, by) / len(of) if of else 0.0


@lru_cache(maxsize=1 << 19)
def _shared(a: str, b: str) -> int:
    """Characters of ``a`` in common runs of ≥ 3 with ``b`` (along a longest common subsequence)."""
    return sum(i2 - i1 for tag, i1, i2, _, _ in Indel.opcodes(a, b).as_list() if tag == "equal" and i2 - i1 >= 3)


@dataclass(slots=True)
class Clause:
    measure_id: str
    doc_id: str
    top: str            # top-level section number (0 = preamble): the part of the plan it is in
    position: int       # order in the document
    text: str           # display text
    exact: str          # comparison text without jurisdiction folding
    comp: str           # comparison text


def clauses_of(measures: pd.DataFrame, places: tuple[str, ...] = ()) -> list[Clause]:
    """The clauses of one document's measures, in order, with their comparison texts."""
    out = []
    for pos, (mid, doc, number, text) in enumerate(zip(measures["measure_id"], measures["doc_id"],
                                                       measures["section_number"], measures["text"])):
        exact = comparison_text(text, jurisdiction=False)  # comparison text = this, jurisdiction folded
        out.append(Clause(mid, doc, str(number).split(".")[0], pos, text, exact, fold_jurisdiction(exact, places)))
    return out


def clause_columns(clauses: list[Clause]) -> tuple[list, list, list]:
    """What clauses have beyond their measures (top-level section, the two comparison texts), as
    columns: the build cache keeps clauses this way, next to the measures' own columns."""
    return [c.top for c in clauses], [c.exact for c in clauses], [c.comp for c in clauses]


def clauses_from_columns(measures: dict[str, list], own: tuple[list, list, list]) -> list[Clause]:
    """The clauses again from the measures' columns and :func:`clause_columns` (same order)."""
    if not measures:
        return []
    return [Clause(measure_id=m, doc_id=d, top=top, position=k, text=t, exact=x, comp=c)
            for k, (m, d, t, top, x, c) in enumerate(zip(measures["measure_id"], measures["doc_id"],
                                                        measures["text"], *own))]


def gram_codes(text: str) -> np.ndarray:
    """The distinct character 3-grams of ``text`` as sorted integers (exact: one code per 3-gram)."""
    if len(text) < _NGRAM:
        return np.empty(0, dtype=np.uint64)
    a = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    return np.unique((a[:-2] << np.uint64(42)) | (a[1:-1] << np.uint64(21)) | a[2:])


@dataclass
class GramRows:
    """The 3-gram codes of many texts at once: ``codes[i]`` belongs to text ``rows[i]`` (``rows``
    ascending)."""

    codes: np.ndarray
    rows: np.ndarray
    n: int

    def subset(self, texts) -> "GramRows":
        """The 3-grams of some of the texts only, renumbered ``0 … len(texts) - 1`` in the given order."""
        texts = np.asarray(texts, dtype=np.int64)
        lo, hi = self._starts[texts], self._starts[texts + 1]
        lens = hi - lo
        at = np.repeat(lo - (np.cumsum(lens) - lens), lens) + np.arange(int(lens.sum()))
        return GramRows(self.codes[at], np.repeat(np.arange(len(texts), dtype=np.int64), lens), len(texts))

    @cached_property
    def _starts(self) -> np.ndarray:
        return np.searchsorted(self.rows, np.arange(self.n + 1))

    @classmethod
    def of(cls, texts: list[str]) -> "GramRows":
        """All texts in one vectorised pass: 3-grams that cross from one text into the next are left out."""
        codes, row = _raw_grams(texts)
        order = np.lexsort((codes, row))
        codes, row = codes[order], row[order]
        first = np.ones(len(codes), dtype=bool)
        first[1:] = (codes[1:] != codes[:-1]) | (row[1:] != row[:-1])
        return cls(codes[first], row[first], len(texts))


def _raw_grams(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Every 3-gram of the texts (repeats included) and the text it is in, in text order."""
    lens = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    if lens.sum() < _NGRAM:
        return np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64)
    a = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    row = np.repeat(np.arange(len(texts), dtype=np.int64), lens)
    codes = (a[:-2] << np.uint64(42)) | (a[1:-1] << np.uint64(21)) | a[2:]
    inside = row[:-2] == row[2:]
    return codes[inside], row[:-2][inside]


def stop_gram_df(n: int) -> int:
    """Clauses (of ``n``) a 3-gram may be in and still tell clauses apart: 200, or 5% when that is more."""
    return max(200, n // 20)


class ClauseIndex:
    """Which clauses share most character 3-grams with a text: candidate retrieval for alignment.

    A sparse clause × 3-gram matrix; a batch of queries is one sparse product, so no query
    is compared with every clause in Python, and the work grows with the shared 3-grams.
    3-grams found in more than ``max_df`` clauses (default: 200, or 5% of the clauses when
    that is more) are stop-grams: they say nothing about which clause is which, and skipping
    them keeps each query's work bounded however large the index grows.
    """

    #: Cells of the dense query × clause count matrix made at a time.
    CELLS = 2_000_000

    def __init__(self, clauses: list[Clause], max_df: int | None = None, grams: GramRows | None = None,
                 threads: int = 1):
        from scipy import sparse

        self.clauses = clauses
        self.threads = threads  # for a large batch of queries
        self.max_df = max_df or stop_gram_df(len(clauses))
        grams = grams or GramRows.of([c.comp for c in clauses])
        vocab, inverse, df = np.unique(grams.codes, return_inverse=True, return_counts=True)
        keep = df[inverse] <= self.max_df
        kept = np.flatnonzero(df <= self.max_df)
        self.vocab = vocab[kept]
        column = np.searchsorted(self.vocab, grams.codes[keep])
        self.matrix = sparse.csr_matrix((np.ones(len(column), dtype=np.int32), (grams.rows[keep], column)),
                                        shape=(len(clauses), len(self.vocab))).T.tocsr()

    def candidates(self, text: str, k: int = 8) -> list[int]:
        """Indices of the ``k`` clauses sharing most 3-grams with ``text`` (at least two)."""
        return self.candidates_many(GramRows.of([text]), k)[0]

    def candidates_many(self, queries: GramRows, k: int = 8, rows: np.ndarray | None = None) -> list[list[int]]:
        """:meth:`candidates` for every query text (or only for ``rows`` of them), in one product.

        Ties go to the earlier clause: the order never depends on set or hash order, so two
        runs (with different PYTHONHASHSEED) give the same candidates.
        """
        from scipy import sparse

        n = len(self.clauses)
        wanted = np.arange(queries.n) if rows is None else np.asarray(rows, dtype=np.int64)
        if n == 0 or len(self.vocab) == 0 or len(wanted) == 0:
            return [[] for _ in wanted]
        codes, qrows = queries.codes, queries.rows
        if rows is not None:  # only the wanted queries' 3-grams are looked up
            keep = np.isin(qrows, wanted)
            codes, qrows = codes[keep], qrows[keep]
        pos = np.searchsorted(self.vocab, codes)
        pos[pos == len(self.vocab)] = 0
        hit = self.vocab[pos] == codes
        local = np.searchsorted(wanted, qrows[hit]) if rows is not None else qrows[hit]
        q = sparse.csr_matrix((np.ones(int(hit.sum()), dtype=np.int32), (local, pos[hit])),
                              shape=(len(wanted), len(self.vocab)))
        step = max(1, self.CELLS // n)  # rows of the dense count matrix at a time: bounded memory
        order_key = np.arange(n, dtype=np.int64)
        kk = min(k, n)

        def chunk(start: int) -> list[list[int]]:
            counts = (q[start: start + step] @ self.matrix).toarray()
            # ascending key: more shared 3-grams first, then the earlier clause (keys unique); in
            # 32 bits when they fit (half the memory to sort through)
            small = (int(counts.max(initial=0)) + 1) * (n + 1) < 2 ** 31
            key = order_key.astype(np.int32) if small else order_key.copy()
            key = key - counts.astype(key.dtype, copy=False) * key.dtype.type(n + 1)
            top = np.argpartition(key, kk - 1, axis=1)[:, :kk] if kk < n else np.tile(order_key, (len(key), 1))
            top = np.take_along_axis(top, np.argsort(np.take_along_axis(key, top, axis=1), axis=1), axis=1)
            enough = np.take_along_axis(counts, top, axis=1) >= 2
            return [[i for i, ok in zip(idx, oks) if ok] for idx, oks in zip(top.tolist(), enough.tolist())]

        starts = range(0, len(wanted), step)
        if self.threads > 1 and len(starts) > 1:  # sparse products and partitions run outside the interpreter lock
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(self.threads) as pool:
                parts = list(pool.map(chunk, starts))
        else:
            parts = [chunk(start) for start in starts]
        return [c for part in parts for c in part]


@dataclass(slots=True)
class Pair:
    reference: Clause | None
    plan: list[Clause]
    similarity: float
    coverage: float
    label: str
    shared: int = 0     # reference characters found in the plan text (runs of ≥ 3), for copy rates


#: A plan aligned before (its memo holds wordings) that meets at most this many new wordings in
#: all is searched clause by clause; after that, or for a plan met for the first time, its
#: 3-gram index is made (worth it for hundreds of wordings, not for a reference's few changed ones).
SEARCH_WITHOUT_INDEX = 16


class Side:
    """One document's clauses as arrays, for alignment, each made on first need: a plan meets
    ten or more references, a reference hundreds of plans, and neither is prepared twice."""

    def __init__(self, clauses: list[Clause]):
        self.clauses = clauses
        self.searched = 0  # wordings searched without the index

    @cached_property
    def lengths(self) -> np.ndarray:
        return np.fromiter((len(c.comp) for c in self.clauses), dtype=np.int64, count=len(self.clauses))

    @cached_property
    def counted(self) -> np.ndarray:
        """Positions of the clauses long enough to align (``THRESHOLDS["min_chars"]``)."""
        return np.flatnonzero(self.lengths >= THRESHOLDS["min_chars"])

    @cached_property
    def positions(self) -> np.ndarray:
        return np.fromiter((c.position for c in self.clauses), dtype=np.int64, count=len(self.clauses))

    @cached_property
    def keys(self) -> np.ndarray:
        """Memo keys of the counted clauses (see :func:`memo_key`)."""
        return np.fromiter((memo_key(self.clauses[i].comp, self.clauses[i].exact) for i in self.counted.tolist()),
                           dtype=np.uint64, count=len(self.counted))

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
        return np.fromiter((codes.setdefault(c.top, len(codes)) for c in self.clauses), dtype=np.int64,
                           count=len(self.clauses))

    @cached_property
    def measure_codes(self) -> np.ndarray:
        """Each clause's measure, as a number (clauses of one measure share it)."""
        codes: dict[str, int] = {}
        return np.fromiter((codes.setdefault(c.measure_id, len(codes)) for c in self.clauses), dtype=np.int64,
                           count=len(self.clauses))

    @cached_property
    def grams(self) -> GramRows:
        return GramRows.of([c.comp for c in self.clauses])

    @cached_property
    def index(self) -> ClauseIndex:
        return ClauseIndex(self.clauses, grams=self.grams)

    @cached_property
    def _raw(self) -> tuple[np.ndarray, np.ndarray]:
        return _raw_grams([c.comp for c in self.clauses])

    def candidates(self, reference: "Side", rows: list[int], k: int = 8, *, few: bool = True) -> list[list[int]]:
        """:meth:`ClauseIndex.candidates_many` of this side's clauses for the ``rows`` of ``reference``:
        the same candidates, with or without the index (without it only while ``few`` wordings are
        expected in all; see :data:`SEARCH_WITHOUT_INDEX`)."""
        if not few or "index" in self.__dict__ or self.searched + len(rows) > SEARCH_WITHOUT_INDEX:
            return self.index.candidates_many(reference.grams, k, rows=np.asarray(rows, dtype=np.int64))
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
    label: np.ndarray       # codes of LABELS
    shared: np.ndarray
    n_reference_rows: int


class Memo:
    """What one plan's alignments have found, by reference wording: a wording met again (in
    another reference, or in the next build while the plan is unchanged) is not aligned again.

    Kept as arrays sorted by wording key (:func:`memo_key`), so a reference's wordings are
    looked up at once and a plan's memo of thousands of wordings loads in one piece; wordings
    aligned since it was loaded are in :attr:`added` until :meth:`arrays` stores them too.
    """

    def __init__(self, arrays: tuple | None = None):
        if arrays is None:
            arrays = (np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int32), np.empty(0, dtype=np.int32),
                      np.empty(0), np.empty(0), np.empty(0, dtype=np.int8), np.empty(0, dtype=np.int64))
        self.keys, self.sizes, self.flat, self.similarity, self.coverage, self.label, self.shared = arrays
        self.starts = np.cumsum(self.sizes, dtype=np.int64) - self.sizes
        self.added: dict[int, tuple] = {}  # key → (chosen plan positions, similarity, coverage, label, shared)

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
            return self.keys, self.sizes, self.flat, self.similarity, self.coverage, self.label, self.shared
        new = list(self.added.items())
        keys = np.concatenate([self.keys, np.fromiter((k for k, _ in new), dtype=np.uint64, count=len(new))])
        sizes = np.concatenate([self.sizes, np.fromiter((len(r[0]) for _, r in new), dtype=np.int32, count=len(new))])
        flat = np.concatenate([self.flat, np.fromiter(chain.from_iterable(r[0] for _, r in new), dtype=np.int32)])
        order = np.argsort(keys, kind="stable")
        starts = np.cumsum(sizes, dtype=np.int64) - sizes
        return (keys[order], sizes[order], flat[_ragged(starts[order], sizes[order])],
                np.concatenate([self.similarity, [r[1] for _, r in new]])[order],
                np.concatenate([self.coverage, [r[2] for _, r in new]])[order],
                np.concatenate([self.label, [LABEL_CODES[r[3]] for _, r in new]]).astype(np.int8)[order],
                np.concatenate([self.shared, [r[4] for _, r in new]]).astype(np.int64)[order])


def _ragged(starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Positions ``starts[i] … starts[i] + sizes[i] - 1`` for every ``i``, in turn."""
    sizes = np.asarray(sizes, dtype=np.int64)
    total = int(sizes.sum())
    return np.repeat(np.asarray(starts, dtype=np.int64) - (np.cumsum(sizes) - sizes), sizes) + np.arange(total)


def aligned(reference: Side, plan: Side, memo: Memo | None = None) -> Aligned:
    """Align every reference clause to plan clauses; then list the plan's added clauses.

    A clause's alignment depends only on its wording and the plan, so wordings in the plan's
    ``memo`` (see :class:`Memo`) are taken from it, and a plan whose references change by a few
    wordings is searched for those alone.
    """
    memo = Memo() if memo is None else memo
    todo = reference.counted
    n = len(todo)
    rows = memo.find(reference.keys)
    stored, new = np.flatnonzero(rows >= 0), np.flatnonzero(rows < 0)
    at = rows[stored]
    sizes = np.zeros(n, dtype=np.int64)
    sizes[stored] = memo.sizes[at]
    sims, covs, labels, shared = np.zeros(n), np.zeros(n), np.zeros(n, dtype=np.int8), np.zeros(n, dtype=np.int64)
    sims[stored], covs[stored], labels[stored], shared[stored] = (memo.similarity[at], memo.coverage[at],
                                                                   memo.label[at], memo.shared[at])
    chosen: tuple = ()
    if len(new):
        positions, keys = todo[new].tolist(), reference.keys[new].tolist()
        known, clauses, first = memo.added, reference.clauses, plan.first
        # identical wording needs no search
        need = [i for i, k in zip(positions, keys) if k not in known and clauses[i].comp not in first]
        found = dict(zip(need, plan.candidates(reference, need, few=len(memo.keys) > 0))) if need else {}
        results = []
        for i, k in zip(positions, keys):
            result = known.get(k)
            if result is None:
                r = clauses[i]
                result = known[k] = _align_clause(r, plan.clauses, first.get(r.comp), found.get(i, ()))
            results.append(result)
        chosen, sims[new], covs[new], label_names, shared[new] = zip(*results)
        sizes[new] = np.fromiter(map(len, chosen), dtype=np.int64, count=len(new))
        labels[new] = np.fromiter(map(LABEL_CODES.__getitem__, label_names), dtype=np.int8, count=len(new))
    starts = np.cumsum(sizes) - sizes
    flat = np.empty(int(sizes.sum()), dtype=np.int64)
    flat[_ragged(starts[stored], sizes[stored])] = memo.flat[_ragged(memo.starts[at], sizes[stored])]
    flat[_ragged(starts[new], sizes[new])] = np.fromiter(chain.from_iterable(chosen), dtype=np.int64,
                                                         count=int(sizes[new].sum()))
    used = np.zeros(len(plan.clauses), dtype=bool)
    used[flat] = True
    covered = np.zeros(len(plan.clauses) + 1, dtype=bool)  # top-level parts the reference reaches
    covered[plan.top_codes[flat]] = True
    added = plan.counted[~used[plan.counted]]
    added = added[covered[plan.top_codes[added]]]
    m = len(added)
    return Aligned(reference=np.concatenate([todo, np.full(m, -1)]),
                   sizes=np.concatenate([sizes, np.ones(m, dtype=np.int64)]),
                   plan=np.concatenate([flat, added]),
                   similarity=np.concatenate([sims, np.zeros(m)]),
                   coverage=np.concatenate([covs, np.zeros(m)]),
                   label=np.concatenate([labels, np.full(m, LABEL_CODES["added"], dtype=np.int8)]),
                   shared=np.concatenate([shared, np.zeros(m, dtype=np.int64)]),
                   n_reference_rows=n)


def align(reference: list[Clause], plan: list[Clause], memo: Memo | None = None) -> list[Pair]:
    """:func:`aligned` as a list of :class:`Pair` (clauses, not positions), for reading."""
    a = aligned(Side(reference), Side(plan), memo)
    ends = np.cumsum(a.sizes).tolist()
    pairs = []
    for row, (ref, end, size) in enumerate(zip(a.reference.tolist(), ends, a.sizes.tolist())):
        chosen = [plan[k] for k in a.plan[end - size: end].tolist()]
        pairs.append(Pair(reference[ref] if ref >= 0 else None, chosen, float(a.similarity[row]),
                          float(a.coverage[row]), LABELS[a.label[row]], int(a.shared[row])))
    return pairs


@lru_cache(maxsize=1 << 18)
def memo_key(comp: str, exact: str) -> int:
    """A short, stable key of a reference wording (64 bits, for :class:`Memo`)."""
    return int.from_bytes(hashlib.blake2b(f"{comp}\x1f{exact}".encode("utf-8"), digest_size=8).digest(), "little")


def _align_clause(r: Clause, plan: list[Clause], identical: int | None, candidates) -> tuple:
    """One reference clause against the plan: ``(chosen plan clauses, similarity, coverage, label,
    shared characters)``; no chosen clauses means dropped."""
    t = THRESHOLDS
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
    shared = len(r.comp) if cov == 1.0 and len(chosen) == 1 and best_sim == 1.0 else _shared(r.comp, joined)
    return tuple(chosen), round(sim, 4), round(cov, 4), edit_label(r.exact, exact, r.comp, joined), shared


def edit_label(ref_exact: str, plan_exact: str, ref_comp: str, plan_comp: str) -> str:
    """The edit that turns a reference clause into the aligned plan text (see the module doc)."""
    t = THRESHOLDS
    if ref_exact == plan_exact:
        return "verbatim"
    if ref_comp == plan_comp:
        return "jurisdiction_only"
    sim = similarity(ref_comp, plan_comp)
    if _DIGITS.findall(ref_comp) != _DIGITS.findall(plan_comp) and (
            sim >= t["numbers"] or _DIGITS.sub("#", ref_comp) == _DIGITS.sub("#", plan_comp)):
        return "numbers_changed"
    if sim >= t["minor"]:
        return "minor"
    lcs = _shared(ref_comp, plan_comp)
    if lcs >= t["keep"] * len(ref_comp) and len(plan_comp) >= t["longer"] * len(ref_comp):
        return "expanded"
    if lcs >= t["keep"] * len(plan_comp) and len(plan_comp) <= t["shorter"] * len(ref_comp):
        return "condensed"
    return "rewritten"


# --------------------------------------------------------------------------- tables
ALIGNMENT_COLUMNS = ["doc_id", "reference_doc_id", "reference_measure_id", "measure_ids", "similarity", "coverage",
                     "edit_label", "reference_text", "plan_text"]


#: Edit labels by code, as alignment blocks store them.
LABEL_CODES = {label: k for k, label in enumerate(LABELS)}


def alignment_block(a: Aligned, doc_id: str, reference_doc_id: str, reference: Side, plan: Side) -> tuple:
    """One plan's alignment with one reference as compact columns: every clause by its position in
    its document's clause list, then similarity, coverage and edit-label code. Numbers only,
    no strings: small to pickle and to keep in the build cache by the million, and many
    blocks become one table at once (:func:`alignments_from_blocks`).

    ``(doc_id, reference_doc_id, reference position (-1: none), plan clauses per row,
    plan positions, similarity, coverage, label code)``.
    """
    ref = np.where(a.reference >= 0, reference.positions[np.maximum(a.reference, 0)], -1) \
        if len(reference.clauses) else a.reference
    return (doc_id, reference_doc_id, ref.astype(np.int32), a.sizes.astype(np.int32),
            plan.positions[a.plan].astype(np.int32), a.similarity, a.coverage, a.label)


def alignments_from_blocks(blocks: list[tuple], clauses: dict[str, list[Clause]]) -> pd.DataFrame:
    """One ``alignments`` frame from :func:`alignment_block` blocks; ids and texts from the
    documents' ``clauses`` (each block's positions index its plan's and reference's lists).

    Columns are put together in Arrow: each clause's id and text are stored once and taken by
    position, so millions of rows never cost millions of Python string conversions."""
    import pyarrow as pa
    from pyarrow import compute

    blocks = [b for b in blocks if len(b[2])]
    columns = ["alignment_id"] + ALIGNMENT_COLUMNS
    if not blocks:
        return pd.DataFrame(columns=columns)
    docs = list(dict.fromkeys(x for b in blocks for x in b[:2]))
    start: dict[str, int] = {}  # a document's first clause in the pools of ids and texts
    names: list[str] = []
    texts: list[str] = []
    for d in docs:
        start[d] = len(names)
        names += [c.measure_id for c in clauses[d]]
        texts += [c.text for c in clauses[d]]

    def column(k: int, dtype=None) -> np.ndarray:
        return np.concatenate([b[k] for b in blocks]).astype(dtype or np.int64)

    sizes = np.array([len(b[2]) for b in blocks], dtype=np.int64)  # rows per block
    n = int(sizes.sum())
    ref_pos = column(2)
    ref_pos = np.where(ref_pos >= 0, ref_pos + np.repeat([start[b[1]] for b in blocks], sizes), -1)
    per_row = column(3)  # plan clauses per row
    plan_flat = column(4) + np.repeat([start[b[0]] for b in blocks], [len(b[4]) for b in blocks])
    firsts = np.cumsum(per_row) - per_row
    plan_pos = np.full(n, -1, dtype=np.int64)  # -1: no plan clause (dropped)
    single = per_row == 1
    plan_pos[single] = plan_flat[firsts[single]]
    joined: dict[tuple, int] = {}  # a plan text split over several clauses: the joined text, once
    pool = len(texts)
    for r in np.flatnonzero(per_row > 1).tolist():
        key = tuple(plan_flat[firsts[r]: firsts[r] + per_row[r]].tolist())
        if key not in joined:
            joined[key] = pool + len(joined)
        plan_pos[r] = joined[key]
    texts += ["".join(texts[i] for i in key) for key in joined]
    ids = iter([names[i] for i in plan_flat.tolist()])
    # one list per row, taken in turn from the flat ids (counts are small ints: no list of offsets)
    plan_ids = [[next(ids)] if c == 1 else [] if c == 0 else list(islice(ids, c)) for c in per_row.tolist()]
    texts = pa.array([t or None for t in texts], type=pa.large_string())
    names = pa.array(names, type=pa.large_string())

    def take(pool, pos):
        return compute.take(pool, pa.array(pos, mask=pos < 0))

    code = {x: k for k, x in enumerate(docs)}
    doc_names = pa.array(docs, type=pa.large_string())
    doc = take(doc_names, np.repeat(np.array([code[b[0]] for b in blocks], dtype=np.int64), sizes))
    ref = take(doc_names, np.repeat(np.array([code[b[1]] for b in blocks], dtype=np.int64), sizes))
    number = np.arange(n) - np.repeat(np.cumsum(sizes) - sizes, sizes) + 1  # 1, 2, … per block
    arrow = {"alignment_id": compute.binary_join_element_wise(doc, ref, compute.cast(pa.array(number), pa.large_string()),
                                                              pa.scalar("|", pa.large_string())),
             "doc_id": doc, "reference_doc_id": ref, "reference_measure_id": take(names, ref_pos),
             "reference_text": take(texts, ref_pos), "plan_text": take(texts, plan_pos),
             "edit_label": compute.take(pa.array(list(LABELS), type=pa.large_string()), pa.array(column(7)))}
    data = {name: pd.arrays.ArrowStringArray(values) for name, values in arrow.items()}
    data["measure_ids"] = plan_ids
    data["similarity"] = column(5, np.float64)
    data["coverage"] = column(6, np.float64)
    return pd.DataFrame(data, columns=columns)


#: Implementation styles (after Ma & Liu 2022), decided in this order from the drift figures.
STYLE_RULES = (
    ("perfunctory", "copy_rate >= 0.8 and verbatim or jurisdiction-only edits are at least half the aligned clauses"),
    ("conservative", "copy_rate >= 0.5"),
    ("innovative", "copy_rate < 0.5 and the plan adds at least as many clauses as the reference has"),
    ("defensive", "otherwise: little reused and little added (much of the reference dropped or rewritten)"),
)


def drift_row(a: Aligned, doc_id: str, reference_doc_id: str, reference: Side, plan: Side) -> dict:
    """One ``drift`` row: how much of the available reference the plan reuses and how it edits it,
    and how much of the plan the reference explains."""
    available = int(reference.lengths[reference.counted].sum())
    reused = int(a.shared.sum())  # dropped and added rows share nothing
    counts = np.bincount(a.label, minlength=len(LABELS)).tolist()
    labels = dict(zip(LABELS, counts))
    copy_rate = round(reused / available, 4) if available else None
    aligned_rows = sum(counts[:7])
    # each plan measure explained as far as its best aligned reference clause is similar
    n = a.n_reference_rows
    on_reference = int(a.sizes[:n].sum())
    best = np.zeros(len(plan.clauses))
    np.maximum.at(best, plan.measure_codes[a.plan[:on_reference]], np.repeat(a.similarity[:n], a.sizes[:n]))
    own = plan.counted
    total = int(plan.lengths[own].sum())
    explained = round(sum((best[plan.measure_codes[own]] * plan.lengths[own]).tolist()) / total, 4) if total else None
    row = {"doc_id": doc_id, "reference_doc_id": reference_doc_id, "reference_clauses": len(reference.counted),
           "reference_chars_available": available, "copy_rate": copy_rate, "explained_rate": explained}
    row.update({f"n_{k}": int(labels[k]) for k in LABELS})
    if copy_rate is None:
        style = None
    elif copy_rate >= 0.8 and (labels["verbatim"] + labels["jurisdiction_only"]) * 2 >= max(aligned_rows, 1):
        style = "perfunctory"
    elif copy_rate >= 0.5:
        style = "conservative"
    elif labels["added"] >= len(reference.counted):
        style = "innovative"
    else:
        style = "defensive"
    row["implementation_style"] = style
    return row


# --------------------------------------------------------------------------- redline
_DEL = "background-color:#fde0dc;color:#a50e0e;text-decoration:line-through"
_INS = "background-color:#d7f5dd;color:#0b6b1f;text-decoration:none"


def diff_segments(a: str, b: str) -> list[tuple[int, str]]:
    """Character-level diff of two display texts: ``(op, text)`` with op -1 deleted, 0 kept, 1 inserted."""
    from diff_match_patch import diff_match_patch

    dmp = diff_match_patch()
    dmp.Diff_Timeout = 2.0
    diffs = dmp.diff_main(a or "", b or "")
    dmp.diff_cleanupSemantic(diffs)
    return [(op, text) for op, text in diffs]


def redline_html(reference_text: str | None, plan_text: str | None, *, inline: bool = False) -> str:
    """A redline of two clauses as HTML; all document text is escaped.

    Side by side (default): the reference with deletions struck through in red on the left,
    the plan with insertions in green on the right. ``inline=True`` gives one paragraph.
    """
    segs = diff_segments(_text(reference_text), _text(plan_text))
    esc = html.escape

    def render(ops):
        return "".join(esc(s) if op == 0 else f'<{"del" if op < 0 else "ins"} style="{_DEL if op < 0 else _INS}">'
                       f'{esc(s)}</{"del" if op < 0 else "ins"}>' for op, s in segs if op in ops)

    if inline:
        return f'<p class="redline">{render((-1, 0, 1))}</p>'
    return ('<table class="redline" style="border-collapse:collapse;width:100%;table-layout:fixed">'
            f'<tr><td style="vertical-align:top;padding:4px 8px;border:1px solid #ddd">{render((-1, 0))}</td>'
            f'<td style="vertical-align:top;padding:4px 8px;border:1px solid #ddd">{render((0, 1))}</td></tr></table>')


def _text(value) -> str:
    return "" if value is None or pd.isna(value) else str(value)


def alignments_redline_html(alignments: pd.DataFrame, *, reference_title: str = "参照文本 reference",
                            plan_title: str = "方案 plan") -> str:
    """Side-by-side redline of many aligned pairs (rows of ``alignments``), with label and similarity."""
    esc = html.escape
    head = (f'<tr><th style="width:12%">编辑 edit</th><th>{esc(reference_title)}</th><th>{esc(plan_title)}</th></tr>')
    rows = []
    for r in alignments.itertuples():
        segs = diff_segments(_text(r.reference_text), _text(r.plan_text))
        left = "".join(esc(s) if op == 0 else f'<del style="{_DEL}">{esc(s)}</del>' for op, s in segs if op <= 0)
        right = "".join(esc(s) if op == 0 else f'<ins style="{_INS}">{esc(s)}</ins>' for op, s in segs if op >= 0)
        sim = "" if pd.isna(r.similarity) or r.edit_label in ("added", "dropped") else f"<br>{r.similarity:.2f}"
        rows.append(f'<tr><td>{esc(r.edit_label)}{sim}</td><td>{left}</td><td>{right}</td></tr>')
    style = ("border-collapse:collapse;width:100%;table-layout:fixed;font-size:14px;line-height:1.6")
    cell = "{border:1px solid #ddd;padding:4px 8px;vertical-align:top;text-align:left}"
    return (f'<style>.redline-table td{cell}.redline-table th{cell}</style><table class="redline-table" style="{style}">{head}'
            + "".join(rows) + "</table>")
