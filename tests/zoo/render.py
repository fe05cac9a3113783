"""The zoo's plans in the media users bring: Word, a government web page, PDFs printed by
Chromium (ruled, unruled, narrow wrapped cells, two columns) and by reportlab, LibreOffice's
PDF of the Word file, text copies (tab-separated or space-aligned table cells) and scans.

Every file is made at test time from :mod:`tests.zoo.plans`; randomness (skew, speckle) is
seeded, so the same rendering is the same file each run.
"""
from __future__ import annotations

import html
import io
import re
import shutil
import subprocess
import tempfile
import unicodedata
from pathlib import Path

from tests.zoo.plans import Plan, Table

_TABLE = re.compile(r"^\[\[table:(\w+)\]\]$")


def _kind(line: str) -> tuple[str, str]:
    """What a mark-up line is (centre, right, heading, box, endbox, page, table, para) and its
    text (the table's name for a table)."""
    for mark, kind in (("^ ", "centre"), ("> ", "right"), ("# ", "heading")):
        if line.startswith(mark):
            return kind, line[len(mark):]
    if line in ("[[box]]", "[[/box]]", "[[page]]"):
        return {"[[box]]": "box", "[[/box]]": "endbox", "[[page]]": "page"}[line], ""
    m = _TABLE.match(line)
    if m:
        return "table", m.group(1)
    return "para", line


# --------------------------------------------------------------------------- text
def width(text: str) -> int:
    """Columns ``text`` takes in a fixed-width font (CJK and full-width characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _spaced_rows(table: Table, gap: int = 6) -> list[str]:
    """A table as a text copy prints it: cells padded with spaces to aligned columns; an
    indicator table's number runs into its indicator (``1.城乡残疾人…增长      >7.5%``)."""
    rows = [table.header, *table.rows]
    if "指标" in table.header:
        rows = [(f"{r[0]} {r[1]}",) + r[2:] for r in rows[:1]] + [
            (f"{r[0]}.{r[1]}",) + r[2:] for r in rows[1:]
        ]
    widths = [max(width(r[k]) for r in rows) for k in range(len(rows[0]))]
    out = []
    for row in rows:
        cells = [c + " " * (w - width(c) + gap) for c, w in zip(row, widths)]
        out.append("".join(cells).rstrip())
    return out


def plain_text(plan: Plan, cells: str = "tab") -> str:
    """The plan as a plain text file: one line per paragraph, table rows one a line with their
    cells separated by a tab (``cells="tab"``, as copied out of Word) or by runs of spaces
    aligning the columns (``cells="spaces"``, as a text copy of a printed page)."""
    out: list[str] = []
    for line in plan.lines:
        kind, text = _kind(line)
        if kind == "table":
            table = plan.tables[text]
            if cells == "tab":
                out += ["\t".join(r) for r in (table.header, *table.rows)]
            else:
                out += _spaced_rows(table)
        elif kind in ("box", "endbox", "page"):
            continue
        else:
            out.append(text)
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- Word
def write_docx(plan: Plan, path: Path) -> Path:
    """A Word file as an office types the plan: centred title lines, bold headings, a 专栏
    box as a one-cell bordered table, tables as real Word tables with grid lines."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document = docx.Document()
    box = None
    for line in plan.lines:
        kind, text = _kind(line)
        if kind == "page":
            document.add_page_break()
        elif kind == "box":
            box = document.add_table(rows=1, cols=1)
            box.style = "Table Grid"
            box.cell(0, 0).paragraphs[0].text = ""
        elif kind == "endbox":
            box = None
        elif kind == "table":
            table = plan.tables[text]
            grid = document.add_table(rows=0, cols=len(table.header))
            grid.style = "Table Grid"
            for row in (table.header, *table.rows):
                for cell, value in zip(grid.add_row().cells, row):
                    cell.text = value
        elif box is not None:
            cell = box.cell(0, 0)
            paragraph = cell.paragraphs[0] if not cell.paragraphs[0].text else cell.add_paragraph()
            paragraph.add_run(text).bold = paragraph is cell.paragraphs[0]
        else:
            paragraph = document.add_paragraph()
            paragraph.add_run(text).bold = kind in ("heading", "centre")
            if kind == "centre":
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            elif kind == "right":
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    document.save(path)
    return path


# --------------------------------------------------------------------------- HTML
#: Table styles of the printed variants: ruled (grid lines), unruled (no lines at all),
#: wrapped (ruled, narrow: every long cell wraps over several lines).
_TABLE_CSS = {
    "ruled": "table{border-collapse:collapse;width:100%} td,th{border:1px solid #000;padding:3px}",
    "unruled": "table{border-collapse:collapse;width:100%} td,th{border:none;padding:3px 6px}",
    "wrapped": "table{border-collapse:collapse;width:72%} td,th{border:1px solid #000;"
               "padding:2px;font-size:10.5pt}",
}


def _article(plan: Plan, *, columns: bool = False) -> str:
    """The plan's text as an HTML article: paragraphs, centred and right-aligned lines, bold
    headings, boxes as bordered blocks, tables as ``<table>`` with column widths."""
    parts: list[str] = []
    for line in plan.lines:
        kind, text = _kind(line)
        text_html = html.escape(text)
        if kind == "table":
            table = plan.tables[text]
            total = sum(table.widths)
            cols = "".join(f'<col style="width:{100 * w / total:.0f}%">' for w in table.widths)
            head = "".join(f"<td>{html.escape(c)}</td>" for c in table.header)
            body = "".join(
                "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                for row in table.rows
            )
            parts.append(
                f"<table>{cols}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
            )
        elif kind == "page":
            parts.append('<div class="page"></div>')
        elif kind == "box":
            parts.append('<div class="box">')
        elif kind == "endbox":
            parts.append("</div>")
        elif kind == "centre":
            parts.append(f'<p class="centre"><strong>{text_html}</strong></p>')
        elif kind == "right":
            parts.append(f'<p class="right">{text_html}</p>')
        elif kind == "heading":
            parts.append(f"<p><strong>{text_html}</strong></p>")
        else:
            parts.append(f"<p>{text_html}</p>")
    style = ' style="column-count:2;column-gap:2em"' if columns else ""
    return f'<div id="zoom"{style}>' + "\n".join(parts) + "</div>"


_BASE_CSS = (
    "body{font-family:'WenQuanYi Micro Hei','Noto Sans CJK SC',sans-serif;font-size:12pt;"
    "line-height:1.6} p{margin:0 0 .4em;text-indent:2em} p.centre{text-align:center;"
    "text-indent:0} p.right{text-align:right} .box{border:1px solid #000;padding:4px 8px;"
    "margin:6px 0;break-inside:avoid} .page{break-before:page} @page{size:A4;margin:22mm 20mm}"
)


def web_page(plan: Plan) -> str:
    """The plan as a government web site publishes it: head, navigation, breadcrumbs and footer
    around the article; tables ruled."""
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>{html.escape(plan.title)}_政策文件_政府信息公开</title>
<style>{_BASE_CSS} {_TABLE_CSS["ruled"]}</style>
<script>var _hmt = _hmt || []; var siteName = "首页";</script></head><body>
<div class="header"><a href="/">首页</a> | <a href="/zwgk">政务公开</a> | <a href="/bsfw">办事服务</a>
 | <a href="/hdjl">互动交流</a> | <span>无障碍浏览</span></div>
<div class="crumbs">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk">政务公开</a> &gt;
<a href="/zcwj">政策文件</a></div>
<div class="meta"><span>发布日期：见正文</span> <span>浏览次数：1024</span>
<span>字号：<a href="#">大</a> <a href="#">中</a> <a href="#">小</a></span></div>
<div class="article">{_article(plan)}</div>
<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a> 【打印本页】 【关闭窗口】</div>
<div class="footer">主办单位：人民政府办公室 网站标识码：0000000000 <a href="/map">网站地图</a>
 <a href="/lxwm">联系我们</a></div></body></html>"""


def print_page(plan: Plan, tables: str = "ruled", *, columns: bool = False) -> str:
    """The plan as a page to print (no site around it): A4, tables ``ruled``, ``unruled`` or
    ``wrapped``; ``columns``: the body set in two columns."""
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(plan.title)}
</title><style>{_BASE_CSS} {_TABLE_CSS[tables]}</style></head><body>
{_article(plan, columns=columns)}</body></html>"""


# --------------------------------------------------------------------------- PDF
def chromium_pdf(page_html: str, path: Path) -> Path:
    """``page_html`` printed to PDF by headless Chromium, as the project prints its reports."""
    from compare.report.pdf import write_pdf

    with tempfile.TemporaryDirectory(prefix="zoo-html-") as folder:
        source = Path(folder) / "page.html"
        source.write_text(page_html, encoding="utf-8")
        return write_pdf(source, path)


def reportlab_pdf(plan: Plan, path: Path) -> Path:
    """The plan printed by a second producer (reportlab, STSong-Light): paragraphs, boxes as
    one-cell ruled tables, tables ruled, with cells that wrap and rows that split at a page."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    body = ParagraphStyle("body", fontName="STSong-Light", fontSize=11.5, leading=18,
                          wordWrap="CJK", firstLineIndent=23, spaceAfter=2)
    styles = {
        "para": body,
        "heading": ParagraphStyle("heading", parent=body, fontSize=12.5),
        "centre": ParagraphStyle("centre", parent=body, alignment=TA_CENTER, fontSize=14,
                                 leading=22, firstLineIndent=0),
        "right": ParagraphStyle("right", parent=body, alignment=TA_RIGHT, firstLineIndent=0),
    }
    cell = ParagraphStyle("cell", fontName="STSong-Light", fontSize=9.5, leading=13,
                          wordWrap="CJK")
    grid = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
    story: list = []
    box: list | None = None
    for line in plan.lines:
        kind, text = _kind(line)
        if kind == "page":
            story.append(PageBreak())
        elif kind == "box":
            box = []
        elif kind == "endbox":
            frame = Table([[box]], colWidths=[450])
            frame.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.8, colors.black)]))
            story.append(frame)
            box = None
        elif kind == "table":
            table = plan.tables[text]
            total = sum(table.widths)
            data = [[Paragraph(html.escape(c), cell) for c in r]
                    for r in (table.header, *table.rows)]
            printed = Table(data, colWidths=[460 * w / total for w in table.widths], repeatRows=1,
                            splitInRow=1)
            printed.setStyle(TableStyle(grid))
            story.append(printed)
        elif box is not None:
            box.append(Paragraph(html.escape(text), styles["para"]))
        else:
            story.append(Paragraph(html.escape(text), styles[kind]))
    SimpleDocTemplate(str(path), pagesize=A4).build(story)
    return path


def soffice() -> str | None:
    """LibreOffice's command on this machine, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def libreoffice_pdf(docx_path: Path, path: Path) -> Path:
    """The Word file converted to PDF by LibreOffice (headless)."""
    with tempfile.TemporaryDirectory(prefix="zoo-lo-") as folder:
        subprocess.run(
            [soffice(), f"-env:UserInstallation=file://{folder}/profile", "--headless",
             "--convert-to", "pdf", "--outdir", folder, str(docx_path)],
            capture_output=True, timeout=300, check=True,
        )
        shutil.copyfile(Path(folder) / (docx_path.stem + ".pdf"), path)
    return path


def page_texts(pdf_path: Path) -> list[str]:
    """The text layer of each page of a PDF (what its scan shows)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        return [pdf[k].get_textpage().get_text_range() for k in range(len(pdf))]
    finally:
        pdf.close()


# --------------------------------------------------------------------------- scans
_DATE = re.compile(r"(?:19|20)\d\d年\d{1,2}月\d{1,2}日\s*$")


def scanned_pages(pdf_path: Path, pages: list[int], dpi: int, seed: int,
                  seal: str = "人民政府") -> list:
    """Pages of a printed PDF as a scanner gives them back: grey at ``dpi``, skewed by up to
    2°, speckled, softened, through JPEG compression, and the page bearing the signature
    date stamped with a red seal over it bearing ``seal`` (the issuer's name)."""
    import numpy as np
    import pypdfium2 as pdfium
    from PIL import Image

    from tests.helpers import degrade

    rng = np.random.default_rng(seed)
    texts = page_texts(pdf_path)
    pdf = pdfium.PdfDocument(str(pdf_path))
    out = []
    try:
        for k in pages:
            image = pdf[k].render(scale=dpi / 72).to_pil().convert("L")
            image = degrade(image, rng, float(rng.uniform(-2, 2)), speckle=0.002, blur=0.5)
            signed = [ln for ln in texts[k].splitlines() if _DATE.search(ln.strip())]
            if signed:
                image = _seal_over_date(image, pdf[k], signed[-1].strip(), dpi, seal)
            buffer = io.BytesIO()
            image.convert("RGB").save(buffer, "JPEG", quality=55)
            image = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
            image.info["dpi"] = (dpi, dpi)
            out.append(image)
    finally:
        pdf.close()
    return out


def _seal_over_date(image, page, date_line: str, dpi: int, seal: str):
    """``image`` with a red seal centred on where ``date_line`` is printed on ``page``."""
    from tests.helpers import stamp

    textpage = page.get_textpage()
    searcher = textpage.search(date_line[:6])
    found = searcher.get_next()
    height = page.get_height()
    if found is None:
        centre = (0.7 * image.width, 0.5 * image.height)
    else:
        left, bottom, right, top = textpage.get_charbox(found[0])
        centre = (left * dpi / 72 + 0.05 * image.width, (height - top) * dpi / 72)
    return stamp(image, centre, seal)


def write_scan_pdf(images: list, path: Path) -> Path:
    """An image-only PDF (no text layer) of scanned pages."""
    dpi = images[0].info.get("dpi", (200, 200))[0]
    images[0].save(path, save_all=True, append_images=images[1:], resolution=dpi)
    return path
