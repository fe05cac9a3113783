"""Writers for small fixture files in every format the reader accepts."""
from __future__ import annotations

import io
from pathlib import Path

import pandas as pd


def as_stored(frame: pd.DataFrame) -> pd.DataFrame:
    """A built table as it reads back from its files: text held once per distinct value in
    memory (a Categorical: the alignments' clause texts) is plain text there."""
    out = frame.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].astype("string")
    return out


def write_docx(path: Path, text: str, table_rows: list[list[str]] | None = None) -> Path:
    import docx

    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    if table_rows:
        table = document.add_table(rows=0, cols=len(table_rows[0]))
        for row in table_rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, row):
                cell.text = value
    document.save(path)
    return path


def write_pdf(path: Path, text: str | None) -> Path:
    """A PDF with a CJK text layer; ``text=None`` makes a page with only a drawing (a 'scan')."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    if text is None:
        c.rect(50, 50, 400, 600, fill=1)
    else:
        c.setFont("STSong-Light", 10)
        y = 800
        for line in text.splitlines():
            while line:
                chunk, line = line[:45], line[45:]
                c.drawString(40, y, chunk)
                y -= 14
                if y < 40:
                    c.showPage()
                    c.setFont("STSong-Light", 10)
                    y = 800
    c.showPage()
    c.save()
    path.write_bytes(buf.getvalue())
    return path


def html_page(text: str) -> str:
    paragraphs = "".join(f"<p>{line}</p>" for line in text.splitlines())
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>测试页面_某区政府网站</title>
<style>p {{ color: red }}</style><script>var tracking = "首页";</script></head>
<body><div class="nav"><a href="/">首页</a> &gt; <a href="/zw">政务公开</a> &gt; <a href="/wj">政策文件</a></div>
<div class="menu"><ul><li><a href="/a">机构概况</a></li><li><a href="/b">政务公开</a></li><li><a href="/c">办事服务</a></li></ul></div>
<div class="article"><div id="zoom">{paragraphs}</div></div>
<div class="footer">版权所有：某区人民政府 <a href="/map">网站地图</a></div></body></html>"""


#: Lead agencies the ruled-table fixture uses, one per row in turn (every one a known spelling).
RULED_LEADS = ["区民政局", "区残联", "区人力社保局", "区教委", "区卫生计生委", "区住房城乡建设委", "区财政局",
               "区发展改革委"]


def ruled_task_rows(n: int = 29) -> list[list[str]]:
    """``n`` rows of a 重点任务分工 table: number, a task long enough to wrap, lead, supporting, timeline."""
    rows = []
    for i in range(1, n + 1):
        lead = RULED_LEADS[i % len(RULED_LEADS)]
        support = "、".join([a for a in RULED_LEADS if a != lead][: 1 + i % 4])
        task = (f"落实第{i}项残疾人民生保障措施，完善困难残疾人生活补贴和重度残疾人护理补贴制度，"
                f"逐步提高补贴标准并建立动态调整机制")[: 30 + (i % 4) * 8]
        rows.append([str(i), task, lead, support, "2020年" if i % 2 else "持续实施"])
    return rows


def write_ruled_pdf(path: Path, text: str, rows: list[list[str]], split_row: int | None = None, *,
                    ruled: bool = True, valign: str = "TOP") -> Path:
    """A printed plan: ``text`` as paragraphs, then an annex 重点任务分工 as a table whose cells
    wrap over several lines and which runs over two or more pages (header repeated); ``ruled``:
    with grid lines (else cells are placed by position only), ``valign``: TOP or BOTTOM.

    ``split_row``: that row is cut by a page break, as printers do with a tall row: the first
    half of its task (and its other cells) end one page, the rest of the task opens the next
    page's table in a row with an empty number cell."""
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import PageBreak, Paragraph, Table, TableStyle

    _register_cjk_font()
    cell = ParagraphStyle("cell", fontName="STSong-Light", fontSize=9, leading=12, wordWrap="CJK")
    story = []
    header = ["序号", "工作任务", "牵头单位", "配合单位", "完成时限"]
    parts = [rows]
    if split_row is not None:
        k = split_row - 1
        task = rows[k][1]
        first = rows[:k] + [[rows[k][0], task[: len(task) // 2]] + rows[k][2:]]
        parts = [first, [["", task[len(task) // 2:], "", "", ""]] + rows[k + 1:]]
    for n, part in enumerate(parts):
        if n:
            story.append(PageBreak())
        data = [[Paragraph(c, cell) for c in header]] + [[Paragraph(c, cell) for c in r] for r in part]
        table = Table(data, colWidths=[28, 200, 70, 120, 60], repeatRows=1)
        style = [("VALIGN", (0, 0), (-1, -1), valign), ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]
        if ruled:
            style.append(("GRID", (0, 0), (-1, -1), 0.5, colors.black))
        table.setStyle(TableStyle(style))
        story.append(table)
    return _annexed_plan_pdf(path, text, story)


def _register_cjk_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))


def _annexed_plan_pdf(path: Path, text: str, annex: list) -> Path:
    """A printed A4 plan: ``text`` as paragraphs, then on a new page 附件 / 重点任务分工 and the
    ``annex`` (reportlab flowables: its tables)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    _register_cjk_font()
    body = ParagraphStyle("body", fontName="STSong-Light", fontSize=11, leading=16, wordWrap="CJK")
    story = [Paragraph(line, body) for line in text.splitlines() if line.strip()]
    story += [PageBreak(), Paragraph("附件", body), Paragraph("重点任务分工", body), *annex]
    SimpleDocTemplate(str(path), pagesize=A4).build(story)
    return path


def degrade(image, rng, angle: float, speckle: float = 0.003, blur: float = 0.6):
    """A grey page image as a scanner adds to it: turned by ``angle`` degrees, a ``speckle``
    share of its pixels black and as many white (drawn from ``rng``), softened by ``blur``."""
    import numpy as np
    from PIL import Image, ImageFilter

    if angle:
        image = image.rotate(angle, resample=Image.BICUBIC, fillcolor=255)
    pixels = np.array(image).astype(np.int16)
    noise = rng.random(pixels.shape)
    pixels[noise < speckle] = 0
    pixels[noise > 1 - speckle] = 255
    return Image.fromarray(pixels.clip(0, 255).astype(np.uint8)).filter(
        ImageFilter.GaussianBlur(blur))


def scan_images(pdf_path: Path, dpi: int = 180, seed: int = 0) -> list:
    """The pages of a PDF as a scanner gives them back: grey images at ``dpi`` with a small
    skew, speckle and blur."""
    import numpy as np
    import pypdfium2 as pdfium

    rng = np.random.default_rng(seed)
    pdf = pdfium.PdfDocument(str(pdf_path))
    pages = []
    for k in range(len(pdf)):
        image = pdf[k].render(scale=dpi / 72).to_pil().convert("L")
        image = degrade(image, rng, 0.6 if k % 2 else -0.5)
        image.info["dpi"] = (dpi, dpi)
        pages.append(image)
    pdf.close()
    return pages


def write_scanned_pdf(path: Path, pdf_path: Path, dpi: int = 180) -> Path:
    """An image-only PDF (no text layer) made from the pages of ``pdf_path`` as scanned."""
    pages = scan_images(pdf_path, dpi)
    pages[0].save(path, save_all=True, append_images=pages[1:], resolution=dpi)
    return path


def write_mixed_pdf(path: Path, text_pdf: Path, scanned_pdf: Path) -> Path:
    """A PDF whose first page has a text layer and whose other pages are scans."""
    import pypdfium2 as pdfium

    out = pdfium.PdfDocument.new()
    first, rest = pdfium.PdfDocument(str(text_pdf)), pdfium.PdfDocument(str(scanned_pdf))
    out.import_pages(first, [0])
    out.import_pages(rest, list(range(1, len(rest))))
    out.save(str(path))
    for pdf in (out, first, rest):
        pdf.close()
    return path


def stamp(image, centre: tuple[float, float], text: str = "人民政府"):
    """``image`` with a red seal (a ring, a star, a name) printed over ``centre``, the way an
    office stamps the signature of a 红头文件: red ink over black, so the text stays black."""
    from PIL import Image, ImageChops, ImageDraw, ImageFont

    import noto_cjk_sans_otc

    seal = Image.new("RGB", image.size, (255, 255, 255))
    draw = ImageDraw.Draw(seal)
    (cx, cy), r = centre, 0.07 * image.width
    for k in range(8):
        draw.ellipse([cx - r + k, cy - r + k, cx + r - k, cy + r - k], outline=(210, 40, 40))
    draw.regular_polygon((cx, cy, r * 0.3), 5, fill=(210, 40, 40))
    font = ImageFont.truetype(str(Path(noto_cjk_sans_otc.__file__).parent / "NotoSansCJK-Regular.ttc"), int(r / 4.5))
    draw.text((cx - r * 0.8, cy + r * 0.35), text, fill=(210, 40, 40), font=font)
    return ImageChops.multiply(image.convert("RGB"), seal)


#: Agencies of the wrapped-table fixture: full official names, long enough that a narrow
#: lead column wraps them over two or three lines.
WRAPPED_AGENCIES = ["区民政局", "区残联", "区人力资源和社会保障局", "区教育委员会", "区卫生健康委员会",
                    "区住房和城乡建设委员会", "区财政局", "区发展和改革委员会", "区城市管理委员会"]

_TASK_PIECES = ["健全困难残疾人生活补贴和重度残疾人护理补贴制度", "建立补贴标准动态调整机制",
                "推进残疾人家庭无障碍改造", "完善残疾人就业扶持政策和职业技能培训体系",
                "落实残疾儿童康复救助制度", "扩大残疾人基本康复服务覆盖面", "加强残疾人托养服务机构建设",
                "做好残疾人基本医疗保险参保缴费补贴工作", "开展残疾人职业技能竞赛",
                "提高特殊教育学校办学水平"]


def wrapped_task_rows(n: int = 30) -> list[list[str]]:
    """``n`` rows of a 重点任务分工 table as real annexes print them: 序号, a task of 30 to 55
    characters (two or three lines in its column), a lead cell of one or two full agency names
    (区人力资源和社会保障局 wraps), a 责任单位 cell of two or three names, and a timeline."""
    rows = []
    k = len(WRAPPED_AGENCIES)
    for i in range(1, n + 1):
        lead = [WRAPPED_AGENCIES[(i * 5) % k]]
        if i % 4 == 0:
            lead.append(WRAPPED_AGENCIES[(i * 5 + 1) % k])
        others = [a for a in WRAPPED_AGENCIES if a not in lead]
        responsible = [others[(i + j * 3) % len(others)] for j in range(2 + i % 2)]
        task = "，".join(_TASK_PIECES[(i + j) % len(_TASK_PIECES)] for j in range(3))
        task = task[: 30 + (i * 7) % 26].rstrip("，")
        timeline = ["2020年底前", "持续推进", "2021年6月底前"][i % 3]
        rows.append([str(i), task, "、".join(lead), "、".join(responsible), timeline])
    return rows


def write_wrapped_task_pdf(path: Path, text: str, rows: list[list[str]], *,
                           ruled: bool | str = True) -> Path:
    """A printed plan whose annex 重点任务分工 table has narrow columns, so task, lead and
    责任单位 cells wrap over two or three lines, with every cell (the row number too) centred
    vertically against its row; the table runs over pages with its header repeated.
    ``ruled``: True, a full grid; "rows", a rule under each row only; False, no rules."""
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, Table, TableStyle

    _register_cjk_font()
    cell = ParagraphStyle("cell", fontName="STSong-Light", fontSize=10, leading=14, wordWrap="CJK")
    middle = ParagraphStyle("middle", parent=cell, alignment=1)
    header = ["序号", "工作任务", "牵头单位", "责任单位", "完成时限"]
    data = [[Paragraph(c, middle) for c in header]]
    data += [[Paragraph(r[0], middle)] + [Paragraph(c, cell) for c in r[1:]] for r in rows]
    table = Table(data, colWidths=[32, 200, 62, 110, 62], repeatRows=1)
    style = [("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("TOPPADDING", (0, 0), (-1, -1), 4),
             ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]
    if ruled == "rows":
        style += [("LINEABOVE", (0, 0), (-1, 0), 0.6, colors.black),
                  ("LINEBELOW", (0, 0), (-1, -1), 0.6, colors.black)]
    elif ruled:
        style.append(("GRID", (0, 0), (-1, -1), 0.6, colors.black))
    table.setStyle(TableStyle(style))
    return _annexed_plan_pdf(path, text, [table])


def scan_pages(pdf_path: Path, dpi: int = 200, skew: float = 1.0, seed: int = 0,
               quality: int = 60) -> list:
    """The pages of a PDF as an office scanner gives them back: grey images at ``dpi``, each
    turned by ``skew`` degrees (alternately one way and the other), with speckle, a little blur
    and JPEG artefacts (saved and read back at ``quality``)."""
    import numpy as np
    import pypdfium2 as pdfium
    from PIL import Image

    rng = np.random.default_rng(seed)
    pdf = pdfium.PdfDocument(str(pdf_path))
    pages = []
    for k in range(len(pdf)):
        image = pdf[k].render(scale=dpi / 72).to_pil().convert("L")
        image = degrade(image, rng, skew if k % 2 == 0 else -skew)
        buf = io.BytesIO()
        image.save(buf, "JPEG", quality=quality)
        image = Image.open(io.BytesIO(buf.getvalue())).convert("L")
        image.info["dpi"] = (dpi, dpi)
        pages.append(image)
    pdf.close()
    return pages


def write_image_pdf(path: Path, pages: list, dpi: int = 200) -> Path:
    """An image-only PDF (no text layer) of ``pages`` (PIL images) at ``dpi``."""
    pages[0].save(path, save_all=True, append_images=pages[1:], resolution=dpi)
    return path
