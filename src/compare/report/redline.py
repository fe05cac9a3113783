"""Redlines: a reference clause and the plan's wording side by side, deletions struck
through and insertions marked, as escaped HTML (document text never becomes markup)."""

from __future__ import annotations

import html

import pandas as pd

_DEL = "background-color:#fde0dc;color:#a50e0e;text-decoration:line-through"
_INS = "background-color:#d7f5dd;color:#0b6b1f;text-decoration:none"


def diff_segments(a: str, b: str) -> list[tuple[int, str]]:
    """Character-level diff of two display texts: ``(op, text)`` with op -1 deleted, 0 kept,
    1 inserted."""
    from diff_match_patch import diff_match_patch

    dmp = diff_match_patch()
    dmp.Diff_Timeout = 2.0
    diffs = dmp.diff_main(a or "", b or "")
    dmp.diff_cleanupSemantic(diffs)
    return [(op, text) for op, text in diffs]


def redline_html(reference_text: str | None, plan_text: str | None, *, inline: bool = False) -> str:
    """A redline of two clauses as HTML; all document text is escaped.

    Side by side (default): the reference with deletions struck through in red on the left,
    the plan with insertions in green on the right. ``inline=True`` gives one paragraph.
    """
    segs = diff_segments(_text(reference_text), _text(plan_text))
    esc = html.escape

    def render(ops):
        return "".join(
            esc(s)
            if op == 0
            else f'<{"del" if op < 0 else "ins"} style="{_DEL if op < 0 else _INS}">'
            f"{esc(s)}</{'del' if op < 0 else 'ins'}>"
            for op, s in segs
            if op in ops
        )

    if inline:
        return f'<p class="redline">{render((-1, 0, 1))}</p>'
    cell = "vertical-align:top;padding:4px 8px;border:1px solid #ddd"
    return (
        '<table class="redline" style="border-collapse:collapse;width:100%;table-layout:fixed">'
        f'<tr><td style="{cell}">{render((-1, 0))}</td>'
        f'<td style="{cell}">{render((0, 1))}</td></tr></table>'
    )


def _text(value) -> str:
    return "" if value is None or pd.isna(value) else str(value)


def alignments_redline_html(
    alignments: pd.DataFrame,
    *,
    reference_title: str = "对照文件",
    plan_title: str = "方案",
    lang: str = "zh",
) -> str:
    """Side-by-side redline of many aligned pairs (rows of ``alignments``), with the edit in the
    reader's words (``lang``) and the similarity."""
    from compare.report.terms import header, term

    esc = html.escape
    head = (
        f'<thead><tr><th style="width:12%">{esc(header("edit_label", lang))}</th>'
        f"<th>{esc(reference_title)}</th><th>{esc(plan_title)}</th></tr></thead>"
    )
    rows = []
    for r in alignments.itertuples():
        segs = diff_segments(_text(r.reference_text), _text(r.plan_text))
        left = "".join(
            esc(s) if op == 0 else f'<del style="{_DEL}">{esc(s)}</del>'
            for op, s in segs
            if op <= 0
        )
        right = "".join(
            esc(s) if op == 0 else f'<ins style="{_INS}">{esc(s)}</ins>'
            for op, s in segs
            if op >= 0
        )
        sim = (
            ""
            if pd.isna(r.similarity) or r.edit_label in ("added", "dropped")
            else f"<br>{r.similarity:.2f}"
        )
        label = esc(term("edit_label", r.edit_label, lang))
        rows.append(f"<tr><td>{label}{sim}</td><td>{left}</td><td>{right}</td></tr>")
    style = "border-collapse:collapse;width:100%;table-layout:fixed;font-size:14px;line-height:1.6"
    cell = "{border:1px solid #ddd;padding:4px 8px;vertical-align:top;text-align:left}"
    return (
        f"<style>.redline-table td{cell}.redline-table th{cell}</style>"
        f'<table class="redline-table" style="{style}">{head}<tbody>'
        + "".join(rows)
        + "</tbody></table>"
    )
