"""Fitted references: the corpus-wide products every plan is aligned with, fitted once and then
applied to any plan (scikit-learn's fit/transform pattern).

A *fit* holds

* the **inferred ancestors** (:mod:`compare.analysis.ancestors`) and their support rows;
* the **related-plan model**: TF-IDF over each plan's distinct clause wordings (scikit-learn's
  ``TfidfVectorizer``; its vocabulary and idf weights), which places any plan, fitted or new,
  among its most similar fellow plans (:func:`related_plans`).

It is kept in its own folder (``compare build`` uses ``<out>/references/``)::

    manifest.json   fit id, when it was made, code version, corpus hash, and the plans and
                    templates it was fitted on (a digest of each)
    model.entry     the fit, as checked data (the build cache's format: reading it runs nothing)

A build **reuses** the last fit while the code and the templates are unchanged and at most
``share`` (default :data:`REFIT_SHARE`) of the fitted plans were added, changed or removed since;
otherwise, or when asked (``--refit``), it **fits again**. A fit is an input like the raw files:
a build given the same fit and the same files gives the same tables, and its report names the
fit it used.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from compare.analysis.ancestors import infer_ancestors
from compare.analysis.index import Clause
from compare.errors import CompareError

#: Share of the fitted plans that may be added, changed or removed before a build fits the
#: references again. Below it, new plans are placed among the others by the fitted model but
#: do not enter the inferred ancestors until the next fit (``compare build --refit``).
REFIT_SHARE = 0.1
#: Fellow plans each plan is aligned with (the most similar ones; all of them in a small corpus).
RELATED_PLANS = 5
#: Neighbours asked for beyond the ``k`` needed, so that ties at the k-th go to the earlier plan.
TIE_MARGIN = 5
#: Wordings shared by more plans than this (or a quarter of them, if more) say nothing about a
#: plan's family: the related-plan model leaves them out.
COMMON_WORDING_PLANS = 50
MANIFEST = "manifest.json"
MODEL = "model.entry"
FORMAT = 1


class FitError(CompareError):
    """Saved references that cannot be used (missing, damaged, of another format)."""


@dataclass
class Fit:
    """A fitted reference model: inferred ancestors and the related-plan model, with its
    manifest (what it was fitted on)."""

    inferred: dict[str, list[Clause]]
    inferred_rows: pd.DataFrame
    vocabulary: list[str]
    idf: np.ndarray
    manifest: dict = field(default_factory=dict)

    @property
    def fit_id(self) -> str:
        return self.manifest["fit_id"]


@dataclass(frozen=True)
class FitChoice:
    """Where a build finds its fitted references and when it fits them again.

    ``folder``: the last fit, read and (when fitted again) replaced; None fits every build and
    keeps nothing. ``refit``: fit again whatever changed. ``share``: fit again when more than
    this share of the fitted plans were added, changed or removed. ``fixed``: use the fit in
    ``folder`` as given (an input chosen by the user): never fitted again nor written.
    """

    folder: Path | None = None
    refit: bool = False
    share: float = REFIT_SHARE
    fixed: bool = False


# --------------------------------------------------------------------------- fitting
def corpus_digests(documents: pd.DataFrame) -> tuple[dict[str, str], dict[str, str]]:
    """A digest of each plan and each template (file content, role and province), by doc_id."""
    out: dict[str, dict[str, str]] = {"plan": {}, "template": {}}
    for row in documents.itertuples():
        if row.role in out:
            province = row.province if isinstance(row.province, str) else ""
            key = f"{row.content_sha256}\x1f{row.role}\x1f{province}"
            out[row.role][row.doc_id] = hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]
    return out["plan"], out["template"]


def fit(clauses: dict[str, list[Clause]], documents: pd.DataFrame) -> Fit:
    """Fit the references on a corpus: infer its ancestors, fit the related-plan model."""
    from compare.parallel import code_version

    plans, templates = corpus_digests(documents)
    inferred, rows = infer_ancestors(clauses, documents)
    vocabulary, idf = _fit_related(clauses, list(plans))
    corpus = hashlib.sha256(
        json.dumps([sorted(plans.items()), sorted(templates.items())]).encode()
    ).hexdigest()
    manifest = {
        "format": FORMAT,
        "fit_id": hashlib.sha256(f"{code_version()}\x1f{corpus}".encode()).hexdigest(),
        "fitted_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "code_version": code_version(),
        "corpus_hash": corpus,
        "plans": plans,
        "templates": templates,
    }
    return Fit(inferred, rows, vocabulary, idf, manifest)


def _vectorizer(**kw):
    """TF-IDF over a plan's distinct wordings (a plan is given as its list of wordings)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        analyzer=_as_given, binary=True, norm="l2", smooth_idf=True, dtype=np.float64, **kw
    )


def _as_given(wordings: list[str]) -> list[str]:
    return wordings


def _wordings(clauses: list[Clause]) -> list[str]:
    """A plan's distinct clause wordings long enough to say something (8+ characters)."""
    return list(dict.fromkeys(c.comp for c in clauses if len(c.comp) >= 8))


def _fit_related(
    clauses: dict[str, list[Clause]], plans: list[str]
) -> tuple[list[str], np.ndarray]:
    """Vocabulary (column order) and idf weights of the related-plan model."""
    common = max(COMMON_WORDING_PLANS, len(plans) // 4)
    try:
        model = _vectorizer(max_df=common).fit([_wordings(clauses.get(p, [])) for p in plans])
    except ValueError:  # no wording to fit on (no plan, or every wording common)
        return [], np.zeros(0)
    vocabulary = sorted(model.vocabulary_, key=model.vocabulary_.get)
    return vocabulary, np.asarray(model.idf_, dtype=np.float64)


def transform(model: Fit, plans: list[list[str]]):
    """Plans (each its list of distinct wordings) as rows of the fitted TF-IDF: 1 × idf for each
    wording the fit knows, each row scaled to unit length (a sparse matrix).

    Exactly what the fitted ``TfidfVectorizer(binary=True, norm="l2")`` gives (a test holds
    them equal), without importing scikit-learn, which takes longer than the product itself."""
    from scipy import sparse

    column = {w: j for j, w in enumerate(model.vocabulary)}
    rows, cols = [], []
    for r, wordings in enumerate(plans):
        found = sorted({column[w] for w in wordings if w in column})
        cols += found
        rows += [r] * len(found)
    idf = np.asarray(model.idf, dtype=np.float64)
    values = idf[np.asarray(cols, dtype=np.int64)]
    x = sparse.csr_matrix((values, (rows, cols)), shape=(len(plans), len(column)))
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    return sparse.diags(1.0 / np.where(norms > 0, norms, 1.0)) @ x


def related_plans(
    model: Fit, clauses: dict[str, list[Clause]], plans: list[str], k: int = RELATED_PLANS
) -> dict[str, list[str]]:
    """For each plan, the ``k`` plans sharing most of its wording, most similar first.

    Plans (those fitted and any new one) are placed by the fitted model: vectors of their
    distinct wordings weighted by rarity (tf-idf; wordings the fit never saw count for nothing),
    and their nearest neighbours by cosine found by scikit-learn's ``NearestNeighbors`` (brute
    force over the sparse vectors). Ties go to the earlier plan: a few more neighbours than
    needed are asked for and sorted again, and a plan whose last one still ties is ranked
    against every plan. Plans sharing no wording are not related. In a corpus of at most
    ``k + 1`` plans, every other plan is related.
    """
    n = len(plans)
    if n <= k + 1:
        return {p: [q for q in plans if q != p] for p in plans}
    if not model.vocabulary:
        return {p: [] for p in plans}
    from sklearn.neighbors import NearestNeighbors

    x = transform(model, [_wordings(clauses.get(p, [])) for p in plans])
    asked = min(n, k + 1 + TIE_MARGIN)
    found = NearestNeighbors(n_neighbors=asked, metric="cosine", algorithm="brute").fit(x)
    distance, index = found.kneighbors(x)
    out: dict[str, list[str]] = {}
    for r in range(n):
        similarity = np.round(1.0 - distance[r], 9)
        ranked = sorted((-s, j) for s, j in zip(similarity, index[r]) if j != r and s > 0)
        if asked < n and len(ranked) >= k and similarity.min() >= -ranked[k - 1][0]:
            # the last neighbour asked for ties with the k-th: more may tie, rank against all
            row = np.round((x[r] @ x.T).toarray().ravel(), 9)
            ranked = sorted((-s, j) for j, s in enumerate(row) if j != r and s > 0)
        out[plans[r]] = [plans[j] for _, j in ranked[:k]]
    return out


# --------------------------------------------------------------------------- reuse
def refit_reason(manifest: dict, documents: pd.DataFrame, share: float = REFIT_SHARE) -> str | None:
    """Why the fit described by ``manifest`` must not be reused for ``documents`` (a sentence),
    or None when it may be."""
    from compare.parallel import code_version

    plans, templates = corpus_digests(documents)
    if manifest.get("code_version") != code_version():
        return "the program has changed since it was fitted"
    if manifest.get("templates") != templates:
        return "a template was added, changed or removed"
    fitted = manifest.get("plans") or {}
    changed = sum(fitted.get(p) != d for p, d in plans.items()) + len(set(fitted) - set(plans))
    if changed > share * max(1, len(fitted)):
        return (
            f"{changed} of its {len(fitted)} plans were added, changed or removed "
            f"(more than {share:.0%})"
        )
    return None


def choose(
    choice: FitChoice, clauses: dict[str, list[Clause]], documents: pd.DataFrame
) -> tuple[Fit, dict]:
    """The fit a build uses, and what the build report says of it (fit id, date, plans, whether
    it was reused or fitted, and why). Saves a new fit in ``choice.folder`` unless fixed."""
    reason, note = "there was no earlier fit", None
    if choice.fixed:
        model = load(choice.folder)  # the user's choice: a fit that cannot be read is an error
        used = _use(model, "given", None)
        changed = refit_reason(model.manifest, documents, choice.share)
        if changed:
            used["note"] = f"the corpus differs from the one it was fitted on: {changed}"
        return model, used
    if choice.refit:
        reason = "--refit was given"
    elif choice.folder is not None and (choice.folder / MANIFEST).exists():
        try:
            model = load(choice.folder)
        except FitError as exc:
            reason, note = "the saved fit could not be used", str(exc)
        else:
            reason = refit_reason(model.manifest, documents, choice.share)
            if reason is None:
                return model, _use(model, "reused", None)
    model = fit(clauses, documents)
    if choice.folder is not None:
        save(model, choice.folder)
    used = _use(model, "fitted", reason)
    if note:
        used["note"] = note
    return model, used


def _use(model: Fit, action: str, reason: str | None) -> dict:
    m = model.manifest
    out = {
        "fit_id": m["fit_id"][:16],
        "fitted_at": m["fitted_at"],
        "plans": len(m["plans"]),
        "action": action,
    }
    if reason:
        out["reason"] = reason
    return out


# --------------------------------------------------------------------------- storing
def save(model: Fit, folder: Path) -> None:
    """Write the fit into ``folder``: the model first, the manifest last, each file replaced
    whole (a build killed between the two leaves a manifest the model does not match, which
    :func:`load` refuses)."""
    from compare.cache import encode
    from compare.store import writing_error

    folder = Path(folder)
    value = {
        "inferred": model.inferred,
        "inferred_rows": model.inferred_rows,
        "vocabulary": model.vocabulary,
        "idf": model.idf,
    }
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _replace(folder / MODEL, encode(model.fit_id, value))
        text = json.dumps(model.manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        _replace(folder / MANIFEST, text.encode("utf-8"))
    except OSError as exc:
        raise CompareError(writing_error(folder, exc)) from exc


def _replace(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def load(folder: Path) -> Fit:
    """The fit saved in ``folder``; :class:`FitError` saying why not."""
    from compare.cache import CacheEntryError, decode

    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        data = (folder / MODEL).read_bytes()
    except (OSError, ValueError) as exc:
        raise FitError(f"{folder}: no readable fitted references ({type(exc).__name__})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise FitError(f"{folder}: the fitted references are of another format")
    fit_id = str(manifest.get("fit_id", ""))
    if len(fit_id) != 64 or not all(c in "0123456789abcdef" for c in fit_id):
        raise FitError(f"{folder}: the manifest of the fitted references is damaged")
    try:
        value = decode(fit_id, data)
    except CacheEntryError as exc:
        raise FitError(f"{folder}/{MODEL}: {exc}") from exc
    try:
        model = Fit(
            inferred={str(k): list(v) for k, v in value["inferred"].items()},
            inferred_rows=value["inferred_rows"],
            vocabulary=[str(w) for w in value["vocabulary"]],
            idf=np.asarray(value["idf"], dtype=np.float64),
            manifest=manifest,
        )
        ok = (
            all(isinstance(c, Clause) for cs in model.inferred.values() for c in cs)
            and isinstance(model.inferred_rows, pd.DataFrame)
            and len(model.idf) == len(model.vocabulary)
            and isinstance(manifest.get("plans"), dict)
            and isinstance(manifest.get("fitted_at"), str)
        )
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise FitError(f"{folder}/{MODEL}: holds something other than fitted references") from exc
    if not ok:
        raise FitError(f"{folder}/{MODEL}: holds something other than fitted references")
    return model
