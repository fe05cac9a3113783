"""Alignments and drift as tables: a plan's alignment with a reference kept as compact
columns (:func:`alignment_block`), many of them put together into the ``alignments`` table
(:func:`alignments_table`), and the ``drift`` figures of each plan and reference
(:func:`drift_row`, :func:`drift_table`).
"""

from __future__ import annotations

from itertools import islice
from typing import NamedTuple

import numpy as np
import pandas as pd

from compare import schema
from compare.analysis.align import Aligned, Side
from compare.analysis.index import Clause
from compare.schema import LABELS


class AlignmentBlock(NamedTuple):
    """One plan's alignment with one reference as compact columns, a row per alignment row:
    clauses by their position in their document's clause list. Numbers only, besides the two
    ids: small to pickle and to keep in the build cache by the million, and many blocks become
    one table at once (:func:`alignments_table`)."""

    doc_id: str
    reference_doc_id: str
    reference: np.ndarray  # the reference clause's position (-1: none, an added plan clause)
    sizes: np.ndarray  # plan clauses per row, listed in turn in ``plan``
    plan: np.ndarray  # plan clause positions
    similarity: np.ndarray
    coverage: np.ndarray
    label: np.ndarray  # codes of LABELS


def alignment_block(
    a: Aligned, doc_id: str, reference_doc_id: str, reference: Side, plan: Side
) -> AlignmentBlock:
    """One plan's alignment with one reference (:class:`AlignmentBlock`)."""
    ref = (
        np.where(a.reference >= 0, reference.positions[np.maximum(a.reference, 0)], -1)
        if len(reference.clauses)
        else a.reference
    )
    return AlignmentBlock(
        doc_id,
        reference_doc_id,
        ref.astype(np.int32),
        a.sizes.astype(np.int32),
        plan.positions[a.plan].astype(np.int32),
        a.similarity,
        a.coverage,
        a.label,
    )


def alignments_table(
    blocks: list[AlignmentBlock], clauses: dict[str, list[Clause]]
) -> pd.DataFrame:
    """The ``alignments`` table from :func:`alignment_block` blocks; ids and texts from the
    documents' ``clauses`` (each block's positions index its plan's and reference's lists).

    Columns are put together in Arrow: each clause's id and text are stored once and taken by
    position, so millions of rows never cost millions of Python string conversions."""
    import pyarrow as pa
    from pyarrow import compute

    blocks = [b for b in blocks if len(b.reference)]
    columns = list(schema.TABLES["alignments"].columns)
    if not blocks:
        return schema.empty_frame("alignments")
    docs = list(dict.fromkeys(x for b in blocks for x in (b.doc_id, b.reference_doc_id)))
    start: dict[str, int] = {}  # a document's first clause in the pools of ids and texts
    names: list[str] = []
    texts: list[str] = []
    for d in docs:
        start[d] = len(names)
        names += [c.measure_id for c in clauses[d]]
        texts += [c.text for c in clauses[d]]

    def column(field: str, dtype=None) -> np.ndarray:
        return np.concatenate([getattr(b, field) for b in blocks]).astype(dtype or np.int64)

    sizes = np.array([len(b.reference) for b in blocks], dtype=np.int64)  # rows per block
    n = int(sizes.sum())
    ref_pos = column("reference")
    ref_start = np.repeat([start[b.reference_doc_id] for b in blocks], sizes)
    ref_pos = np.where(ref_pos >= 0, ref_pos + ref_start, -1)
    per_row = column("sizes")  # plan clauses per row
    plan_flat = column("plan") + np.repeat(
        [start[b.doc_id] for b in blocks], [len(b.plan) for b in blocks]
    )
    firsts = np.cumsum(per_row) - per_row
    plan_pos = np.full(n, -1, dtype=np.int64)  # -1: no plan clause (dropped)
    single = per_row == 1
    plan_pos[single] = plan_flat[firsts[single]]
    joined: dict[tuple, int] = {}  # a plan text split over several clauses: the joined text, once
    pool = len(texts)
    for r in np.flatnonzero(per_row > 1).tolist():
        key = tuple(plan_flat[firsts[r] : firsts[r] + per_row[r]].tolist())
        if key not in joined:
            joined[key] = pool + len(joined)
        plan_pos[r] = joined[key]
    texts += ["".join(texts[i] for i in key) for key in joined]
    ids = iter([names[i] for i in plan_flat.tolist()])
    # one list per row, taken in turn from the flat ids (counts are small ints: no list of offsets)
    plan_ids = [
        [next(ids)] if c == 1 else [] if c == 0 else list(islice(ids, c)) for c in per_row.tolist()
    ]
    texts = pa.array([t or None for t in texts], type=pa.large_string())
    names = pa.array(names, type=pa.large_string())

    def take(pool, pos):
        return compute.take(pool, pa.array(pos, mask=pos < 0))

    code = {x: k for k, x in enumerate(docs)}
    doc_names = pa.array(docs, type=pa.large_string())
    doc = take(doc_names, np.repeat([code[b.doc_id] for b in blocks], sizes).astype(np.int64))
    ref = take(
        doc_names, np.repeat([code[b.reference_doc_id] for b in blocks], sizes).astype(np.int64)
    )
    number = np.arange(n) - np.repeat(np.cumsum(sizes) - sizes, sizes) + 1  # 1, 2, … per block
    arrow = {
        "alignment_id": compute.binary_join_element_wise(
            doc,
            ref,
            compute.cast(pa.array(number), pa.large_string()),
            pa.scalar("|", pa.large_string()),
        ),
        "doc_id": doc,
        "reference_doc_id": ref,
        "edit_label": compute.take(
            pa.array(list(LABELS), type=pa.large_string()), pa.array(column("label"))
        ),
    }
    data = {name: pd.arrays.ArrowStringArray(values) for name, values in arrow.items()}
    # a reference clause recurs in every plan compared with it (a national table: 3.4 million
    # rows, 857 distinct reference texts): each distinct text is held once, rows hold codes
    data["reference_measure_id"] = repeated_text(names, ref_pos)
    data["reference_text"] = repeated_text(texts, ref_pos)
    data["plan_text"] = repeated_text(texts, plan_pos)
    data["measure_ids"] = plan_ids
    data["similarity"] = column("similarity", np.float64)
    data["coverage"] = column("coverage", np.float64)
    return pd.DataFrame(data, columns=columns)


def repeated_text(pool, positions: np.ndarray) -> pd.Categorical:
    """Texts of ``pool`` (an Arrow string array) taken at ``positions`` (-1: none) as a pandas
    Categorical: each distinct text once, in the order the rows first use them, and a code per
    row. Written to Parquet and CSV as plain text (:func:`compare.store.arrow_schema`)."""
    import pyarrow as pa
    from pyarrow import compute

    used = np.unique(positions[positions >= 0])
    encoded = compute.dictionary_encode(pool.take(pa.array(used)))
    codes = np.full(len(positions), -1, dtype=np.int32)
    present = positions >= 0
    index = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)
    codes[present] = index[np.searchsorted(used, positions[present])]
    return pd.Categorical.from_codes(
        codes, categories=pd.Index(encoded.dictionary.to_pylist(), dtype=object)
    )


#: Implementation styles (after Ma & Liu 2022), decided in this order from the drift figures.
STYLE_RULES = (
    (
        "perfunctory",
        "copy_rate >= 0.8 and verbatim or jurisdiction-only edits are at least half the aligned "
        "clauses",
    ),
    ("conservative", "copy_rate >= 0.5"),
    (
        "innovative",
        "copy_rate < 0.5 and the plan adds at least as many clauses as the reference has",
    ),
    (
        "defensive",
        "otherwise: little reused and little added (much of the reference dropped or rewritten)",
    ),
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
    np.maximum.at(
        best, plan.measure_codes[a.plan[:on_reference]], np.repeat(a.similarity[:n], a.sizes[:n])
    )
    own = plan.counted
    total = int(plan.lengths[own].sum())
    explained = (
        round(sum((best[plan.measure_codes[own]] * plan.lengths[own]).tolist()) / total, 4)
        if total
        else None
    )
    row = {
        "doc_id": doc_id,
        "reference_doc_id": reference_doc_id,
        "reference_clauses": len(reference.counted),
        "reference_chars_available": available,
        "copy_rate": copy_rate,
        "explained_rate": explained,
    }
    row.update({f"n_{k}": int(labels[k]) for k in LABELS})
    if copy_rate is None:
        style = None
    elif copy_rate >= 0.8 and (labels["verbatim"] + labels["jurisdiction_only"]) * 2 >= max(
        aligned_rows, 1
    ):
        style = "perfunctory"
    elif copy_rate >= 0.5:
        style = "conservative"
    elif labels["added"] >= len(reference.counted):
        style = "innovative"
    else:
        style = "defensive"
    row["implementation_style"] = style
    return row


def drift_table(rows: list[dict]) -> pd.DataFrame:
    """The ``drift`` table from :func:`drift_row` rows (with ``reference_kind`` and
    ``reference_is_partial`` set by the caller), columns as :mod:`compare.schema` declares."""
    if not rows:
        return schema.empty_frame("drift")
    return pd.DataFrame(rows, columns=list(schema.TABLES["drift"].columns))
