"""How each plan changed the quantified targets of the text it follows: raised, lowered, kept,
deadline moved, new, or dropped.

For each plan, its *reference texts* are its parent and its ancestor in the ``lineage`` table
(:mod:`compare.analysis.parents`), those of them that state targets (a template found only in
part may state none). Each of the plan's targets is matched with the reference target it
implements:

1. ``aligned_clause``: the reference target whose clause is most like the plan target's
   clause (similarity at least :data:`CLAUSE_MATCH` on the comparison texts), in the same unit;
2. ``same_indicator``: else a reference target of the same indicator and unit.

Each reference target is matched at most once per plan (the best pairs first). A plan target
with no match is ``new``; a reference target no plan target matches is ``dropped``. A matched
pair is ``raised`` or ``lowered`` by its value (the figure as written: for a cap such as
不超过, a lower figure is stricter), else ``deadline_moved`` when the deadline year differs,
else ``same``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from compare import schema
from compare.analysis.dating import given

#: Similarity two targets' clauses need to count as the same clause (comparison texts, 0–1).
CLAUSE_MATCH = 0.6
#: Order of the relations a reference text is taken from.
RELATIONS = ("parent", "ancestor")


def reference_texts(lineage: pd.DataFrame, with_targets: set[str]) -> dict[str, list[tuple]]:
    """Each plan's reference texts for targets: ``[(doc_id, relation), …]``, its parent then its
    ancestor (once when they are the same), only those in ``with_targets``."""
    out: dict[str, list[tuple]] = {}
    rows = lineage[lineage["relation"].isin(RELATIONS)]
    for plan, ref, relation in zip(rows["doc_id"], rows["ancestor_doc_id"], rows["relation"]):
        if ref not in with_targets:
            continue
        refs = out.setdefault(plan, [])
        if ref not in [r for r, _ in refs]:
            refs.append((ref, relation))
    for refs in out.values():
        refs.sort(key=lambda r: RELATIONS.index(r[1]))
    return out


def target_changes_table(
    targets: pd.DataFrame, lineage: pd.DataFrame, documents: pd.DataFrame
) -> pd.DataFrame:
    """The ``target_changes`` table: for every plan and reference text (see the module doc), a
    row per plan target (matched or ``new``) and per unmatched reference target (``dropped``), in
    the plans' document order, plan targets in their order, then the dropped ones."""
    from compare.normalize import comparison_text

    t = targets[targets["kind"] == "target"]
    if t.empty:
        return schema.empty_frame("target_changes")
    fields = ["target_id", "doc_id", "indicator", "value", "unit", "comparator", "deadline_year"]
    records = t[fields].astype(object).where(t[fields].notna(), None).to_dict("records")
    texts = t["text"].fillna("").tolist()
    comps: dict[str, str] = {}  # one comparison text per distinct clause
    by_doc: dict[str, list[dict]] = {}
    for rec, text in zip(records, texts):
        if text not in comps:
            comps[text] = comparison_text(text)
        rec["comp"] = comps[text]
        rec["unit_key"] = rec["unit"] or ""  # no unit matches no unit
        by_doc.setdefault(rec["doc_id"], []).append(rec)
    refs = reference_texts(lineage, set(by_doc))
    rows = []
    plans = documents.loc[documents["role"] == "plan", "doc_id"]
    for plan in plans:
        if plan not in by_doc:
            continue
        for ref, relation in refs.get(plan, []):
            rows += _changes(plan, by_doc[plan], ref, relation, by_doc[ref])
    if not rows:
        return schema.empty_frame("target_changes")
    return pd.DataFrame(rows, columns=schema.columns("target_changes"))


def _changes(plan, a: list[dict], ref, relation, b: list[dict]) -> list[dict]:
    """Rows of one plan (its targets ``a``) against one reference text (its targets ``b``)."""
    from rapidfuzz import fuzz, process

    clause = (
        process.cdist([x["comp"] for x in a], [y["comp"] for y in b], scorer=fuzz.ratio) / 100.0
    )
    codes: dict = {}
    unit_a = np.array([codes.setdefault(("u", x["unit_key"]), len(codes)) for x in a])
    unit_b = np.array([codes.setdefault(("u", y["unit_key"]), len(codes)) for y in b])
    ind_a = np.array([codes.setdefault(("i", x["indicator"] or object()), len(codes)) for x in a])
    ind_b = np.array([codes.setdefault(("i", y["indicator"] or object()), len(codes)) for y in b])
    same_unit = unit_a[:, None] == unit_b[None, :]
    same_indicator = ind_a[:, None] == ind_b[None, :]
    aligned = same_unit & (clause >= CLAUSE_MATCH)
    indicator_only = same_unit & same_indicator & ~aligned
    i, j = np.nonzero(aligned | indicator_only)
    # the best pairs first: a like clause before the same indicator alone, then the more alike
    # clause, the same indicator, the earlier plan target, the earlier reference target
    order = np.lexsort((j, i, ~same_indicator[i, j], -clause[i, j], ~aligned[i, j]))
    match: dict[int, tuple[int, str]] = {}
    used: set[int] = set()
    for k in order.tolist():
        x, y = int(i[k]), int(j[k])
        if x not in match and y not in used:
            match[x] = (y, "aligned_clause" if aligned[x, y] else "same_indicator")
            used.add(y)
    out = []
    for x, rec in enumerate(a):
        y, how = match.get(x, (None, None))
        sim = clause[x, y] if y is not None else None
        out.append(_row(plan, ref, relation, rec, b[y] if y is not None else None, how, sim))
    out += [
        _row(plan, ref, relation, None, rec, None, None) for y, rec in enumerate(b) if y not in used
    ]
    return out


_FIELDS = ("target_id", "indicator", "value", "unit", "comparator", "deadline_year")


def _row(plan, ref, relation, x, y, how, sim) -> dict:
    mine = {k: (x or {}).get(k) for k in _FIELDS}
    theirs = {k: (y or {}).get(k) for k in _FIELDS}
    moved = (
        int(mine["deadline_year"]) - int(theirs["deadline_year"])
        if given(mine["deadline_year"]) and given(theirs["deadline_year"])
        else None
    )
    if x is None:
        change = "dropped"
    elif y is None:
        change = "new"
    elif (
        given(x["value"])
        and given(y["value"])
        and not math.isclose(float(x["value"]), float(y["value"]), rel_tol=1e-9)
    ):
        change = "raised" if float(x["value"]) > float(y["value"]) else "lowered"
    elif moved:
        change = "deadline_moved"
    else:
        change = "same"
    return {
        "change_id": f"{plan}|{ref}|{mine['target_id'] or 'dropped:' + theirs['target_id']}",
        "doc_id": plan,
        "reference_doc_id": ref,
        "reference_relation": relation,
        "plan_target_id": mine["target_id"],
        "indicator": mine["indicator"],
        "value": mine["value"],
        "unit": mine["unit"],
        "comparator": mine["comparator"],
        "deadline_year": mine["deadline_year"],
        "reference_target_id": theirs["target_id"],
        "reference_indicator": theirs["indicator"],
        "reference_value": theirs["value"],
        "reference_unit": theirs["unit"],
        "reference_comparator": theirs["comparator"],
        "reference_deadline_year": theirs["deadline_year"],
        "match": how,
        "clause_similarity": None if sim is None else round(float(sim), 4),
        "change": change,
        "deadline_moved_by": moved,
    }


def change_counts(target_changes: pd.DataFrame) -> pd.DataFrame:
    """Plans × changes: how many of each plan's targets were raised, lowered, kept … against
    each reference text (rows: plan and reference)."""
    from compare.schema import FIELDS

    order = list(FIELDS["change"].allowed)
    counts = pd.crosstab(
        [target_changes["doc_id"], target_changes["reference_doc_id"]], target_changes["change"]
    )
    return counts.reindex(columns=[c for c in order if c in counts.columns], fill_value=0)
