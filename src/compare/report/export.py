"""Self-contained HTML from executed notebooks, and Excel workbooks of the tables behind them.

The HTML is for readers on networks without internet access: code cells are hidden, images
and the font are embedded as data URIs (:mod:`compare.report.fonts`: a Chinese font cut to the
page's characters), and nothing is loaded from elsewhere — no scripts at all, no CDN
stylesheets. Printed (or saved as PDF) it is A4 portrait, headed by its title on every page.

Document text is untrusted (a scraped page can carry markup in its title). Three guards:

1. it reaches a page only as escaped text (:func:`text_html`, pandas tables, stream output,
   the redline); notebooks never build Markdown from it;
2. the finished page body goes through an allow-list sanitiser (:func:`sanitize`, ammonia
   through ``nh3``): only layout tags, no event handlers, images only as embedded data,
   links only within the reports folder;
3. the page itself forbids every request and script with a Content-Security-Policy
   (:data:`CSP`), so even markup that slipped through could load nothing.

Workbooks hold text as text: a cell that begins with ``=`` is a string, never a formula.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

from compare.normalize import strip_control_chars

from compare.report.terms import join_lists

FONT_STACK = (
    '"Compare CJK", "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", '
    '"Hiragino Sans GB", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "SimHei", sans-serif'
)
CSS = f"""
body {{ font-family: {FONT_STACK}; margin: 0; color: #1a1a1a; background: #fafafa;
        line-height: 1.6; }}
header {{ background: #08306b; color: #fff; padding: 14px 32px; }}
header a {{ color: #c6dbef; margin-right: 18px; }}
main {{ max-width: 1180px; margin: 0 auto; padding: 16px 32px 48px; background: #fff; }}
h1 {{ font-size: 26px; }}
h2 {{ font-size: 20px; border-bottom: 2px solid #deebf7; padding-bottom: 4px; margin-top: 32px; }}
table {{ border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; }}
th, td {{ border: 1px solid #d9d9d9; padding: 4px 8px; vertical-align: top; text-align: left; }}
thead th {{ background: #f0f5fb; }}
tbody tr:nth-child(even) {{ background: #fafcff; }}
img {{ max-width: 100%; height: auto; }}
pre {{ white-space: pre-wrap; font-family: {FONT_STACK}; background: #f7f7f7; padding: 8px; }}
.jp-OutputPrompt, .jp-InputPrompt, .prompt {{ display: none; }}
footer {{ color: #737373; font-size: 12px; margin-top: 32px; }}
.redline-table {{ border-collapse: collapse; width: 100%; table-layout: fixed; font-size: 14px;
                  line-height: 1.6; }}
.redline-table td, .redline-table th {{ border: 1px solid #ddd; padding: 4px 8px;
                                       vertical-align: top; }}
del {{ background: #fde0dc; color: #a50e0e; text-decoration: line-through; }}
ins {{ background: #d7f5dd; color: #0b6b1f; text-decoration: none; }}
td.num {{ text-align: right; }}
table.reader {{ max-width: 100%; }}
table.reader td {{ overflow-wrap: anywhere; }}
table.reader th, table.reader td {{ min-width: 4.5em; }}
ul.findings li {{ margin: 4px 0; }}
.method {{ background: #f7f9fc; border-left: 4px solid #c6dbef; padding: 4px 16px; margin: 12px 0;
           font-size: 13px; color: #333; }}
details.fold summary {{ cursor: pointer; color: #08519c; margin: 8px 0; }}
p.made {{ color: #737373; font-size: 12px; margin: 0 0 8px; }}
p.note {{ color: #525252; font-size: 13px; margin: 4px 0 8px; }}
@page {{ size: A4; margin: 18mm 12mm 16mm; }}
@media print {{
  header {{ display: none; }}
  body {{ background: #fff; }}
  main {{ max-width: none; padding: 0; }}
  h1, h2, h3, p.note {{ break-after: avoid; }}  /* a note stays with its chart */
  img, figure, tr, li, .jp-OutputArea-output:has(img) {{ break-inside: avoid; }}
  img {{ max-height: 240mm; object-fit: contain; }}
  thead {{ display: table-header-group; }}
  table {{ font-size: 11px; }}
  details.fold > summary {{ display: none; }}
  details.fold::details-content {{ content-visibility: visible; display: contents; }}
}}
"""

#: The page may load nothing and run nothing: images and fonts only when embedded in the page
#: (data: URIs), styles only its own. Forms, frames, plug-ins and base URLs are all refused.
CSP = (
    "default-src 'none'; img-src data:; font-src data:; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'; frame-src 'none'; object-src 'none'"
)

#: Tags a report body may hold: text, headings, lists, tables, images. Nothing that runs,
#: embeds, plays or submits (script, iframe, object, embed, video, audio, form, svg, math, link).
ALLOWED_TAGS = {
    "a",
    "b",
    "blockquote",
    "br",
    "caption",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "details",
    "figure",
    "figcaption",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "li",
    "ol",
    "p",
    "pre",
    "small",
    "span",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "*": {"class", "id", "title", "lang", "style"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "details": {"open"},
    "th": {"colspan", "rowspan"},
    "table": {"border"},
}
#: Inline style properties kept (the redline's colours, table layout): none of them takes a URL.
ALLOWED_STYLES = {
    "color",
    "background-color",
    "text-decoration",
    "text-align",
    "vertical-align",
    "font-weight",
    "font-size",
    "font-style",
    "line-height",
    "width",
    "min-width",
    "max-width",
    "height",
    "padding",
    "margin",
    "border",
    "border-collapse",
    "table-layout",
    "white-space",
}
_DATA_IMAGE = re.compile(r"data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*\Z")
#: A link target inside the reports folder: a relative path or an anchor, never a scheme.
_LOCAL_LINK = re.compile(
    r"(?:#[\w\-.:]*|(?:\.\./|\./)?[\w\-./\u3400-\u9fff]+\.(?:html|xlsx|pdf)(?:#[\w\-.:]*)?)\Z"
)


#: Tag of notebook cells meant for the notebook's user only, left out of every report.
NOTEBOOK_ONLY = "notebook-only"


def notebook_body(nb_path: str | Path) -> str:
    """The outputs and prose of an executed notebook as an HTML fragment (no code, no prompts)."""
    import nbformat
    from nbconvert import HTMLExporter

    from nbconvert.preprocessors import TagRemovePreprocessor

    nb = nbformat.read(str(nb_path), as_version=4)
    exporter = HTMLExporter(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        anchor_link_text="",
    )
    # notes for the notebook's user (how to set parameters) are not for the report's reader
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags={NOTEBOOK_ONLY}), enabled=True
    )
    body, _ = exporter.from_notebook_node(nb)
    return re.sub(r' id="cell-id=[^"]*"', "", body)  # papermill gives its injected cell a random id


def text_html(text: str, tag: str = "p") -> str:
    """Document text as an HTML element holding it as text only: ``text_html("<b>", "h2")`` →
    ``<h2>&lt;b&gt;</h2>``. Notebooks show titles, issuers and headings through this (or a
    table), never through Markdown, which would make markup in the text live."""
    return f"<{tag}>{html.escape(strip_control_chars(str(text)))}</{tag}>"


def _attribute(tag: str, name: str, value: str) -> str | None:
    """Keep an attribute only when it can load nothing from elsewhere (see :data:`CSP`)."""
    if name == "src":
        return value if tag == "img" and _DATA_IMAGE.match(value) else None
    if name == "href":
        return value if _LOCAL_LINK.match(value) else None
    return value


@lru_cache(maxsize=1)
def _cleaner():
    import nh3

    return nh3.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_attribute,
        clean_content_tags={"script", "style", "template", "noscript", "textarea", "xmp", "title"},
        url_schemes={"data"},
        link_rel=None,
        strip_comments=True,
        filter_style_properties=ALLOWED_STYLES,
    )


def sanitize(fragment: str) -> str:
    """An HTML fragment with everything but layout removed: tags outside :data:`ALLOWED_TAGS`
    (their text is kept, except inside script and style), event handlers, style properties outside
    :data:`ALLOWED_STYLES`, and any URL other than an embedded image or a link within the
    reports folder."""
    return _cleaner().clean(fragment)


def page(
    title: str,
    body: str,
    *,
    nav: list[tuple[str, str]] = (),
    footer: str = "",
    made: str = "",
    embed_font: bool = True,
    lang: str = "zh",
) -> str:
    """A complete offline HTML page around ``body`` (sanitised); ``title``, link texts, ``made``
    (the line saying when and from what the page was made) and ``footer`` are escaped. Printed,
    each A4 page is headed by the title and numbered. ``embed_font``: carry a Chinese font cut
    to the page's characters (:mod:`compare.report.fonts`)."""
    links = "".join(
        f'<a href="{html.escape(href, quote=True)}">{html.escape(text)}</a>' for text, href in nav
    )
    made_line = f'<p class="made">{html.escape(strip_control_chars(made))}</p>' if made else ""
    content = (
        f"<header>{sanitize(links)}</header><main>{made_line}{sanitize(body)}"
        f"<footer>{html.escape(strip_control_chars(footer))}</footer></main>"
    )
    font = ""
    if embed_font:
        from compare.report.fonts import font_face_css

        font = font_face_css(title + content)
    margins = (
        f"@page {{ @top-center {{ content: {css_string(title)}; font-size: 9px; "
        f'color: #555; }} @bottom-right {{ content: counter(page) " / " counter(pages); '
        f"font-size: 9px; color: #555; }} }}"
    )
    code = "zh-CN" if lang == "zh" else "en"
    return (
        f'<!DOCTYPE html>\n<html lang="{code}"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f'<meta name="referrer" content="no-referrer">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(strip_control_chars(title))}</title>"
        f"<style>{font}{CSS}{margins}</style></head><body>{content}</body></html>\n"
    )


def css_string(text: str) -> str:
    """Text as a quoted CSS string that cannot end the string or the style element: quotes,
    backslashes, angle brackets and line breaks are written as CSS escapes."""
    out = []
    for c in strip_control_chars(str(text)):
        out.append(f"\\{ord(c):x} " if c in '"\\<>&\n\r' or ord(c) < 0x20 else c)
    return '"' + "".join(out) + '"'


def write_workbook(frames: dict[str, pd.DataFrame], path: str | Path) -> Path:
    """One sheet per table (Chinese headers as given), widths fitted, long text wrapped, the
    header row frozen and filters on every column."""
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
                elif not pd.api.types.is_numeric_dtype(
                    out[col]
                ):  # openpyxl refuses control characters
                    out[col] = out[col].map(
                        lambda v: strip_control_chars(v) if isinstance(v, str) else v
                    )
            out.to_excel(writer, sheet_name=sheet, index=False)
            ws = writer.sheets[sheet]
            _text_not_formulas(ws)
            ws.freeze_panes = "A2"
            if len(out.columns):  # a filter on every column, as a reader sorts and picks rows
                ws.auto_filter.ref = ws.dimensions
            for cell in ws[1]:
                cell.font = Font(bold=True)
                cell.fill = PatternFill("solid", fgColor="DEEBF7")
            for i, col in enumerate(out.columns, start=1):
                longest = max(
                    [_width(str(col))]
                    + [_width(str(v)) for v in out[col].head(200) if v is not None]
                )
                width = min(max(8, longest + 2), 60)
                ws.column_dimensions[get_column_letter(i)].width = width
                if longest > 60:
                    for row in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                        for cell in row:
                            cell.alignment = Alignment(wrap_text=True, vertical="top")
    return path


def _text_not_formulas(ws) -> None:
    """Every text cell of a sheet stays text: openpyxl makes a string that begins with ``=`` a
    formula (``=HYPERLINK(…)`` in a task cell would be live); it is stored as a string instead."""
    for row in ws.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"


def _width(text: str) -> int:
    """Display width: CJK characters count double."""
    return sum(2 if ord(c) > 0x2E80 else 1 for c in text)
