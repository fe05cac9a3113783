"""Writers for small fixture files in every format the reader accepts."""
from __future__ import annotations

import io
from pathlib import Path


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
