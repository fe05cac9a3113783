"""Candidate retrieval: which plan clauses share most character 3-grams with a reference
clause. Clauses are indexed once; a batch of queries is one sparse product, so cost grows with
the number of clauses, not with their product. Also the clauses themselves (:class:`Clause`),
as alignment and the index see them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numpy as np
import pandas as pd

from compare.normalize import comparison_text, fold_jurisdiction

_NGRAM = 3


@dataclass(slots=True)
class Clause:
    measure_id: str
    doc_id: str
    top: str  # top-level section number (0 = preamble): the part of the plan it is in
    position: int  # order in the document
    text: str  # display text
    exact: str  # comparison text without jurisdiction folding
    comp: str  # comparison text


def clauses_of(measures: pd.DataFrame, places: tuple[str, ...] = ()) -> list[Clause]:
    """The clauses of one document's measures, in order, with their comparison texts."""
    out = []
    for pos, (mid, doc, number, text) in enumerate(
        zip(
            measures["measure_id"], measures["doc_id"], measures["section_number"], measures["text"]
        )
    ):
        exact = comparison_text(
            text, jurisdiction=False
        )  # comparison text = this, jurisdiction folded
        out.append(
            Clause(
                mid,
                doc,
                str(number).split(".")[0],
                pos,
                text,
                exact,
                fold_jurisdiction(exact, places),
            )
        )
    return out


def clause_columns(clauses: list[Clause]) -> tuple[list, list, list]:
    """What clauses have beyond their measures (top-level section, the two comparison texts), as
    columns: the build cache keeps clauses this way, next to the measures' own columns."""
    return [c.top for c in clauses], [c.exact for c in clauses], [c.comp for c in clauses]


def clauses_from_columns(measures: dict[str, list], own: tuple[list, list, list]) -> list[Clause]:
    """The clauses again from the measures' columns and :func:`clause_columns` (same order)."""
    if not measures:
        return []
    return [
        Clause(measure_id=m, doc_id=d, top=top, position=k, text=t, exact=x, comp=c)
        for k, (m, d, t, top, x, c) in enumerate(
            zip(measures["measure_id"], measures["doc_id"], measures["text"], *own)
        )
    ]


class ClauseWork(NamedTuple):
    """One document's clauses as alignment reads them, in columns: what a worker process is
    sent. The display text is left out (alignment never reads it; the main process puts it in
    the tables), and columns of strings pickle many times faster than clause objects."""

    doc_id: str
    measure_ids: list[str]
    tops: list[str]
    exacts: list[str]
    comps: list[str]

    @classmethod
    def of(cls, clauses: list[Clause]) -> "ClauseWork":
        """The columns of one document's ``clauses`` (positions are their order)."""
        return cls(
            clauses[0].doc_id if clauses else "",
            [c.measure_id for c in clauses],
            [c.top for c in clauses],
            [c.exact for c in clauses],
            [c.comp for c in clauses],
        )

    def clauses(self) -> list[Clause]:
        """The clauses again, each with an empty display text."""
        return [
            Clause(m, self.doc_id, top, k, "", x, c)
            for k, (m, top, x, c) in enumerate(
                zip(self.measure_ids, self.tops, self.exacts, self.comps)
            )
        ]


def gram_codes(text: str) -> np.ndarray:
    """The distinct character 3-grams of ``text`` as sorted integers (exact: one code per
    3-gram)."""
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
        """The 3-grams of some of the texts only, renumbered ``0 … len(texts) - 1`` in the given
        order."""
        texts = np.asarray(texts, dtype=np.int64)
        lo, hi = self._starts[texts], self._starts[texts + 1]
        lens = hi - lo
        at = np.repeat(lo - (np.cumsum(lens) - lens), lens) + np.arange(int(lens.sum()))
        return GramRows(
            self.codes[at], np.repeat(np.arange(len(texts), dtype=np.int64), lens), len(texts)
        )

    @cached_property
    def _starts(self) -> np.ndarray:
        return np.searchsorted(self.rows, np.arange(self.n + 1))

    @classmethod
    def of(cls, texts: list[str]) -> "GramRows":
        """All texts in one vectorised pass: 3-grams that cross from one text into the next are
        left out."""
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
    """Clauses (of ``n``) a 3-gram may be in and still tell clauses apart: 200, or 5% when that
    is more."""
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

    def __init__(
        self,
        clauses: list[Clause],
        max_df: int | None = None,
        grams: GramRows | None = None,
        threads: int = 1,
    ):
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
        self.matrix = sparse.csr_matrix(
            (np.ones(len(column), dtype=np.int32), (grams.rows[keep], column)),
            shape=(len(clauses), len(self.vocab)),
        ).T.tocsr()

    def candidates(self, text: str, k: int = 8) -> list[int]:
        """Indices of the ``k`` clauses sharing most 3-grams with ``text`` (at least two)."""
        return self.candidates_many(GramRows.of([text]), k)[0]

    def candidates_many(
        self, queries: GramRows, k: int = 8, rows: np.ndarray | None = None
    ) -> list[list[int]]:
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
        q = sparse.csr_matrix(
            (np.ones(int(hit.sum()), dtype=np.int32), (local, pos[hit])),
            shape=(len(wanted), len(self.vocab)),
        )
        step = max(1, self.CELLS // n)  # rows of the dense count matrix at a time: bounded memory
        order_key = np.arange(n, dtype=np.int64)
        kk = min(k, n)

        def chunk(start: int) -> list[list[int]]:
            counts = (q[start : start + step] @ self.matrix).toarray()
            # ascending key: more shared 3-grams first, then the earlier clause (keys unique); in
            # 32 bits when they fit (half the memory to sort through)
            small = (int(counts.max(initial=0)) + 1) * (n + 1) < 2**31
            key = order_key.astype(np.int32) if small else order_key.copy()
            key = key - counts.astype(key.dtype, copy=False) * key.dtype.type(n + 1)
            top = (
                np.argpartition(key, kk - 1, axis=1)[:, :kk]
                if kk < n
                else np.tile(order_key, (len(key), 1))
            )
            top = np.take_along_axis(
                top, np.argsort(np.take_along_axis(key, top, axis=1), axis=1), axis=1
            )
            enough = np.take_along_axis(counts, top, axis=1) >= 2
            return [
                [i for i, ok in zip(idx, oks) if ok]
                for idx, oks in zip(top.tolist(), enough.tolist())
            ]

        starts = range(0, len(wanted), step)
        if (
            self.threads > 1 and len(starts) > 1
        ):  # sparse products and partitions run outside the interpreter lock
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(self.threads) as pool:
                parts = list(pool.map(chunk, starts))
        else:
            parts = [chunk(start) for start in starts]
        return [c for part in parts for c in part]
