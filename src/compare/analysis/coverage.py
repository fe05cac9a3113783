"""Coverage: which plans commit to what, how firmly, who leads it, and the clause that shows it.

A commitment (``resources/commitments.yaml``) is a rule applied to one clause at a time:
groups of words that must co-occur (``家庭 + 无障碍 + 改造`` in any order), words that
exclude a clause (``免费停车`` is a fee policy, not parking spaces), and optionally a figure
condition checked against the ``targets`` table (a figure in 张 of at least 200).

For every commitment × plan the coverage row says whether the plan covers it, how firmly:

* ``quantified`` — a matching clause carries a target figure (kind = target);
* ``specific`` — a matching clause names a concrete action (建设, 建立, 实施, 落实 …);
* ``general`` — it is only mentioned as intent (探索, 鼓励, 逐步, 推动 …);

the matching clauses (evidence), and the lead agencies of annex tasks matching the same rule.
Clauses under a heading that reviews the past (编制背景, 发展基础) are not commitments and
are not matched.
A commitment named only in the annex task table is covered too (``specific``: it is assigned
to a lead agency); its evidence is the task, marked （附件任务N）.

Ad-hoc commitments work the same way from a notebook::

    >>> c = commitment({"id": "bus", "match": {"any": ["免费乘车"]}})
    >>> c.matches("落实残疾人免费乘车政策")
    True
"""
from __future__ import annotations

from collections import defaultdict

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from compare import schema
from compare.config import RESOURCES_DIR, load_yaml
from compare.errors import CompareError

CODEBOOK = RESOURCES_DIR / "commitments.yaml"
STRENGTHS = ("quantified", "specific", "general")
_CONCRETE = re.compile(r"建设|新建|建立|建成|设立|实施|开展|完成|配备|提供|落实|纳入|改造|安排|培育|打造|给予|免费|补贴|资助|"
                       r"执行|设置|增加|举办|创建|扶持|保障|实现|确保|出台|制定|扩大|降低|办好|优先")
_INTENT = re.compile(r"探索|鼓励|逐步|积极|引导|倡导|推动|研究|争取|有条件的|支持|促进|加强|完善|深化|优化")


@dataclass(frozen=True)
class Commitment:
    """One entry of the codebook, compiled."""

    id: str
    label_zh: str
    label_en: str
    topic: str | None
    groups: tuple[tuple[str, ...], ...]
    exclude: tuple[str, ...] = ()
    target: dict = field(default_factory=dict, hash=False, compare=False)

    def matches(self, text: str) -> bool:
        """Does one clause satisfy the word rule (not the figure condition)?"""
        if any(_contains(text, w) for w in self.exclude):
            return False
        return all(any(_contains(text, w) for w in group) for group in self.groups)

    def mask(self, texts: pd.Series) -> pd.Series:
        """:meth:`matches` for a whole column at once."""
        hit = pd.Series(False, index=texts.index)
        hit.iloc[self.matching(texts.astype("string").fillna("").tolist())] = True
        return hit

    def matching(self, texts: list[str]) -> list[int]:
        """Positions of the texts that satisfy the word rule: one regular expression per word
        group, each tried only on the texts that passed the groups before it."""
        groups, exclude = _compiled(self)
        idx = range(len(texts))
        for rx in groups:
            idx = [i for i in idx if rx.search(texts[i])]
            if not idx:
                return []
        return [i for i in idx if not exclude.search(texts[i])] if exclude is not None else list(idx)

    def task_figure_ok(self, text: str) -> bool:
        """Does a figure in an annex task's text meet the figure condition (always true without one)?"""
        if not self.target:
            return True
        from compare.extract.targets import find_figures

        figs = pd.DataFrame([{"unit": f.unit, "value": f.value} for f in find_figures(text)], columns=["unit", "value"])
        return self.figure_ok(figs)

    def figure_ok(self, figures: pd.DataFrame) -> bool:
        """Does one of the clause's figures meet the figure condition (always true without one)?"""
        if not self.target:
            return True
        f = figures
        if "unit" in self.target:
            f = f[f["unit"] == self.target["unit"]]
        if "min" in self.target:
            f = f[f["value"] >= self.target["min"]]
        if "max" in self.target:
            f = f[f["value"] <= self.target["max"]]
        return not f.empty


@lru_cache(maxsize=None)
def _compiled(c: Commitment) -> tuple[tuple[re.Pattern, ...], re.Pattern | None]:
    return (tuple(re.compile(_alternation(g)) for g in c.groups),
            re.compile(_alternation(c.exclude)) if c.exclude else None)


def _alternation(words) -> str:
    return "|".join(f"(?:{w[3:]})" if w.startswith("re:") else re.escape(w) for w in words)


def _contains(text: str, word: str) -> bool:
    return bool(re.search(word[3:], text)) if word.startswith("re:") else word in text


def commitment(spec: dict | list | str, *, source: str = "ad hoc") -> Commitment:
    """A :class:`Commitment` from a codebook entry, or from a plain keyword list for ad-hoc use.

    ``["免费乘车", "免费乘坐"]`` means: a clause containing any of these words.
    """
    if isinstance(spec, str):
        spec = [spec]
    if isinstance(spec, list):
        spec = {"id": "custom", "label": {"zh": "、".join(spec)}, "match": {"any": spec}}
    try:
        cid = str(spec["id"])
        match = spec.get("match") or {}
        groups = [tuple(map(str, g)) for g in match.get("all", [])]
        if match.get("any"):
            groups.append(tuple(map(str, match["any"])))
        if not groups:
            raise CompareError(f"{source}: commitment '{cid}' has no match words (give match: any or all)")
        for word in (w for g in groups for w in g):
            if word.startswith("re:"):
                re.compile(word[3:])
        label = spec.get("label") or {}
        if isinstance(label, str):
            label = {"zh": label}
        return Commitment(cid, str(label.get("zh", cid)), str(label.get("en", label.get("zh", cid)))
                          , spec.get("topic"), tuple(groups), tuple(map(str, match.get("none", []))),
                          dict(spec.get("target") or {}))
    except KeyError as exc:
        raise CompareError(f"{source}: a commitment lacks the field {exc}") from exc
    except re.error as exc:
        raise CompareError(f"{source}: a regular expression in commitment '{spec.get('id')}' is invalid: {exc}") from exc


@lru_cache(maxsize=4)
def _load(path: str) -> tuple[Commitment, ...]:
    p = Path(path)
    try:
        data = load_yaml(p.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise CompareError(f"{p}: the codebook is not valid YAML ({exc})") from exc
    items = [commitment(spec, source=p.name) for spec in data.get("commitments") or []]
    ids = [c.id for c in items]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise CompareError(f"{p.name}: commitment ids used twice: {', '.join(dup)}")
    return tuple(items)


def codebook(path: str | Path = CODEBOOK) -> list[Commitment]:
    """The commitments of a codebook file (default: the package's ``commitments.yaml``)."""
    return list(_load(str(path)))


def clause_strength(text: str, has_target: bool) -> str:
    """quantified, specific or general for one matching clause (see the module doc)."""
    if has_target:
        return "quantified"
    return "specific" if _CONCRETE.search(text) else "general"


def match_commitment(c: Commitment, measures: pd.DataFrame, targets: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every clause matching ``c``, with its strength: a slice of ``measures`` plus ``strength``.

    Clauses reporting the past (only baseline figures, in a review section) still match;
    their strength comes from their wording, never from a baseline figure.
    """
    hits = _clause_hits(c, measures["text"].astype("string").fillna("").tolist(), measures["measure_id"].tolist(),
                        target_figures(targets))
    if not hits:
        return measures.iloc[[]].assign(strength=pd.Series(dtype="string"))
    return measures.iloc[[i for i, _ in hits]].assign(strength=[s for _, s in hits])


def _clause_hits(c: Commitment, texts: list[str], measure_ids: list[str], figures: dict[str, pd.DataFrame]
                 ) -> list[tuple[int, str]]:
    """``(position, strength)`` of every clause matching ``c``, its figure condition included."""
    out = []
    for i in c.matching(texts):
        if c.target and not c.figure_ok(figures.get(measure_ids[i], _NO_FIGURES)):
            continue
        out.append((i, clause_strength(texts[i], measure_ids[i] in figures)))
    return out


_NO_FIGURES = pd.DataFrame(columns=["unit", "value"])


def target_figures(targets: pd.DataFrame | None) -> dict[str, pd.DataFrame]:
    """Target figures (kind = target) by measure_id."""
    if targets is None or targets.empty:
        return {}
    firm = targets.loc[targets["kind"] == "target", ["measure_id", "unit", "value"]]
    return {k: g for k, g in firm.groupby("measure_id", sort=False)}


def coverage_table(measures: pd.DataFrame, documents: pd.DataFrame, targets: pd.DataFrame | None = None,
                   tasks: pd.DataFrame | None = None, agencies: pd.DataFrame | None = None,
                   commitments: list[Commitment] | None = None) -> pd.DataFrame:
    """One row per commitment × plan (covered or not), commitments in codebook order, plans by id."""
    commitments = codebook() if commitments is None else commitments
    from compare.extract.targets import in_review_section

    plans = documents.loc[documents["role"] == "plan", "doc_id"].tolist()
    # a review of past achievements (编制背景, 发展基础) is not a commitment
    measures = measures[measures["doc_id"].isin(plans) & ~measures["section_path"].map(in_review_section).astype(bool)]
    functions = {}  # (plan, agency name) → function: a name's function is read with its own plan's places
    if agencies is not None and not agencies.empty:
        functions = dict(zip(zip(agencies["doc_id"], agencies["agency_name"]), agencies["agency_function"]))
    figures = target_figures(targets)
    # plain records: the loops below run commitments × clauses and commitments × plans times
    doc_ids, measure_ids = measures["doc_id"].tolist(), measures["measure_id"].tolist()
    texts = measures["text"].astype("string").fillna("").tolist()
    task_recs = (list(zip(tasks["doc_id"], tasks["task_no"], tasks["task"], tasks["lead_agencies"]))
                 if tasks is not None and not tasks.empty else [])
    task_texts = [rec[2] for rec in task_recs]
    rows = []
    for c in commitments:
        hits_by_doc: dict[str, list[tuple]] = defaultdict(list)
        for i, strength in _clause_hits(c, texts, measure_ids, figures):
            hits_by_doc[doc_ids[i]].append((measure_ids[i], strength, texts[i]))
        tasks_by_doc: dict[str, list[tuple]] = defaultdict(list)
        for i in c.matching(task_texts):  # the rule, a word group at a time over all tasks; then the figure
            if c.task_figure_ok(task_texts[i]):
                tasks_by_doc[task_recs[i][0]].append(task_recs[i][1:])
        for doc_id in plans:
            h, t = hits_by_doc.get(doc_id, []), tasks_by_doc.get(doc_id, [])
            leads = list(dict.fromkeys(a for _, _, names in t for a in names))
            covered = bool(h or t)
            if h:
                strength = next(s for s in STRENGTHS if any(x[1] == s for x in h))
                evidence_text = next(x[2] for x in h if x[1] == strength)
            elif covered:  # only an annex task names it: a concrete assignment with a lead
                strength, evidence_text = "specific", f"（附件任务{t[0][0]}）{t[0][1]}"
            else:
                strength = evidence_text = None
            rows.append({
                "commitment_id": c.id, "commitment_label": c.label_zh, "commitment_label_en": c.label_en,
                "topic": c.topic, "doc_id": doc_id, "is_covered": covered, "strength": strength,
                "has_lead_agency": bool(covered and leads), "lead_agencies": leads if covered else [],
                "lead_functions": list(dict.fromkeys(f for a in leads
                                                     if isinstance(f := functions.get((doc_id, a)), str) and f))
                if covered else [],  # an agency the alias file does not know has no function (NA)
                "evidence_measure_ids": [x[0] for x in h],
                "evidence_text": evidence_text,
                "evidence_task_nos": [str(x[0]) for x in t] if covered else [],
            })
    return pd.DataFrame(rows, columns=schema.columns("coverage"))


def in_codebook_order(frames: list[pd.DataFrame], commitments: list[Commitment] | None = None) -> pd.DataFrame:
    """Coverage rows built for a few plans at a time, put together as :func:`coverage_table` orders
    them: commitments in codebook order, then plans in the order of ``frames``."""
    commitments = codebook() if commitments is None else commitments
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=schema.columns("coverage"))
    out = pd.concat(frames, ignore_index=True)
    rank = {c.id: k for k, c in enumerate(commitments)}
    order = np.argsort(out["commitment_id"].map(rank).to_numpy(), kind="stable")
    return out.iloc[order].reset_index(drop=True)




def coverage_matrix(coverage: pd.DataFrame, *, value: str = "strength", label: str = "commitment_label") -> pd.DataFrame:
    """Commitments × plans, each cell the strength ('' when not covered), in codebook order."""
    order = list(dict.fromkeys(coverage[label]))
    m = coverage.pivot(index=label, columns="doc_id", values=value).reindex(order)
    return m.fillna("") if value == "strength" else m


def select(coverage: pd.DataFrame, documents: pd.DataFrame, *, plans=(), commitments=(), topics=()) -> pd.DataFrame:
    """Rows of ``coverage`` for some plans (doc_ids or place names), commitment ids and topics."""
    from compare.analysis.select import as_list, resolve_docs

    commitments, topics = as_list(commitments), as_list(topics)
    out = coverage[coverage["doc_id"].isin(resolve_docs(documents, plans))]
    if commitments:
        unknown = sorted(set(commitments) - set(coverage["commitment_id"]))
        if unknown:
            raise CompareError(f"unknown commitment ids: {', '.join(unknown)} (see resources/commitments.yaml)")
        out = out[out["commitment_id"].isin(commitments)]
    if topics:
        unknown = sorted(set(topics) - set(coverage["topic"].dropna()))
        if unknown:
            raise CompareError(f"unknown topics: {', '.join(unknown)} (see resources/topics.yaml)")
        out = out[out["topic"].isin(topics)]
    return out.reset_index(drop=True)


def ad_hoc_coverage(spec, measures: pd.DataFrame, documents: pd.DataFrame, targets: pd.DataFrame | None = None,
                    tasks: pd.DataFrame | None = None, agencies: pd.DataFrame | None = None, *,
                    plans=()) -> pd.DataFrame:
    """Coverage rows for one commitment given in a notebook (a rule dict or a keyword list), for
    ``plans`` (doc_ids or place names; empty: every plan)."""
    from compare.analysis.select import as_list, resolve_docs

    if isinstance(spec, str):
        spec = as_list(spec)
    keep = resolve_docs(documents, plans)
    chosen = documents[documents["doc_id"].isin(keep)]
    rows = coverage_table(measures, chosen, targets, tasks, agencies,
                          commitments=[commitment(spec)])
    return rows.reset_index(drop=True)
