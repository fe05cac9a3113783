"""Self-contained HTML from executed notebooks, and Excel workbooks of the tables behind them.

The HTML is for readers on networks without internet access: code cells are hidden, images
are embedded as data URIs, and nothing is loaded from elsewhere — no scripts at all, no
web fonts, no CDN stylesheets. The page uses the reader's Chinese system fonts
(Microsoft YaHei, PingFang, Noto Sans CJK, WenQuanYi …). Document text reaches the page
only through escaping (pandas tables, stream output, the redline), and every ``<script>``
element that a notebook output might carry is removed as a second guard.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd

from compare.report.views import join_lists

FONT_STACK = ('"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", '
              '"WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "SimHei", sans-serif')
CSS = f"""
body {{ font-family: {FONT_STACK}; margin: 0; color: #1a1a1a; background: #fafafa; line-height: 1.6; }}
header {{ background: #08306b; color: #fff; padding: 14px 32px; }}
header a {{ color: #c6dbef; margin-right: 18px; }}
main {{ max-width: 1180px; margin: 0 auto; padding: 16px 32px 48px; background: #fff; }}
h1 {{ font-size: 26px; }} h2 {{ font-size: 20px; border-bottom: 2px solid #deebf7; padding-bottom: 4px; margin-top: 32px; }}
table {{ border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; }}
th, td {{ border: 1px solid #d9d9d9; padding: 4px 8px; vertical-align: top; text-align: left; }}
thead th {{ background: #f0f5fb; }}
tbody tr:nth-child(even) {{ background: #fafcff; }}
img {{ max-width: 100%; height: auto; }}
pre {{ white-space: pre-wrap; font-family: {FONT_STACK}; background: #f7f7f7; padding: 8px; }}
.jp-OutputPrompt, .jp-InputPrompt, .prompt {{ display: none; }}
footer {{ color: #737373; font-size: 12px; margin-top: 32px; }}
"""
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.S | re.I)
_EXTERNAL = re.compile(r"""<(?:link|script|img|iframe)\b[^>]*\b(?:href|src)\s*=\s*["']?(?:https?:)?//""", re.I)


def notebook_body(nb_path: str | Path) -> str:
    """The outputs and prose of an executed notebook as an HTML fragment (no code, no prompts)."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(str(nb_path), as_version=4)
    exporter = HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True, anchor_link_text="")
    body, _ = exporter.from_notebook_node(nb)
    body = re.sub(r' id="cell-id=[^"]*"', "", body)  # papermill gives its injected cell a random id
    return _SCRIPT.sub("", body)


def page(title: str, body: str, *, nav: list[tuple[str, str]] = (), footer: str = "") -> str:
    """A complete offline HTML page around ``body``; ``title`` and link texts are escaped."""
    links = "".join(f'<a href="{html.escape(href, quote=True)}">{html.escape(text)}</a>' for text, href in nav)
    doc = (f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
           f'<meta name="viewport" content="width=device-width, initial-scale=1">'
           f'<title>{html.escape(title)}</title><style>{CSS}</style></head>'
           f'<body><header>{links}</header><main>{body}'
           f'<footer>{html.escape(footer)}</footer></main></body></html>\n')
    external = _EXTERNAL.search(doc)
    if external:  # a notebook output pointed off-machine: refuse rather than ship a page that needs the network
        raise ValueError(f"the page '{title}' would load an external resource: {external.group(0)[:80]}")
    return doc


def write_workbook(frames: dict[str, pd.DataFrame], path: str | Path) -> Path:
    """One sheet per table (Chinese headers as given), widths fitted, long text wrapped."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, df in frames.items():
            sheet = re.sub(r"[\[\]:*?/\\]", "", name)[:31] or "sheet"
            out = join_lists(df)
            for col in out.columns:
                if pd.api.types.is_datetime64_any_dtype(out[col]):
                    out[col] = out[col].dt.strftime("%Y-%m-%d")
            out.to_excel(writer, sheet_name=sheet, index=False)
            ws = writer.sheets[sheet]
            ws.freeze_panes = "A2"
            for cell in ws[1]:
                cell.font = Font(bold=True)
                cell.fill = PatternFill("solid", fgColor="DEEBF7")
            for i, col in enumerate(out.columns, start=1):
                longest = max([_width(str(col))] + [_width(str(v)) for v in out[col].head(200) if v is not None])
                width = min(max(8, longest + 2), 60)
                ws.column_dimensions[get_column_letter(i)].width = width
                if longest > 60:
                    for row in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                        for cell in row:
                            cell.alignment = Alignment(wrap_text=True, vertical="top")
    return path


def _width(text: str) -> int:
    """Display width: CJK characters count double."""
    return sum(2 if ord(c) > 0x2E80 else 1 for c in text)
