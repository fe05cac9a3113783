"""Inferred ancestors: the national and provincial texts the plans descend from, rebuilt from
the wording the plans share.

Clauses that plans from *different provinces* share almost verbatim descend from a common
national text; clauses that plans of *one province* share descend from its provincial text.
Each shared cluster gives one inferred clause (its most central wording), with its support
(which plans, how similar). The reconstruction is checked against the template fragments that
exist (:func:`validate_inferred`, :func:`reconstruction`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from functools import lru_cache

import numpy as np
import pandas as pd

from compare import schema
from compare.analysis.index import Clause, ClauseIndex, GramRows
from compare.analysis.similarity import shared_chars, similarity

#: Similarity at which clauses of two plans count as the same inherited wording.
SHARED_MIN = 0.6
#: Share of the plans (of the corpus, or of one province) that must share a clause for it to
#: enter an inferred ancestor; never fewer than two plans.
INFERRED_MIN_SHARE = 0.1
NATIONAL = "inferred-national"


def inferred_id(province: str) -> str:
    """The id of a province's inferred ancestor: ``inferred-<pinyin>`` (``inferred-beijing``)."""
    return f"inferred-{_slug(province)}"


def infer_ancestors(
    clauses: dict[str, list[Clause]], documents: pd.DataFrame
) -> tuple[dict[str, list[Clause]], pd.DataFrame]:
    """Inferred ancestor texts from the plans, and one row of support per inferred clause.

    Clauses are clustered by *leaders*: each distinct wording (in document order) joins the
    most similar earlier leader at ``SHARED_MIN`` or above, or becomes a leader itself.
    Identical wordings are one item however many plans copy them, and only leaders are
    searched (a sparse 3-gram index, rebuilt as leaders accumulate), so the cost grows with
    the number of distinct provisions, not with the number of plans squared.
    """
    plans = documents[documents["role"] == "plan"]
    if len(plans) < 2:  # nothing can be shared
        return {}, schema.empty_frame("inferred_clauses")
    province = dict(zip(plans["doc_id"], plans["province"].fillna("")))
    inferred_of = {p: inferred_id(p) for p in set(province.values())}
    rank = {d: k for k, d in enumerate(plans["doc_id"])}
    # shared by at least two plans, and in a large corpus by a real share of them: an inferred
    # national text is what plans across provinces widely share, not every pair's coincidence
    need_national = max(2, int(np.ceil(INFERRED_MIN_SHARE * len(plans))))
    per_province = plans["province"].fillna("").value_counts()
    need_provincial = {
        p: max(2, int(np.ceil(INFERRED_MIN_SHARE * n))) for p, n in per_province.items()
    }
    pool = [c for d in plans["doc_id"] for c in clauses.get(d, []) if len(c.comp) >= 8]
    copies: dict[str, list[int]] = defaultdict(list)  # distinct wording → its clauses in the pool
    for i, c in enumerate(pool):
        copies[c.comp].append(i)
    texts = list(copies)
    leader_of = _leaders(texts)
    clusters: dict[int, list[int]] = defaultdict(list)  # leader → its wordings
    for t, lead in enumerate(leader_of):
        clusters[lead].append(t)

    def first_key(ts):
        return min(
            rank[pool[i].doc_id] * 10_000 + pool[i].position
            for t in ts
            for i in copies[texts[t]][:1]
        )

    out: dict[str, list[Clause]] = defaultdict(list)
    rows = []
    for ts in sorted(clusters.values(), key=first_key):
        docs = sorted({pool[i].doc_id for t in ts for i in copies[texts[t]]})
        if len(docs) < 2:
            continue
        in_province = Counter(province[d] for d in docs)
        targets = [NATIONAL] if len(in_province) >= 2 and len(docs) >= need_national else []
        for p in sorted(in_province):
            if in_province[p] >= need_provincial[p]:
                targets.append(inferred_id(p))
        if not targets:
            continue
        by_target: dict[str, list[str]] = defaultdict(list)
        for d in docs:
            by_target[inferred_of[province[d]]].append(d)
        medoid, mean_sim = _medoid([texts[t] for t in ts], [len(copies[texts[t]]) for t in ts])
        m = pool[copies[texts[ts[medoid]]][0]]
        for target in targets:
            support = docs if target == NATIONAL else by_target[target]
            k = len(out[target]) + 1
            out[target].append(Clause(f"{target}:{k}", target, "0", k - 1, m.text, m.exact, m.comp))
            rows.append(
                {
                    "reference_doc_id": target,
                    "reference_measure_id": f"{target}:{k}",
                    "text": m.text,
                    "support_doc_ids": support,
                    "support_count": len(support),
                    "mean_similarity": mean_sim,
                }
            )
    return dict(out), inferred_clauses_table(rows)


def _leaders(texts: list[str], batch: int = 2048, per_cluster: int = 4) -> list[int]:
    """For each text, the first text of its cluster.

    Texts are taken in order, a batch at a time. Each joins every earlier cluster that has
    a wording at ``SHARED_MIN`` or more (clusters it bridges merge, as in single linkage).
    Only a cluster's first ``per_cluster`` wordings are searched: enough for variants to
    chain, while a provision copied in a thousand variants stays a handful of index rows.
    """
    grams = GramRows.of(texts)
    parent = list(range(len(texts)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    reps: list[int] = []  # searchable wordings (in the index)
    size: dict[int, int] = defaultdict(int)
    index: ClauseIndex | None = None
    for start in range(0, len(texts), batch):
        rows = np.arange(start, min(start + batch, len(texts)))
        old = (
            index.candidates_many(grams, k=12, rows=rows)
            if index is not None
            else [[] for _ in rows]
        )
        local = _text_index(grams, rows.tolist())
        new = local.candidates_many(grams, k=12, rows=rows)
        for t, cands_old, cands_new in zip(rows.tolist(), old, new):
            matches = [reps[c] for c in cands_old] + [start + c for c in cands_new if start + c < t]
            root = find(t)
            for m in matches:
                other = find(m)
                if other != root and similarity(texts[t], texts[m]) >= SHARED_MIN:
                    root, b = (
                        min(other, root),
                        max(other, root),
                    )  # the merged cluster keeps the earlier root
                    parent[b] = root
                    size[root] += size.pop(b, 0)
            if size[root] < per_cluster:
                size[root] += 1
                reps.append(t)
        if start + batch < len(texts):  # the next batch searches this one's wordings too
            index = _text_index(grams, reps)
    return [find(t) for t in range(len(texts))]


def _text_index(grams: GramRows, rows: list[int]) -> ClauseIndex:
    return ClauseIndex([None] * len(rows), max_df=200, grams=grams.subset(rows), threads=2)


def _medoid(texts: list[str], counts: list[int], most: int = 20) -> tuple[int, float]:
    """The wording most similar to all others (weighted by copies; among the ``most`` most copied),
    and its mean similarity to the other copies."""
    from rapidfuzz import fuzz, process

    total = sum(counts)
    if total < 2:
        return 0, 1.0
    candidates = sorted(range(len(texts)), key=lambda i: (-counts[i], i))[:most]
    sims = (
        process.cdist([texts[i] for i in candidates], texts, scorer=fuzz.ratio, dtype=np.float64)
        / 100.0
    )
    weights = np.asarray(counts, dtype=np.float64)
    scores = sims @ weights - 1.0  # every other copy; the wording itself once less
    best = max(range(len(candidates)), key=lambda j: (round(float(scores[j]), 9), -candidates[j]))
    return candidates[best], round(float(scores[best]) / (total - 1), 4)


def inferred_clauses_table(rows: list[dict]) -> pd.DataFrame:
    """The ``inferred_clauses`` table: one row per inferred clause, columns as the schema says."""
    if not rows:
        return schema.empty_frame("inferred_clauses")
    return pd.DataFrame(rows, columns=list(schema.TABLES["inferred_clauses"].columns))


#: Provinces whose toneless pinyin is another's (山西 shanxi): their official romanisation.
ROMANISED = {"陕西": "shaanxi"}


@lru_cache(maxsize=None)
def _slug(province: str) -> str:
    from pypinyin import lazy_pinyin

    from compare.read.metadata import strip_place_suffix

    stem = strip_place_suffix(province)[0]
    return ROMANISED.get(stem) or "".join(lazy_pinyin(stem)) or "province"


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
        shared = shared_chars(t.comp, inferred[best].comp)
        if shared:
            found += shared
            used += len(inferred[best].comp)
    return {
        "recall": round(found / total, 4),
        "precision": round(found / used, 4) if used else None,
        "template_chars": total,
    }


def national_template(documents: pd.DataFrame) -> str | None:
    """The national template most cited by the plans (国发〔2015〕7号 here)."""
    t = documents[(documents["role"] == "template") & (documents["level"] == "national")]
    cites = [c for cs in documents.loc[documents["role"] == "plan", "cites"] for c in cs]
    ranked = sorted(t.itertuples(), key=lambda r: -cites.count(r.doc_number))
    return ranked[0].doc_id if ranked else None


def provincial_template(documents: pd.DataFrame, inferred: str) -> str | None:
    """The provincial template of the province an inferred ancestor stands for, if there is one."""
    t = documents[(documents["role"] == "template") & (documents["level"] == "provincial")]
    for row in t.itertuples():
        if isinstance(row.province, str) and inferred_id(row.province) == inferred:
            return row.doc_id
    return None


def reconstruction(
    documents: pd.DataFrame, inferred: dict[str, list[Clause]], clauses: dict[str, list[Clause]]
) -> dict[str, dict]:
    """How well each inferred ancestor recovers the real template it stands for, where the
    corpus has one (:func:`validate_inferred`), keyed ``"<inferred> vs <template>"``."""
    out = {}
    for ref in sorted(inferred, key=lambda r: r != NATIONAL):  # the national one first
        template = (
            national_template(documents) if ref == NATIONAL else provincial_template(documents, ref)
        )
        if template:
            out[f"{ref} vs {template}"] = validate_inferred(
                inferred[ref], clauses.get(template, [])
            )
    return out
