"""Provisions: what became of each clause of a reference text in each plan (the diffusion
matrix of the policy-diffusion literature).

A *provision* is one clause of a template or an inferred ancestor. The ``provisions`` table
has a row per provision and plan compared with it, taken from the alignments: the edit label
(kept verbatim, adapted, rewritten, dropped …), the similarity and the plan's clause ids. So a
researcher can ask "which districts kept provision 7 of 国发〔2015〕7号 verbatim, which rewrote
it, which dropped it", and :func:`provision_matrix` turns it into provisions × plans.
"""

from __future__ import annotations

import pandas as pd

from compare import schema


def provisions_table(alignments: pd.DataFrame) -> pd.DataFrame:
    """The ``provisions`` table from the ``alignments`` table: its rows that hold a reference
    clause (not the clauses a plan added), numbered in the reference's order
    (``provision_no``, from 1), in the alignments' order."""
    if alignments.empty:
        return schema.empty_frame("provisions")
    rows = alignments.loc[
        alignments["reference_measure_id"].notna(),
        [c for c in schema.columns("provisions") if c in alignments.columns],
    ]
    rows = rows.reset_index(drop=True)
    # a plan's rows with one reference follow the reference's clause order: the n-th is provision n
    rows["provision_no"] = rows.groupby(["doc_id", "reference_doc_id"], sort=False).cumcount() + 1
    return rows[schema.columns("provisions")]


def provision_matrix(
    provisions: pd.DataFrame,
    reference: str,
    *,
    value: str = "edit_label",
    plans: list[str] | None = None,
) -> pd.DataFrame:
    """Provisions × plans for one ``reference``: a row per provision (``provision_no``), a column
    per plan (doc_id, in ``plans`` order when given), the ``value`` of each cell (the edit label,
    or ``similarity``). Plans not compared with the reference have no column."""
    p = provisions[provisions["reference_doc_id"] == reference]
    if plans is not None:
        p = p[p["doc_id"].isin(plans)]
    if p.empty:
        return pd.DataFrame(index=pd.Index([], name="provision_no"))
    wide = p.pivot(index="provision_no", columns="doc_id", values=value)
    order = [d for d in (plans or list(dict.fromkeys(p["doc_id"]))) if d in wide.columns]
    return wide[order].rename_axis(columns=None)


def provision_counts(provisions: pd.DataFrame, reference: str) -> pd.DataFrame:
    """For each provision of ``reference``: how many plans gave it each edit label (columns in
    the order of :data:`compare.schema.LABELS`)."""
    from compare.schema import LABELS

    p = provisions[provisions["reference_doc_id"] == reference]
    counts = pd.crosstab(p["provision_no"], p["edit_label"])
    return counts.reindex(columns=[c for c in LABELS if c in counts.columns], fill_value=0)
