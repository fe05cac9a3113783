"""One reader per file format; each turns a file into plain text with line structure.

Tables (annexes) come out one row per line with cells separated by tabs, the layout the
task-table parser reads. Page breaks in PDFs become a blank line.
"""
from __future__ import annotations

import io
import re
from pathlib import Path

from compare.errors import DocumentError, printable_path
from compare.normalize import cjk_count
from compare.read.encoding import decode_bytes
from compare.read.pdf_tables import pages_text
from compare.read.limits import DEFAULT_LIMITS, LimitExceeded, Limits, PixelBudget, check_docx, \
    check_html_depth, check_pages, check_pdf

_BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "tr", "table", "tbody", "thead", "section", "article",
    "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote", "dd", "dt", "dl", "center", "main",
}
_DROP_TAGS = ["script", "style", "noscript", "iframe", "nav", "header", "footer", "aside", "form",
              "button", "select", "template", "svg", "object", "embed", "head"]
_CONTENT_HINT = re.compile(
    r"content|article|zoom|trs_editor|main|text|detail|body|zw|wzzw|con", re.I
)


def read_text_file(data: bytes, path: str, limits: Limits = DEFAULT_LIMITS,
                   notes: list[str] | None = None,
                   provenance: dict | None = None) -> tuple[str, str]:
    """Plain text or Markdown: decode and return ``(text, encoding)``."""
    return decode_bytes(data, path, notes)


def read_html(data: bytes, path: str, limits: Limits = DEFAULT_LIMITS,
              notes: list[str] | None = None, provenance: dict | None = None) -> tuple[str, str]:
    """A web page: keep the article, drop navigation, scripts and styles. A page nested deeper
    than ``limits.html_depth`` is refused before any work that grows with its depth."""
    from bs4 import BeautifulSoup

    html, encoding = decode_bytes(data, path, notes)
    soup = BeautifulSoup(html, "lxml")
    check_html_depth(soup, limits)
    page_title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for tag in soup(_DROP_TAGS):
        tag.decompose()
    body = soup.body or soup
    article = _pick_article(body)
    text = _html_text(article)
    title = re.split(r"\s*[_|｜\-–—]{1,2}\s*", page_title)[0].strip() if page_title else ""
    if title and cjk_count(title) >= 6 and title not in text:
        text = title + "\n\n" + text
    return text, encoding


def _scores(body) -> dict[int, int]:
    """Each element's score as the article, by ``id()``, for ``body`` and every element under it:
    the Chinese characters of its text less twice the characters of the links' text in it.

    One pass from the innermost elements out, each adding its sums to its parent's, so a page
    costs the same however deep it nests (asking each element for its text walks the elements
    under it again, once for every level above them). Text is counted as ``get_text`` would
    give it: strings of plain text only (no comments), stripped; a link inside a link counts
    twice, as it did when links were counted by ``find_all("a")``."""
    from bs4 import CData, NavigableString, Tag

    plain = (NavigableString, CData)
    cjk: dict[int, int] = {}
    chars: dict[int, int] = {}
    links: dict[int, int] = {}
    for node in reversed([body, *body.descendants]):  # every element after all those under it
        parent = node.parent if node is not body else None
        if isinstance(node, Tag):
            key = id(node)
            node_cjk, node_chars = cjk.get(key, 0), chars.get(key, 0)
            node_links = links.get(key, 0)
            if parent is not None:
                pk = id(parent)
                cjk[pk] = cjk.get(pk, 0) + node_cjk
                chars[pk] = chars.get(pk, 0) + node_chars
                links[pk] = links.get(pk, 0) + node_links + (node_chars if node.name == "a" else 0)
        elif type(node) in plain and parent is not None:
            pk = id(parent)
            cjk[pk] = cjk.get(pk, 0) + cjk_count(node)
            chars[pk] = chars.get(pk, 0) + len(node.strip())
    return {key: cjk.get(key, 0) - 2 * links.get(key, 0) for key in chars.keys() | cjk.keys()}


def _pick_article(body):
    """The element holding the document: an <article>, or the densest block of Chinese text."""
    scores = _scores(body)

    def score(el) -> int:
        return scores.get(id(el), 0)

    articles = [a for a in body.find_all("article") if score(a) > 100]
    if articles:
        return max(articles, key=score)
    candidates = body.find_all(["div", "section", "td", "main"]) or [body]
    scored = [(score(el), el) for el in candidates]
    best_score, best = max(scored, key=lambda x: x[0], default=(0, body))
    if best_score <= 0 or best_score < 0.5 * score(body):
        return body  # no block holds most of the text: the paragraphs sit in <body> itself
    # descend while one child still holds nearly all of the text (sheds surrounding menus)
    while True:
        children = best.find_all(["div", "section", "td", "main", "article"], recursive=False)
        inner = max(((score(c), c) for c in children), key=lambda x: x[0], default=(0, None))
        if inner[1] is not None and inner[0] >= 0.9 * best_score:
            best, best_score = inner[1], inner[0]
        else:
            return best


def _html_text(el) -> str:
    from bs4 import NavigableString, Tag

    parts: list[str] = []

    def walk(node, parts=parts):
        if isinstance(node, NavigableString):
            parts.append(re.sub(r"\s+", " ", str(node)))
            return
        if not isinstance(node, Tag):
            return
        name = node.name
        if name in ("td", "th"):
            # a cell stays on its row's line: its own paragraphs and <br> are joined
            inner: list[str] = []
            for child in node.children:
                walk(child, inner)
            paras = [p.strip() for p in "".join(inner).split("\n")]
            parts.append("\t" + join_cell_paragraphs([p for p in paras if p]).replace("\t", " "))
            return
        if name in _BLOCK_TAGS:
            parts.append("\n")
        for child in node.children:
            walk(child, parts)
        if name in _BLOCK_TAGS:
            parts.append("\n")

    walk(el)
    text = "".join(parts)
    text = re.sub(r"\n[ \t]*\t", "\n", text)  # a row starts with its first cell, not a tab
    text = re.sub(r"[ ]*\n[ ]*", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def read_docx(data: bytes, path: str, limits: Limits = DEFAULT_LIMITS,
              notes: list[str] | None = None, provenance: dict | None = None) -> tuple[str, str]:
    """A Word document: paragraphs and tables in body order; table rows as tab-separated lines.
    Sizes and paragraph counts are checked against ``limits`` before it is parsed."""
    check_docx(data, limits)
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph
    except ImportError as exc:  # pragma: no cover - dependency is declared
        raise DocumentError(path, "python-docx is not installed") from exc
    try:
        document = docx.Document(io.BytesIO(data))
    except MemoryError:
        raise
    except Exception as exc:
        raise DocumentError(path, "is not a readable Word (.docx) file",
                            hint=type(exc).__name__) from exc
    lines: list[str] = []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(Paragraph(child, document).text)
        elif tag == "tbl":
            table = Table(child, document)
            lines.append("")
            if len(table.columns) == 1:  # a framed box (专栏): its paragraphs are lines of text
                lines += [ln.strip() for cell in table.column_cells(0) for p in cell.paragraphs
                          for ln in p.text.split("\n") if ln.strip()]
                lines.append("")
                continue
            for row in table.rows:
                cells, seen = [], set()
                for cell in row.cells:
                    if id(cell._tc) in seen:  # merged cells repeat
                        continue
                    seen.add(id(cell._tc))
                    cells.append(_docx_cell_text(cell))
                lines.append("\t".join(cells))
            lines.append("")
    return "\n".join(lines) + "\n", "docx"


def _docx_cell_text(cell) -> str:
    # a line break inside a paragraph (Shift+Enter) separates items like a new paragraph
    lines = [ln.strip() for p in cell.paragraphs for ln in p.text.split("\n")]
    return join_cell_paragraphs([ln for ln in lines if ln])


def join_cell_paragraphs(paras: list[str]) -> str:
    """One table cell's paragraphs as one line (a row must stay on one line).

    Short paragraphs in one cell are list items (agency names) and are joined with 、;
    longer ones are wrapped prose and are joined directly.
    """
    if len(paras) > 1 and all(len(p) <= 12 for p in paras):
        return "、".join(paras)
    return "".join(paras)


def read_pdf(data: bytes, path: str, limits: Limits = DEFAULT_LIMITS,
             notes: list[str] | None = None, provenance: dict | None = None) -> tuple[str, str]:
    """A PDF: pages with a text layer are read from it, pages without one (a scan) by OCR; pages
    are separated by a blank line. Stream sizes and the page count are checked against
    ``limits`` first, and each scanned page's size before it is rendered. ``provenance`` gets
    ``text_source`` (text_layer, ocr or mixed) and, for scanned pages, the
    :class:`~compare.read.ocr.OcrReport`."""
    import pdfplumber

    from compare.read.ocr import DPI, OcrReport, read_image, rendered_pages, rendered_sizes

    check_pdf(data, limits)
    ocr = OcrReport()
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            check_pages(len(pdf.pages), limits)
            sources = list(pdf.pages)
            scans = [i for i, page in enumerate(sources) if len(page.chars) < 10]
            # every scanned page's size is offered to the budget before the first is rendered:
            # a file over its pixels is refused at once, not after hours of reading
            budget = PixelBudget(limits)
            for i, size in zip(scans, rendered_sizes(data, scans)):
                budget.take(*size, i + 1, f"would be rendered at {DPI} dpi to")
            for i, image in zip(_progress(scans, path), rendered_pages(data, scans)):
                sources[i] = read_image(image, i + 1)
                ocr.add(sources[i])
            pages = pages_text(sources)
    except (LimitExceeded, MemoryError):
        raise
    except Exception as exc:
        name = type(exc).__name__
        if "password" in str(exc).lower() or "encrypt" in str(exc).lower():
            raise DocumentError(path, "is a password-protected PDF",
                                hint="remove the password first") from exc
        raise DocumentError(path, "is not a readable PDF", hint=name) from exc
    text = "\n\n".join(p.strip("\n") for p in pages)
    if len(re.sub(r"\s", "", text)) < 20:
        raise DocumentError(path, f"is a PDF of {len(pages)} page(s) in which no text could be "
                            "read, by its text layer or by OCR (blank pages or pictures)")
    _record_ocr(ocr, len(pages), notes, provenance)
    return text + "\n", "pdf"


def read_image_file(data: bytes, path: str, limits: Limits = DEFAULT_LIMITS,
                    notes: list[str] | None = None,
                    provenance: dict | None = None) -> tuple[str, str]:
    """A photo or scan of a document (PNG, JPEG, TIFF with one or more pages …), read by OCR.
    Its pages are counted, and each page's size checked, against ``limits`` before it is
    decoded."""
    from compare.read.ocr import OcrReport, image_pages, read_image

    ocr = OcrReport()
    sources = []
    try:
        frames = image_pages(data, PixelBudget(limits))
        for i, frame in enumerate(_progress(frames, path)):  # each page decoded as it comes
            page = read_image(frame, i + 1)
            ocr.add(page)
            sources.append(page)
    except (OSError, ValueError) as exc:  # PIL's errors for a damaged or unknown image
        raise DocumentError(path, "is not a readable image", hint=type(exc).__name__) from exc
    text = "\n\n".join(p.strip("\n") for p in pages_text(sources))
    if len(re.sub(r"\s", "", text)) < 20:
        raise DocumentError(path, "is an image in which no text could be read (a blank page or "
                            "a picture, not a document)")
    _record_ocr(ocr, len(frames), notes, provenance)
    return text + "\n", "ocr"


def _record_ocr(ocr, n_pages: int, notes: list[str] | None, provenance: dict | None) -> None:
    if provenance is not None:
        provenance["text_source"] = ("text_layer" if not ocr.pages
                                     else "ocr" if ocr.pages == n_pages else "mixed")
        provenance["ocr"] = ocr if ocr.pages else None
    if notes is not None and ocr.pages:
        notes.append(f"{ocr.pages} page(s) read by OCR (mean confidence {ocr.confidence})")
        notes += ocr.notes()


def _progress(items, path: str):
    """``items`` with a bar counting pages, in a terminal and in the main process only (worker
    processes would draw over the build's own bar)."""
    import multiprocessing
    import sys

    if len(items) < 2 or multiprocessing.parent_process() is not None or not sys.stderr.isatty():
        return items
    from tqdm import tqdm

    return tqdm(items, desc=f"Reading {path}", unit="page", leave=False)


#: The libraries each kind of file is read with that are large to load (numpy starts its thread
#: pool on import): loaded before a file's memory ceiling is set (:func:`load_reader`), so a
#: file is measured by what it costs, not by what loading the program costs.
READER_LIBRARIES = {
    "html": ("bs4", "lxml.html"),
    "docx": ("docx", "lxml.etree"),
    "pdf": ("numpy", "PIL.Image", "pdfplumber", "pypdfium2", "cv2"),
    "image": ("numpy", "PIL.Image", "PIL.TiffImagePlugin", "cv2"),
}


def load_reader(path: Path) -> None:
    """Load the large libraries that reading ``path`` (by its extension) will use."""
    import importlib

    for name in READER_LIBRARIES.get(_KINDS.get(READERS.get(path.suffix.lower()), ""), ()):
        importlib.import_module(name)


READERS = {
    ".txt": read_text_file, ".text": read_text_file, ".md": read_text_file,
    ".markdown": read_text_file,
    ".html": read_html, ".htm": read_html, ".docx": read_docx, ".pdf": read_pdf,
    **{suffix: read_image_file for suffix in (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp")},
}


def read_file_text(path: Path, data: bytes, shown: str | None = None,
                   limits: Limits = DEFAULT_LIMITS, notes: list[str] | None = None,
                   provenance: dict | None = None) -> tuple[str, str, str]:
    """Read ``data`` (the bytes of ``path``) with the reader for its extension, within ``limits``.

    Returns ``(text, format, encoding)``; errors name the file as ``shown``; what was repaired on
    the way goes into ``notes``. Going over a limit raises
    :class:`~compare.read.limits.LimitExceeded`.
    """
    shown = shown or printable_path(path)
    suffix = path.suffix.lower()
    if suffix in (".doc", ".wps"):
        raise DocumentError(shown, f"is an old binary Word file ({suffix})",
                            hint="save it as .docx, PDF or text")
    reader = READERS.get(suffix)
    if reader is None:
        raise DocumentError(shown, f"has an unsupported file type '{suffix or '(none)'}'",
                            hint="supported: " + ", ".join(sorted(READERS)))
    text, encoding = reader(data, shown, limits, notes, provenance)
    if len(text) > limits.text_chars:
        raise LimitExceeded(f"the file yields {len(text):,} characters of text "
                            f"(limit: text_chars = {limits.text_chars:,})")
    fmt = {".htm": "html", ".text": "txt", ".markdown": "md"}.get(suffix, suffix.lstrip("."))
    if reader is read_image_file:
        fmt = "image"
    return text, fmt, encoding

_KINDS = {read_html: "html", read_docx: "docx", read_pdf: "pdf", read_image_file: "image"}
#: Files decoded by native libraries (pdfium, OpenCV, ONNX Runtime): PDFs and images.
NATIVE_SUFFIXES = tuple(s for s, r in READERS.items() if _KINDS.get(r) in ("pdf", "image"))
