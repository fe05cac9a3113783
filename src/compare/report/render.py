"""Reader tables, findings and method notes as HTML fragments for the report notebooks.

pandas' own HTML shows an index column, cuts long cells with ``...`` and hides the middle rows
of a long table; a policy office needs none of that. :func:`table_html` writes every row and
every character (escaped: document text is untrusted), folds a long table under a line that
gives its row count, and turns a table too wide for A4 portrait on its side (or splits it into
column groups), so a printed page never cuts columns off.
"""

from __future__ import annotations

import html
import math

import pandas as pd

#: Rows shown open; a longer table is folded (``<details>``) under its row count.
FOLD_AFTER = 25
#: Columns that fit A4 portrait; a wider table is transposed (few rows) or split.
MAX_COLUMNS = 8


def cell_text(value) -> str:
    """A cell as a reader reads it: blanks for missing values, whole numbers without ``.0``,
    other numbers to two decimals."""
    if value is None or (
        not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)
    ):
        return ""
    if isinstance(value, float):
        return f"{value:.0f}" if value.is_integer() else f"{value:.2f}"
    return str(value)


def _table(frame: pd.DataFrame, numeric: set[str]) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for values in frame.itertuples(index=False, name=None):
        cells = []
        for col, v in zip(frame.columns, values):
            css = ' class="num"' if col in numeric else ""
            cells.append(f"<td{css}>{html.escape(cell_text(v))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<table class="reader"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _fit(frame: pd.DataFrame, max_columns: int) -> list[pd.DataFrame]:
    """Frames that fit the page: as they are; transposed when wide with few rows (the first
    column becomes the header); else split into column groups that repeat the first column."""
    if len(frame.columns) <= max_columns:
        return [frame]
    if len(frame) < max_columns:
        first = frame.columns[0]
        side = frame.set_index(first).T
        side.columns = [cell_text(c) for c in side.columns]
        return [side.rename_axis(first).reset_index()]
    first, rest = frame.columns[0], list(frame.columns[1:])
    per = max_columns - 1
    groups = math.ceil(len(rest) / per)
    return [frame[[first, *rest[i * per : (i + 1) * per]]] for i in range(groups)]


def table_html(
    frame: pd.DataFrame,
    *,
    fold_after: int = FOLD_AFTER,
    max_columns: int = MAX_COLUMNS,
    empty: str = "（无）",
) -> str:
    """A reader's table as HTML: no index, every row and character, numbers right-aligned.
    ``fold_after``: rows shown open (a longer table is folded under 共 N 行); ``max_columns``:
    the widest table kept as it is. An empty frame gives the ``empty`` line."""
    if frame.empty:
        return f'<p class="empty">{html.escape(empty)}</p>'
    parts = []
    for part in _fit(frame, max_columns):
        numeric = {c for c in part.columns if pd.api.types.is_numeric_dtype(part[c])}
        parts.append(_table(part, numeric))
    body = "".join(parts)
    if len(frame) > fold_after:
        return (
            f'<details class="fold"><summary>共 {len(frame)} 行（点击展开）</summary>'
            f"{body}</details>"
        )
    return body


def list_html(items: list[str], css: str = "findings") -> str:
    """Sentences as a bulleted list (escaped)."""
    if not items:
        return ""
    lis = "".join(f"<li>{html.escape(s)}</li>" for s in items)
    return f'<ul class="{css}">{lis}</ul>'


def summary_html(
    findings: list[str],
    notes: list[str],
    definitions: dict[str, str] | None = None,
    *,
    lang: str = "zh",
) -> str:
    """The top of a report: its findings in sentences, then the 方法说明 (method notes, and the
    definitions of the terms it uses)."""
    heading = ("主要发现", "方法说明") if lang == "zh" else ("Findings", "Method")
    out = [f"<h2>{heading[0]}</h2>", list_html(findings)]
    method = [*notes]
    if definitions:
        sep = "：" if lang == "zh" else ": "
        method += [f"{k}{sep}{v}" for k, v in definitions.items()]
    out.append(f'<div class="method"><h3>{heading[1]}</h3>{list_html(method, "notes")}</div>')
    return "".join(out)


def note(text: str) -> str:
    """A line that says how to read the chart or table below it (escaped)."""
    return f'<p class="note">{html.escape(text)}</p>'


def heading(zh: str, en: str, lang: str = "zh", level: int = 2) -> str:
    """A section heading in the report's language."""
    return f"<h{level}>{html.escape(zh if lang == 'zh' else en)}</h{level}>"


def show(fragment_or_frame, **options) -> None:
    """Display a reader table (a frame, through :func:`table_html`) or an HTML fragment in a
    notebook."""
    from IPython.display import HTML, display

    if isinstance(fragment_or_frame, pd.DataFrame):
        fragment_or_frame = table_html(fragment_or_frame, **options)
    display(HTML(fragment_or_frame))
