"""Drift of every plan against its references, lineage, and inferred ancestors.

* **References of a plan**: every template, every other plan, and the *inferred ancestors*.
  Drift is measured only on what a reference text actually contains: a partial template
  contributes only its available clauses (``reference_chars_available`` says how much).
* **Lineage**: for each plan, the documents it cites (``documents.cites`` matched to
  document numbers; relation ``cited``), the template that shares most of its text with it
  (``nearest``), its closest fellow plans (``relative``), and the inferred ancestors it
  descends from (``inferred``). The score is the reference's copy rate in the plan.
* **Inferred ancestors**: clauses that plans from *different provinces* share almost
  verbatim descend from a common national text; clauses that plans of *one province* share
  descend from its provincial text. Each shared cluster gives one inferred clause (its most
  central wording), with its support (which plans, how similar). The reconstruction is
  checked against the template fragments that exist (:func:`validate_inferred`).
"""
from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from functools import lru_cache

import numpy as np
import pandas as pd

from compare.read.metadata import document_places

from compare import schema
from compare.analysis.align import Memo, Side, aligned
from compare.analysis.drift import alignment_block, alignments_table, drift_row, drift_table
from compare.analysis.index import Clause, ClauseIndex, GramRows, clauses_of
from compare.analysis.similarity import shared_chars, similarity

#: Similarity at which clauses of two plans count as the same inherited wording.
SHARED_MIN = 0.6
#: Share of a plan's text a document must explain to be named its ancestor (else none is named).
ANCESTOR_MIN_EXPLAINED = 0.2
#: Share of the plans (of the corpus, or of one province) that must share a clause for it to
#: enter an inferred ancestor; never fewer than two plans.
INFERRED_MIN_SHARE = 0.1
NATIONAL = "inferred-national"


def document_clauses(measures: pd.DataFrame, documents: pd.DataFrame) -> dict[str, list[Clause]]:
    """Clauses of every document, keyed by doc_id, in document order."""
    by_doc = {d: g for d, g in measures.groupby("doc_id", sort=False)}
    return {row.doc_id: clauses_of(by_doc[row.doc_id], document_places(row)) if row.doc_id in by_doc else []
            for row in documents.itertuples()}


# --------------------------------------------------------------------------- inferred ancestors
def infer_ancestors(clauses: dict[str, list[Clause]], documents: pd.DataFrame) -> tuple[dict[str, list[Clause]],
                                                                                         pd.DataFrame]:
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
    inferred_of = {p: f"inferred-{_slug(p)}" for p in set(province.values())}
    rank = {d: k for k, d in enumerate(plans["doc_id"])}
    # shared by at least two plans, and in a large corpus by a real share of them: an inferred
    # national text is what plans across provinces widely share, not every pair's coincidence
    need_national = max(2, int(np.ceil(INFERRED_MIN_SHARE * len(plans))))
    per_province = plans["province"].fillna("").value_counts()
    need_provincial = {p: max(2, int(np.ceil(INFERRED_MIN_SHARE * n))) for p, n in per_province.items()}
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
        return min(rank[pool[i].doc_id] * 10_000 + pool[i].position for t in ts for i in copies[texts[t]][:1])

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
                targets.append(f"inferred-{_slug(p)}")
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
            rows.append({"reference_doc_id": target, "reference_measure_id": f"{target}:{k}", "text": m.text,
                         "support_doc_ids": support, "support_count": len(support), "mean_similarity": mean_sim})
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

    reps: list[int] = []                 # searchable wordings (in the index)
    size: dict[int, int] = defaultdict(int)
    index: ClauseIndex | None = None
    for start in range(0, len(texts), batch):
        rows = np.arange(start, min(start + batch, len(texts)))
        old = index.candidates_many(grams, k=12, rows=rows) if index is not None else [[] for _ in rows]
        local = _text_index(grams, rows.tolist())
        new = local.candidates_many(grams, k=12, rows=rows)
        for t, cands_old, cands_new in zip(rows.tolist(), old, new):
            matches = [reps[c] for c in cands_old] + [start + c for c in cands_new if start + c < t]
            root = find(t)
            for m in matches:
                other = find(m)
                if other != root and similarity(texts[t], texts[m]) >= SHARED_MIN:
                    root, b = min(other, root), max(other, root)  # the merged cluster keeps the earlier root
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
    sims = process.cdist([texts[i] for i in candidates], texts, scorer=fuzz.ratio, dtype=np.float64) / 100.0
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
    return {"recall": round(found / total, 4), "precision": round(found / used, 4) if used else None,
            "template_chars": total}


# --------------------------------------------------------------------------- drift and lineage
#: Fellow plans each plan is aligned with (the most similar ones; all of them in a small corpus).
RELATED_PLANS = 5


def related_plans(clauses: dict[str, list[Clause]], plans: list[str], k: int = RELATED_PLANS) -> dict[str, list[str]]:
    """For each plan, the ``k`` plans sharing most of its wording, most similar first.

    Plans are vectors of their distinct clause wordings, weighted by rarity (tf-idf), so
    sentences that only a plan's own family shares count most; similarity is their cosine,
    computed as one sparse product in row blocks (bounded memory). Ties go to the earlier plan.
    """
    from scipy import sparse

    n = len(plans)
    if n <= k + 1:
        return {p: [q for q in plans if q != p] for p in plans}
    ids: dict[str, int] = {}
    rows, cols = [], []
    for r, p in enumerate(plans):
        for text in dict.fromkeys(c.comp for c in clauses.get(p, []) if len(c.comp) >= 8):
            cols.append(ids.setdefault(text, len(ids)))
            rows.append(r)
    x = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, len(ids)))
    df = np.bincount(cols, minlength=len(ids))
    idf = np.log((1 + n) / (1 + df)) + 1.0
    idf[df > max(50, n // 4)] = 0.0  # wording nearly every plan shares says nothing about families
    x = x @ sparse.diags(idf)
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    x = sparse.diags(1.0 / np.where(norms > 0, norms, 1.0)) @ x
    xt = x.T.tocsc()
    out: dict[str, list[str]] = {}
    step = max(1, 4_000_000 // n)
    for start in range(0, n, step):
        block = (x[start: start + step] @ xt).toarray()
        for r in range(block.shape[0]):
            block[r, start + r] = -1.0
            order = np.lexsort((np.arange(n), -np.round(block[r], 9)))[:k]
            out[plans[start + r]] = [plans[j] for j in order if block[r, j] > 0]
    return out


def reference_plan(documents: pd.DataFrame, inferred: dict[str, list[Clause]], related: dict[str, list[str]]
                   ) -> dict[str, list[tuple[str, str]]]:
    """Each plan's references, in order: every template, the national and its own province's
    inferred ancestors, its related plans (in document order)."""
    templates = documents.loc[documents["role"] == "template", "doc_id"].tolist()
    plans = documents[documents["role"] == "plan"]
    order = {d: k for k, d in enumerate(plans["doc_id"])}
    out = {}
    for row in plans.itertuples():
        own = [NATIONAL] + ([f"inferred-{_slug(row.province)}"] if isinstance(row.province, str) else [])
        refs = [(d, "template") for d in templates]
        refs += [(d, "inferred") for d in sorted(inferred) if d in own]
        refs += [(d, "plan") for d in sorted(related.get(row.doc_id, []), key=order.get)]
        out[row.doc_id] = refs
    return out


def align_plan(plan: str, refs: list[tuple[str, str]], clauses: dict[str, list[Clause]],
               partial: dict[str, bool], sides: dict[str, Side] | None = None, memo: Memo | None = None
               ) -> list[tuple[tuple | None, dict]]:
    """Per reference of one plan: its alignment block (templates and inferred ancestors, else
    None; see :func:`~compare.analysis.drift.alignment_block`) and its drift row.

    ``sides`` keeps each document's prepared clauses across calls (a document is a plan once
    and a reference many times); ``memo`` is the plan's memo of aligned wordings (see
    :func:`~compare.analysis.align.aligned`).
    """
    sides = {} if sides is None else sides
    memo = Memo() if memo is None else memo
    for doc in [plan] + [ref for ref, _ in refs]:
        if doc not in sides:
            sides[doc] = Side(clauses[doc])
    own = sides[plan]
    out = []
    for ref, kind in refs:
        a = aligned(sides[ref], own, memo)
        # plan-to-plan pairs feed similarity only; their clause pairs stay out of the alignments
        block = alignment_block(a, plan, ref, sides[ref], own) if kind != "plan" else None
        row = drift_row(a, plan, ref, sides[ref], own)
        row["reference_kind"] = kind
        is_partial = partial.get(ref)
        row["reference_is_partial"] = (bool(is_partial) if kind == "template" and not pd.isna(is_partial)
                                       else kind == "inferred")
        out.append((block, row))
    return out


def _align_batch(work: list[tuple[str, list[tuple[str, str]], str | None]], clauses: dict[str, list[Clause]],
                 partial: dict[str, bool], cache_folder=None) -> list[tuple[list[tuple[tuple | None, dict]], list]]:
    """Align a batch of plans, each with the references listed for it; per plan, its results
    and notes on cache entries that could not be used. Clause texts travel back as ids (the
    caller puts the shared text objects back). With a cache, each plan's memo of aligned
    wordings is read before and kept after (by the worker: memos never travel through the main
    process)."""
    from compare.cache import Cache

    cache = Cache(cache_folder)
    sides: dict[str, Side] = {}
    out = []
    for plan, refs, memo_key in work:
        memo = Memo(_memo_arrays(cache.get("memo", memo_key)) if memo_key else None)
        out.append((align_plan(plan, refs, clauses, partial, sides, memo), cache.notes))
        cache.notes = []
        if memo_key and memo.added:
            cache.put("memo", memo_key, memo.arrays())
    return out


def _memo_arrays(value) -> tuple | None:
    """A stored memo's arrays, or None when the entry does not hold seven arrays."""
    if isinstance(value, tuple) and len(value) == 7 and all(isinstance(a, np.ndarray) for a in value):
        return value
    return None


def drift_tables(measures: pd.DataFrame, documents: pd.DataFrame, *, progress: bool = False, jobs: int = 1,
                 clauses: dict[str, list[Clause]] | None = None, cache=None, clause_keys: dict[str, str] | None = None
                 ) -> tuple[dict[str, pd.DataFrame], dict]:
    """``alignments``, ``drift``, ``lineage`` and ``inferred_clauses``, plus figures for the build report.

    Each plan is aligned with every template, the national and its own province's inferred
    ancestors, and its :data:`RELATED_PLANS` most similar fellow plans (all of them in a small
    corpus). With ``jobs`` > 1, plans are aligned in parallel worker processes (joblib).
    ``clauses`` (from the build's per-document stage) saves making them again from ``measures``;
    ``clause_keys`` (from the same stage) name each document's clauses for the cache, which
    otherwise hashes them.

    With a ``cache`` (:class:`compare.cache.Cache`), a plan keeps its alignment with each
    reference while neither text changes: only the references that are new or changed since
    the last build are aligned (adding a plan changes the inferred texts and a few plans'
    related plans, not every reference of every plan), and wordings the plan met before are
    taken from its memo. The inferred ancestors and related plans are kept while no plan
    changes. ``cache.use()`` counts plans (``align``: every reference reused, or not), plan ×
    reference alignments (``align references``) and the inferred ancestors (``ancestors``).
    """
    from compare.cache import Cache
    from compare.parallel import release_memory, run_batches

    clauses = document_clauses(measures, documents) if clauses is None else clauses
    cache = cache or Cache(None)
    plan_rows = documents[documents["role"] == "plan"]
    plans = plan_rows["doc_id"].tolist()
    cached = cache.folder is not None  # results are kept between builds
    clause_keys = clause_keys or {}
    digest = {d: clause_keys.get(d) or _digest(cl) for d, cl in clauses.items()} if cached else {}
    # inferred ancestors and related plans depend on the plans' clauses alone: kept while no plan changes
    key = Cache.key("ancestors", [(p, province, digest[p]) for p, province in zip(plans, plan_rows["province"])]) \
        if cached else None
    found = cache.get("ancestors", key, shape=lambda v: isinstance(v, tuple) and len(v) == 3) if key else None
    if found is None:
        found = infer_ancestors(clauses, documents) + (related_plans(clauses, plans),)
        if key:
            cache.put("ancestors", key, found)
    inferred, inferred_rows, related = found
    similarity.cache_clear()  # pairs met while clustering are not the pairs alignment meets
    partial = dict(zip(documents["doc_id"], documents["is_partial"]))
    refs = reference_plan(documents, inferred, related)
    ref_clauses = {**clauses, **inferred}
    if cached:
        digest.update({d: _digest(cl) for d, cl in inferred.items()})

    def ref_key(ref: str, kind: str) -> tuple:
        return ref, kind, digest[ref], bool(partial.get(ref) is True)

    kept: dict[str, dict] = {}  # plan → {reference key: (block, drift row)} from the last build
    work = []
    for p in plans:
        if cached:
            kept[p] = cache.get("align", Cache.key("align", p, digest[p]), count=False,
                                shape=lambda v: isinstance(v, dict)) or {}
        missing = [(r, k) for r, k in refs[p] if not cached or ref_key(r, k) not in kept[p]]
        cache.count("align", reused=not missing)
        cache.count("align references", reused=len(refs[p]) - len(missing), built=len(missing))
        if missing:
            # wordings the plan met before are not aligned again (its memo, kept while its own clauses are unchanged)
            work.append((p, missing, Cache.key("memo", p, digest[p]) if cached else None))
    # plans of one province share their inferred text and mostly their related plans: batched
    # together, each batch sends workers far fewer reference clauses (results do not depend on it)
    province = dict(zip(documents["doc_id"], documents["province"].fillna("")))
    work.sort(key=lambda w: province.get(w[0], ""))
    fresh = run_batches(_align_batch, work, lambda batch: ({d: ref_clauses[d] for d in _needed(batch)}, partial,
                                                           cache.folder),
                        jobs=jobs, progress=progress, desc="Aligning plans with references", unit="plan",
                        release=True)
    new = {p: dict(zip(missing, result)) for (p, missing, _), (result, _) in zip(work, fresh)}
    cache.notes += [n for _, notes in fresh for n in notes]
    del fresh
    blocks, drift_rows = [], []
    for p in plans:
        results = [new[p][(r, k)] if (r, k) in new.get(p, {}) else kept[p][ref_key(r, k)] for r, k in refs[p]]
        if p in new and cached:  # only this build's references are kept
            cache.put("align", Cache.key("align", p, digest[p]),
                      {ref_key(r, k): result for (r, k), result in zip(refs[p], results)})
        blocks += [b for b, _ in results if b is not None]
        drift_rows += [row for _, row in results]
    del kept, new
    release_memory()
    alignments = alignments_table(blocks, ref_clauses)
    del blocks
    drift = drift_table(drift_rows)
    lineage = lineage_table(documents, drift)
    figures = {}
    fragments = {NATIONAL: _national_template(documents)}
    for ref in inferred:
        if ref != NATIONAL:
            fragments[ref] = _provincial_template(documents, ref)
    for ref, template in fragments.items():
        if ref in inferred and template:
            v = validate_inferred(inferred[ref], clauses.get(template, []))
            figures[f"{ref} vs {template}"] = v
    return {"alignments": alignments, "drift": drift, "lineage": lineage, "inferred_clauses": inferred_rows}, figures


def _digest(clauses: list[Clause]) -> str:
    h = hashlib.sha256()
    for c in clauses:
        h.update(f"{c.measure_id}\x1f{c.top}\x1f{c.text}\x1f{c.comp}\x1e".encode("utf-8"))
    return h.hexdigest()


def _needed(batch) -> set[str]:
    return {p for p, _, _ in batch} | {r for _, refs, _ in batch for r, _ in refs}


def _national_template(documents: pd.DataFrame) -> str | None:
    """The national template most cited by the plans (国发〔2015〕7号 here)."""
    t = documents[(documents["role"] == "template") & (documents["level"] == "national")]
    cites = [c for cs in documents.loc[documents["role"] == "plan", "cites"] for c in cs]
    ranked = sorted(t.itertuples(), key=lambda r: -cites.count(r.doc_number))
    return ranked[0].doc_id if ranked else None


def _provincial_template(documents: pd.DataFrame, inferred_id: str) -> str | None:
    t = documents[(documents["role"] == "template") & (documents["level"] == "provincial")]
    for row in t.itertuples():
        if isinstance(row.province, str) and f"inferred-{_slug(row.province)}" == inferred_id:
            return row.doc_id
    return None


def lineage_table(documents: pd.DataFrame, drift: pd.DataFrame) -> pd.DataFrame:
    """For every plan: cited documents, its nearest ancestor, the nearest template, the two
    closest plans, inferred ancestors.

    The *ancestor* is the template or plan issued no later than the plan (when both dates
    are known) that explains most of the plan's text (``explained_rate``): a parent's wording
    survives in its child more than a sibling's or a grandparent's does. A document explaining
    less than :data:`ANCESTOR_MIN_EXPLAINED` of the plan is not named: the plan has no known source.
    """
    number_of = {n: d for d, n in zip(documents["doc_id"], documents["doc_number"]) if isinstance(n, str)}
    issued = dict(zip(documents["doc_id"], _issue_dates(documents)))
    # plain rows per plan: a national corpus has thousands of plans, and per-plan frame
    # filtering costs milliseconds each
    by_plan: dict[str, list[tuple]] = defaultdict(list)
    if len(drift):
        for plan, *rest in zip(drift["doc_id"], drift["reference_doc_id"], drift["reference_kind"],
                               drift["copy_rate"].astype(float), drift["explained_rate"].astype(float)):
            by_plan[plan].append(tuple(rest))
    rows = []
    for plan, cites in zip(documents["doc_id"], documents["cites"]):
        if plan not in by_plan:
            continue
        refs = by_plan[plan]  # (reference, kind, copy rate, explained rate), in drift order
        score = {ref: copy for ref, _, copy, _ in refs}
        for k, n in enumerate([n for n in cites if n in number_of], start=1):
            rows.append((plan, number_of[n], "cited", score.get(number_of[n]), k))
        earlier = [(0.0 if np.isnan(explained) else explained, ref, copy) for ref, kind, copy, explained in refs
                   if kind in ("template", "plan") and not np.isnan(copy)
                   and _not_later(issued.get(ref), issued.get(plan))]
        earlier = [e for e in earlier if e[0] >= ANCESTOR_MIN_EXPLAINED]
        if earlier:
            best = max(earlier, key=lambda e: e[0])  # the first of equals
            rows.append((plan, best[1], "ancestor", best[2], 1))
        for kind, relation, top in (("template", "nearest", 1), ("plan", "relative", 2), ("inferred", "inferred", 9)):
            ranked = sorted(((ref, copy) for ref, k, copy, _ in refs if k == kind and not np.isnan(copy)),
                            key=lambda r: -r[1])  # stable: equal rates keep drift order
            for k, (ref, s) in enumerate(ranked[:top], start=1):
                rows.append((plan, ref, relation, s, k))
    return pd.DataFrame(rows, columns=list(schema.TABLES["lineage"].columns))


def _issue_dates(documents: pd.DataFrame) -> list:
    """Issue date of each document, else 1 January of its document number's year, else None."""
    from compare.read.metadata import doc_number_parts

    out = []
    for date, number in zip(documents["issued_date"], documents["doc_number"]):
        if date is not None and not pd.isna(date):
            out.append(pd.Timestamp(date).date())
            continue
        parts = doc_number_parts(number) if isinstance(number, str) else None
        out.append(pd.Timestamp(parts[1], 1, 1).date() if parts else None)
    return out


def _not_later(reference, plan) -> bool:
    return reference is None or plan is None or reference <= plan


def plan_similarity(drift: pd.DataFrame) -> pd.DataFrame:
    """Plans × plans: the mean of the two directional copy rates (1 = each contains the other)."""
    pp = drift[drift["reference_kind"] == "plan"]
    m = pp.pivot(index="doc_id", columns="reference_doc_id", values="copy_rate")
    names = sorted(set(m.index) | set(m.columns))
    m = m.reindex(index=names, columns=names)
    sym = (m + m.T) / 2
    for n in names:
        sym.loc[n, n] = 1.0
    return sym


# --------------------------------------------------------------------------- views for notebooks and reports
def resolve_reference(documents: pd.DataFrame, reference: str | None) -> str:
    """A reference by doc_id, ``inferred-…``, or ``national`` / empty for the national template the plans cite most."""
    if not reference or reference in ("national", "template"):
        found = _national_template(documents)
        if found is None:
            templates = documents.loc[documents["role"] == "template", "doc_id"]
            found = templates.iloc[0] if len(templates) else None
        if found is None:
            from compare.errors import CompareError

            raise CompareError("the corpus has no template to compare with; add one under data/raw/templates/ "
                               "or name another plan as the reference")
        return found
    return reference


def _top_headings(measures: pd.DataFrame) -> dict[str, str]:
    """measure_id → its top-level heading (前言 for the preamble)."""
    top = measures["section_path"].fillna("").str.split(" > ").str[0]
    return dict(zip(measures["measure_id"], top.where(top != "", "（前言）")))


def section_label_counts(alignments: pd.DataFrame, measures: pd.DataFrame, doc_id: str,
                         reference_doc_id: str) -> pd.DataFrame:
    """Top-level sections × edit labels for one plan against one reference (dropped clauses by the
    reference's section)."""
    from compare.schema import LABELS

    a = alignments[(alignments["doc_id"] == doc_id) & (alignments["reference_doc_id"] == reference_doc_id)]
    top = _top_headings(measures)
    section = [top.get(ids[0], "（前言）") if len(ids) else "（参照文本删去 dropped）" for ids in a["measure_ids"]]
    counts = pd.crosstab(pd.Series(section, name="section"), pd.Series(a["edit_label"].tolist(), name="edit_label"))
    order = list(dict.fromkeys(top.get(m) for m in measures.loc[measures["doc_id"] == doc_id, "measure_id"]))
    rows = [s for s in order if s in counts.index] + [s for s in counts.index if s not in order]
    return counts.reindex(index=rows, columns=[c for c in LABELS if c in counts.columns], fill_value=0)


def section_alignments(alignments: pd.DataFrame, measures: pd.DataFrame, doc_id: str, reference_doc_id: str,
                       section: str | None = None) -> pd.DataFrame:
    """Aligned pairs of one plan and reference, optionally only those in a top-level section of the
    plan whose heading contains ``section`` (dropped reference clauses are kept when no section is given)."""
    a = alignments[(alignments["doc_id"] == doc_id) & (alignments["reference_doc_id"] == reference_doc_id)]
    if not section:
        return a.reset_index(drop=True)
    top = _top_headings(measures)
    keep = [bool(len(ids)) and section in top.get(ids[0], "") for ids in a["measure_ids"]]
    return a[keep].reset_index(drop=True)
