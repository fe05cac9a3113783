"""Writers of hostile raw files: bombs, deep nesting, payloads. Each is small on disk."""

from __future__ import annotations

import io
import os
import zipfile
import zlib
from pathlib import Path

from tests.helpers import write_docx

#: Markup that would run if a report made document text live (each sets the page title).
SCRIPT_PAYLOADS = (
    "<img src=x onerror=\"document.title='PWNED'\">",
    "<svg onload=\"document.title='PWNED'\">",
    "<math><img src=x onerror=\"document.title='PWNED'\"></math>",
    "<a href=\"javascript:document.title='PWNED'\">点击</a>",
    "[点我](javascript:document.title='PWNED')",
    "<script>document.title='PWNED'</script>",
)


def beacons(base: str) -> tuple[str, ...]:
    """Markup that would fetch ``base/<tag>.gif`` when a page containing it is opened: one per tag
    or attribute that can load a URL."""
    return (
        f'<img src="{base}/img.gif">',
        f'<video poster="{base}/video.gif"></video>',
        f'<audio src="{base}/audio.gif"></audio>',
        f'<video><source src="{base}/source.gif"></video>',
        f'<object data="{base}/object.gif"></object>',
        f'<embed src="{base}/embed.gif">',
        f'<link rel="stylesheet" href="{base}/link.css">',
        f'<style>@import url("{base}/style.css");</style>',
        f'<div style="background:url({base}/url.gif)">背景</div>',
        f'<img srcset="{base}/srcset.gif 1x">',
    )


def deep_html(depth: int, tag: str = "div") -> bytes:
    """A web page nesting ``tag`` ``depth`` levels deep around one sentence."""
    return (
        f"<html><body>{f'<{tag}>' * depth}残疾人工作{f'</{tag}>' * depth}</body></html>"
    ).encode()


def _docx_with(
    path: Path, change_body=lambda xml: xml, extra: tuple[str, int] | None = None
) -> Path:
    """A real one-line .docx, its body changed by ``change_body``, with an ``extra`` part of
    (name, megabytes of zeros) streamed in."""
    buf = io.BytesIO()
    write_docx(buf, "北京市测试区人民政府关于加快推进残疾人小康进程的实施意见")
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            out.writestr(info, change_body(data) if info.filename == "word/document.xml" else data)
        if extra:
            with out.open(extra[0], "w") as part:
                block = b"\0" * (1 << 20)
                for _ in range(extra[1]):
                    part.write(block)
    return path


def zip_bomb_docx(path: Path, unpacked_mb: int = 300) -> Path:
    """A real .docx with an extra part of ``unpacked_mb`` MB of zeros (a few hundred KB on disk)."""
    return _docx_with(path, extra=("word/media/image1.bin", unpacked_mb))


def paragraph_bomb_docx(path: Path, paragraphs: int = 600_000) -> Path:
    """A real .docx whose body holds ``paragraphs`` empty paragraphs."""
    return _docx_with(
        path, lambda xml: xml.replace(b"<w:body>", b"<w:body>" + b"<w:p/>" * paragraphs, 1)
    )


def pdf_of(path: Path, objects: list[bytes]) -> Path:
    """A PDF of ``objects`` (bodies of objects 1, 2, …; 1 the catalogue) with a correct
    cross-reference table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    path.write_bytes(out.getvalue())
    return path


def _deflated(data_mb: int, layers: int) -> bytes:
    """``data_mb`` MB of spaces deflated ``layers`` times over (each layer a few KB at most)."""
    compressor = zlib.compressobj(9)
    block = b" " * (1 << 20)
    data = b"".join(compressor.compress(block) for _ in range(data_mb)) + compressor.flush()
    for _ in range(layers - 1):
        data = zlib.compress(data, 9)
    return data


def stream_bomb_pdf(
    path: Path, unpacked_mb: int = 300, *, layers: int = 1, dictionary: bytes = b""
) -> Path:
    """A one-page PDF whose content stream inflates to ``unpacked_mb`` MB (of spaces), through
    ``layers`` FlateDecode filters in a row (``[/FlateDecode /FlateDecode]``), with
    ``dictionary`` (more entries: a nested ``/DecodeParms << >>``, padding) in its
    dictionary."""
    stream = _deflated(unpacked_mb, layers)
    filters = b"/FlateDecode" if layers == 1 else b"[" + b" /FlateDecode" * layers + b" ]"
    return pdf_of(path, [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter %s %s >>\nstream\n" % (len(stream), filters, dictionary)
        + stream + b"\nendstream",
    ])


def image_pdf(
    path: Path, image: tuple[int, int], page: tuple[float, float] = (595, 842), pages: int = 1
) -> Path:
    """A PDF of ``pages`` pages of ``page`` points, each drawing over the whole page one grey
    image that declares ``image`` (width, height) pixels; its data is a few bytes (a reader
    that decodes it gets a grey page), so the file is a few KB whatever it declares."""
    width, height = image
    data = zlib.compress(bytes([128]) * 256)
    draw = b"q %.0f 0 0 %.0f 0 0 cm /Im1 Do Q" % page
    kids = b" ".join(b"%d 0 R" % (5 + 2 * k) for k in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Length %d /Filter /FlateDecode >>\nstream\n"
        % (width, height, len(data)) + data + b"\nendstream",
        b"<< /Length %d >>\nstream\n" % len(draw) + draw + b"\nendstream",
    ]
    for _ in range(pages):
        objects += [
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.0f %.0f] /Contents 4 0 R "
            b"/Resources << /XObject << /Im1 3 0 R >> >> >>" % page,
            b"<< >>",  # keeps the page objects at odd numbers
        ]
    return pdf_of(path, objects)


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")


def declared_png(path: Path, width: int, height: int, dpi: float | None = None) -> Path:
    """A PNG whose header declares ``width`` × ``height`` grey pixels (and ``dpi``) but whose
    pixel data is a few bytes: a decompression bomb's shape. Opening it is cheap; decoding it
    would fail (the data is cut short), so a reader that decodes it says so."""
    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])
    chunks = _png_chunk(b"IHDR", header)
    if dpi is not None:
        per_metre = round(dpi / 0.0254).to_bytes(4, "big")
        chunks += _png_chunk(b"pHYs", per_metre + per_metre + b"\x01")
    chunks += _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + _png_chunk(b"IEND", b"")
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunks)
    return path


def many_page_tiff(path: Path, pages: int) -> Path:
    """A TIFF of ``pages`` blank 8 × 8 pages: small on disk, each page counted by its header."""
    from PIL import Image

    frames = [Image.new("L", (8, 8), 255) for _ in range(pages)]
    frames[0].save(path, save_all=True, append_images=frames[1:])
    return path


def big_page_tiff(path: Path, pages: int, side: int, dpi: int = 200) -> Path:
    """A TIFF of ``pages`` white pages of ``side`` × ``side`` pixels at ``dpi`` (1 bit, CCITT
    group 4: a few hundred bytes a page however many pixels it declares)."""
    from PIL import Image

    page = Image.new("1", (side, side), 1)  # one page in memory, written ``pages`` times
    page.save(
        path, save_all=True, append_images=[page] * (pages - 1), compression="group4",
        dpi=(dpi, dpi),
    )
    return path


def prefixed_paragraph_docx(path: Path, paragraphs: int = 3_000_000, prefix: str = "q") -> Path:
    """A real .docx whose body holds ``paragraphs`` empty paragraphs written under another
    namespace prefix (``<q:p/>``, ``q`` bound to Word's namespace): the same paragraphs to a
    reader, other bytes to a count of ``<w:p``."""
    ns = b"http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    tag = prefix.encode()

    def change(xml: bytes) -> bytes:
        xml = xml.replace(b"<w:body>", b"<w:body>" + b"<%s:p/>" % tag * paragraphs, 1)
        return xml.replace(b"<w:document ", b'<w:document xmlns:%s="%s" ' % (tag, ns), 1)

    return _docx_with(path, change)


def run_bomb_docx(path: Path, runs: int = 4_000_000) -> Path:
    """A real .docx with one paragraph of ``runs`` one-character runs."""
    run = "<w:r><w:t>残</w:t></w:r>".encode()
    return _docx_with(
        path, lambda xml: xml.replace(b"<w:body>", b"<w:body><w:p>" + run * runs + b"</w:p>", 1)
    )


def blank_pdf(path: Path, pages: int, size: tuple[float, float] = (595, 842)) -> Path:
    """A PDF of ``pages`` empty pages of ``size`` points (A4 by default; a PDF page may be up
    to 14,400 points a side): no text layer, so each is a page to scan."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    for _ in range(pages):
        pdf.new_page(*size)
    pdf.save(str(path))
    pdf.close()
    return path


def symlink_loop(folder: Path, first: str = "loop_a.txt", second: str = "loop_b.txt") -> Path:
    """Two links in ``folder`` that lead to each other (``first`` → ``second`` → ``first``), by
    relative link text as a copy of a share would keep them; gives the first."""
    (folder / first).symlink_to(second)
    (folder / second).symlink_to(first)
    return folder / first


def self_link(folder: Path, name: str = "self.txt") -> Path:
    """A link in ``folder`` that leads to itself (``name`` → ``name``)."""
    (folder / name).symlink_to(name)
    return folder / name


def bytes_named_file(folder: Path, name: bytes, content: bytes) -> Path:
    """A file in ``folder`` whose name is the raw ``name`` bytes (not necessarily UTF-8), holding
    ``content``; gives its path as Python spells it (undecodable bytes as surrogate escapes)."""
    with open(os.path.join(os.fsencode(folder), name), "wb") as fh:
        fh.write(content)
    return folder / os.fsdecode(name)


def gbk_named_plan(folder: Path, text: str, name: str = "残疾人规划.txt") -> Path:
    """A UTF-8 plan of ``text`` in ``folder`` whose file name is ``name`` in GBK bytes, as a
    Chinese Windows share writes it."""
    return bytes_named_file(folder, name.encode("gbk"), text.encode("utf-8"))


def gbk_named_folder(parent: Path, name: str = "规划") -> Path:
    """A folder in ``parent`` named ``name`` in GBK bytes (not UTF-8 for the default name)."""
    folder = parent / os.fsdecode(name.encode("gbk"))
    folder.mkdir(parents=True)
    return folder


def deep_html_text(path: Path, depth: int, mb: float, tag: str = "div") -> Path:
    """A web page of a plan whose body runs to about ``mb`` MB of text (the sample plan's clauses
    over and over, one ``<p>`` each), nested ``depth`` levels deep in ``tag`` (0: not nested).
    Nesting within the ``html_depth`` limit is allowed, so the page must be read."""
    import html

    from tests.conftest import SAMPLE_PLAN

    lines = [html.escape(line) for line in SAMPLE_PLAN.splitlines()]
    body = "".join(f"<p>{line}</p>" for line in lines[3:-2])
    copies = max(1, round(mb * 1024 * 1024 / len(body.encode())))
    page = (
        f"<html><head><title>{lines[0]}</title></head><body>{f'<{tag}>' * depth}"
        f"<p>{lines[0]}</p><p>{lines[1]}</p><p>{lines[2]}</p>{body * copies}"
        f"<p>{lines[-2]}</p><p>{lines[-1]}</p>{f'</{tag}>' * depth}</body></html>"
    )
    path.write_text(page, encoding="utf-8")
    return path


#: Characters that draw nothing but change how text shows: text-direction overrides, embeddings,
#: isolates and marks, zero-width spaces and joiners, a byte-order mark inside the text.
INVISIBLE = (
    "\u202e\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
    "\u200b\u200c\u200d\u2060\ufeff"
)
#: The lead agency of :func:`bidi_plan`'s first task row, as its reader should see it.
BIDI_LEAD = "区民政局"


def bidi_plan(path: Path, place: str = "倒置区") -> Path:
    """The sample plan of ``place`` (its document number ``<first character of place>政发``)
    with every one of :data:`INVISIBLE` once, spread over its title (a U+202E that shows the
    rest reversed), a heading, a clause and the lead agency of a task row in its annex; written
    as a .txt, .docx or .html as ``path`` ends."""
    import html

    from tests.conftest import SAMPLE_PLAN

    c = INVISIBLE
    text = (
        SAMPLE_PLAN.replace("测试区", place)
        .replace("测政发", f"{place[0]}政发")
        .replace("关于加快推进残疾人", f"关于加快推进{c[0]}残疾人{c[1]}", 1)
        .replace("二、重点任务", f"二、{c[2]}重点{c[3]}任务{c[4]}")
        .replace("加强组织领导，", f"加强{c[5]}组织{c[6]}领导{c[7]}{c[8]}，{c[9]}")
        .replace("2019年3月8日", "2019年3月8日\n附件\n重点任务分工")
    )
    lead = f"{c[10]}区民{c[11]}政{c[12]}局{c[13]}{c[14]}{c[15]}{c[16]}"
    rows = [
        ["序号", "工作任务", "牵头单位", "配合单位", "完成时限"],
        ["1", "落实困难残疾人生活补贴和重度残疾人护理补贴制度", lead, "区残联", "2020年"],
        ["2", "开展残疾人家庭无障碍改造", "区残联", "区住房城乡建设委", "持续实施"],
    ]
    if path.suffix == ".docx":
        return write_docx(path, text, rows)
    if path.suffix in (".html", ".htm"):
        paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines())
        cells = "".join(
            "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
            for row in rows
        )
        path.write_text(
            f"<html><head><title>政策文件</title></head><body><div>{paragraphs}"
            f"<table>{cells}</table></div></body></html>",
            encoding="utf-8",
        )
        return path
    path.write_text(text + "".join("\t".join(row) + "\n" for row in rows), encoding="utf-8")
    return path


def markup_heading_plan(path: Path, place: str = "标记区") -> Path:
    """The sample plan of ``place`` (its document number ``<first character of place>政发``)
    with two headings holding tags, as a page's source leaks into text copied from it, and
    four tags in all: too few for the text to be read as a leaked page. As Markdown (``path``
    ends in .md) ``## 一、<b>总体要求</b>`` and a run-in ``## （二）<span>…住房。</span>对…``;
    else ``一、<span style=…>总体要求</span>`` and ``<strong>二、重点任务</strong>``."""
    from tests.conftest import SAMPLE_PLAN

    text = SAMPLE_PLAN.replace("测试区", place).replace("测政发", f"{place[0]}政发")
    if path.suffix == ".md":
        text = text.replace("一、总体要求", "## 一、<b>总体要求</b>").replace(
            "（二）优先保障残疾人基本住房。", "## （二）<span>优先保障残疾人基本住房。</span>"
        )
    else:
        style = '<span style="font-family:黑体;font-size:16pt;line-height:28pt">'
        text = text.replace("一、总体要求", f"一、{style}总体要求</span>").replace(
            "二、重点任务", "<strong>二、重点任务</strong>"
        )
    path.write_text(text, encoding="utf-8")
    return path


def heavy_docx(path: Path, paragraphs: int = 200_000) -> Path:
    """A real .docx of ``paragraphs`` one-run paragraphs: within every declared limit, yet its
    parsed tree takes a few hundred MB."""
    para = "<w:p><w:r><w:t>残疾人</w:t></w:r></w:p>".encode()
    return _docx_with(
        path, lambda xml: xml.replace(b"<w:body>", b"<w:body>" + para * paragraphs, 1)
    )


def hostile_folder(raw: Path, good: tuple[str, str]) -> dict[str, tuple[str, str]]:
    """A raw folder (``raw/plans``) holding the two ``good`` plan texts and one file of every
    case of the hostile-input probe, each small on disk. Gives, for every file, the status the
    build report must give it and words its message must hold (``""``: any)."""
    from PIL import Image

    plans = raw / "plans"
    plans.mkdir(parents=True, exist_ok=True)
    (plans / "good_1.txt").write_text(good[0], encoding="utf-8")
    (plans / "good_2.txt").write_text(good[1], encoding="utf-8")
    refused = "is refused"
    cases = {
        # 1–3 pixels and pages, from what the file declares
        "two_dpi.png": (lambda p: Image.new("L", (600, 600), 255).save(p, dpi=(2, 2)),
                        "error", "no text could be read"),
        "page_28800pt.pdf": (lambda p: image_pdf(p, (60_000, 60_000), (28_800, 28_800)),
                             "error", "page_pixels"),
        "page_7200pt.pdf": (lambda p: image_pdf(p, (60_000, 60_000), (7_200, 7_200)),
                            "error", "page_pixels"),
        "big_pages.tiff": (lambda p: big_page_tiff(p, 60, 9_000), "error", "page_pixels"),
        "blank_pages.tiff": (lambda p: big_page_tiff(p, 1_000, 2_000), "error", "limit: pixels"),
        "image_pages.pdf": (lambda p: image_pdf(p, (1_000, 1_400), pages=2_000),
                            "error", "limit: pixels"),
        # 4 stream bombs written around the old check
        "bomb_parms.pdf": (lambda p: stream_bomb_pdf(p, 300, dictionary=b"/DecodeParms << >>"),
                           "error", "stream bomb"),
        "bomb_double.pdf": (lambda p: stream_bomb_pdf(p, 1_500, layers=2), "error",
                            "stream bomb"),
        "bomb_long.pdf": (lambda p: stream_bomb_pdf(p, 300, dictionary=b"/P (" + b"x" * 700
                                                    + b")"), "error", "stream bomb"),
        # 5 Word files counted whatever their prefix
        "prefix.docx": (lambda p: prefixed_paragraph_docx(p, 3_000_000), "error",
                        "limit: paragraphs"),
        "runs.docx": (lambda p: run_bomb_docx(p, 4_000_000), "error", "limit: runs"),
        # 6 deep nesting around much text: read, in time linear in its size
        "deep.html": (lambda p: deep_html_text(p, 500, 0.2), "", ""),
        # 10, 11 read, with what was removed counted
        "bidi.txt": (lambda p: bidi_plan(p), "ok", "invisible character"),
        "markup.md": (lambda p: markup_heading_plan(p), "ok", ""),
    }
    expected = {}
    for name, (write, status, words) in cases.items():
        write(plans / name)
        expected[f"plans/{name}"] = (status, words.replace("is refused", refused))
    # 7, 8 links in a circle and names not in UTF-8
    symlink_loop(plans)
    self_link(plans)
    gbk_named_plan(plans, good[0].replace("良好区", "编码区").replace("良政发", "编政发"))
    expected.update({
        "plans/loop_a.txt": ("skipped", "circle"),
        "plans/loop_b.txt": ("skipped", "circle"),
        "plans/self.txt": ("skipped", "to itself"),
        "plans/残疾人规划.txt": ("ok", ""),
        "plans/good_1.txt": ("ok", ""),
        "plans/good_2.txt": ("ok", ""),
    })
    return expected
