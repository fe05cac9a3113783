"""What a report reader calls things: documents by name, codes by term, columns by header.

Tables hold ids and codes (``chaoyang-2017``, ``verbatim``, ``>=``); a policy office reads
place names, doc numbers and Chinese words. Everything a report shows passes through here:

- :func:`doc_names`: plans by place (东城区), templates by doc number (with the short title when
  ``long``), inferred ancestors as 推断的全国共同文本 / 推断的北京市共同文本;
- :func:`term`: a code in words, from ``resources/report_terms.yaml``;
- :func:`reader_frame`: a view's frame with codes in words and headers in the report's language.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from compare.config import RESOURCES_DIR
from compare.schema import LIST_SEPARATOR

#: Languages a report can be made in.
LANGUAGES = ("zh", "en")
#: Shown for a code that has no term (never the code itself).
MISSING = "—"


@lru_cache(maxsize=1)
def _terms() -> dict:
    import yaml

    return yaml.safe_load((RESOURCES_DIR / "report_terms.yaml").read_text(encoding="utf-8"))


def language(lang: str) -> str:
    """``lang`` when a report can be made in it; else a CompareError naming the choices."""
    from compare.errors import CompareError

    if lang not in LANGUAGES:
        raise CompareError(
            f"unknown report language {lang!r}; choose among: {', '.join(LANGUAGES)}"
        )
    return lang


def term(kind: str, code, lang: str = "zh") -> str:
    """The reader's word for one code of a kind:
    ``term("edit_label", "verbatim")`` → 原文照录.
    Missing values give an empty string; a code without a term gives :data:`MISSING`."""
    if code is None or (not isinstance(code, (str, bool)) and pd.isna(code)):
        return "" if kind != "strength" else _terms()["codes"]["strength"][""][language(lang)]
    entry = _terms()["codes"][kind].get(str(code))
    return entry[language(lang)] if entry else MISSING


def header(column: str, lang: str = "zh") -> str:
    """The header of a view column (``copy_rate`` → 沿用率)."""
    entry = _terms()["columns"].get(column)
    return entry[language(lang)] if entry else column


def style_definitions(lang: str = "zh") -> dict[str, str]:
    """Implementation style term → its definition, in the order of the rules."""
    styles = _terms()["styles"]
    return {term("implementation_style", k, lang): v[language(lang)] for k, v in styles.items()}


def method_notes(*reports: str, lang: str = "zh") -> list[str]:
    """The 方法说明 paragraphs of one or more reports (``method_notes("overview", "drift")``):
    what their figures mean and their limits, then the note common to every report."""
    notes = _terms()["method"]
    own = [n for r in reports for n in notes.get(r, {}).get(language(lang), [])]
    return [*own, *notes["common"][language(lang)]]


def _place(row) -> str | None:
    for col in ("county", "prefecture", "province"):
        v = row.get(col)
        if isinstance(v, str) and v:
            return v
    return None


def doc_names(documents: pd.DataFrame, lang: str = "zh", *, long: bool = False) -> dict[str, str]:
    """doc_id → the name a reader knows, for every document and every inferred ancestor.

    Plans: their place (county, else prefecture, else province); two plans of one place get
    their doc number (or year) after it. Templates: their doc number, with 《title》 when
    ``long``; their title when they have no number. Inferred ancestors:
    推断的全国共同文本, or 推断的<province>共同文本 for each province of the corpus.
    Unknown ids keep no name here: callers use :func:`name_of`.
    """
    from compare.analysis.ancestors import NATIONAL, inferred_id

    names: dict[str, str] = {}
    rows = documents.to_dict("records")
    places = [_place(r) for r in rows]
    counts = pd.Series([p for p, r in zip(places, rows) if r["role"] == "plan"]).value_counts()
    for row, place in zip(rows, places):
        number = row["doc_number"] if isinstance(row["doc_number"], str) else None
        title = row["title"] if isinstance(row["title"], str) else None
        if row["role"] == "plan" and place:
            name = place
            if counts.get(place, 0) > 1:
                year = row["issued_date"].year if pd.notna(row["issued_date"]) else None
                name = f"{place}（{number or year or row['doc_id']}）"
        elif number:
            name = f"{number}《{title}》" if long and title else number
        else:
            name = title or place or row["doc_id"]
        names[row["doc_id"]] = name
    inferred = _terms()["inferred"]
    names[NATIONAL] = inferred["national"][language(lang)]
    for province in documents["province"].dropna().unique():
        wording = inferred["province"][language(lang)]
        names[inferred_id(province)] = wording.format(province=province)
    return names


def name_of(names: dict[str, str], doc_id) -> str:
    """A document's name from :func:`doc_names`; an id it does not know stays as given."""
    if doc_id is None or (not isinstance(doc_id, str) and pd.isna(doc_id)):
        return ""
    return names.get(doc_id, doc_id)


def reader_frame(
    frame: pd.DataFrame,
    lang: str = "zh",
    *,
    codes: dict[str, str] | None = None,
    names: dict[str, str] | None = None,
    named: tuple[str, ...] = (),
) -> pd.DataFrame:
    """A view's frame as a reader sees it: ``codes`` columns (column → code kind) in words,
    the ``named`` columns of doc_ids as ``names`` (:func:`doc_names`), lists joined with 、,
    missing values blank, numbers kept as numbers, and headers in ``lang``."""
    out = frame.copy()
    for col, kind in (codes or {}).items():
        out[col] = [term(kind, v, lang) for v in out[col]]
    for col in named:
        out[col] = [_join(v, names or {}) for v in out[col]]
    out = join_lists(out)
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
        if pd.api.types.is_bool_dtype(out[col]):
            out[col] = [term("boolean", v, lang) for v in out[col]]
        if not pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].astype(object).where(out[col].notna(), "")
    out.columns = [header(c, lang) for c in out.columns]
    return out.reset_index(drop=True)


def join_lists(frame: pd.DataFrame) -> pd.DataFrame:
    """List cells as text joined with 、 (for HTML tables and Excel)."""
    out = frame.copy()
    for col in out.columns:
        if any(isinstance(v, (list, tuple, np.ndarray)) for v in out[col]):
            out[col] = [_join(v) for v in out[col]]
    return out


def _join(value, names: dict[str, str] | None = None) -> str:
    """A list cell as text joined with 、 (names mapped when given); a scalar as text."""
    if isinstance(value, (list, tuple, np.ndarray)):
        items = list(value)
        return LIST_SEPARATOR.join(name_of(names, v) if names else str(v) for v in items)
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return name_of(names, value) if names else value
