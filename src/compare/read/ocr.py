"""Scanned pages read by Chinese OCR, as positioned words the same table and text readers use.

The engine is RapidOCR (PP-OCRv4 detection and recognition models on ONNX Runtime): its
wheel, ``rapidocr-onnxruntime``, ships the models, so nothing is downloaded at run time and
the README's set-up installs everything. A page image becomes words with positions (in PDF
points, 72 to the inch, whatever the scan's resolution) and a confidence each; an
:class:`OcrPage` offers them through the few methods of a pdfplumber page that
:mod:`compare.read.pdf_tables` reads, so a scanned table is read exactly as a printed one.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from functools import lru_cache

#: Resolution scans are read at: PP-OCR reads Chinese body text reliably from 150 dpi up.
DPI = 200
#: A line read with less confidence than this is listed in the build report.
LOW_CONFIDENCE = 0.80
#: Image files OCR reads.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp")


@lru_cache(maxsize=1)
def engine():
    """The OCR engine of this process (loaded once: about half a second)."""
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR(max_side_len=3000)


@dataclass
class OcrPage:
    """One page read by OCR: words in points, with the subset of pdfplumber's page interface
    that the table and text readers use (``find_tables``, ``extract_words``, ``crop``,
    ``extract_text``, ``width``, ``height``)."""

    words: list[dict]
    width: float
    height: float
    number: int = 1
    bbox: tuple[float, float, float, float] | None = None
    confidences: list[float] = field(default_factory=list)
    #: the ruled tables found in the page image (:mod:`compare.read.scan_grid`), in points
    grids: list = field(default_factory=list)

    def find_tables(self):
        """The page's ruled tables, read from its image's ruling lines with the words in their
        cells (objects with ``bbox`` and ``extract()``, as pdfplumber's); none on an unruled
        page, whose tables are found from word positions."""
        from compare.read.scan_grid import ScanTable

        return [ScanTable(g, self.words) for g in self.grids if len(g.xs) > 2]

    @property
    def row_rules(self) -> list[float]:
        """The horizontal rulings (points from the top) of the page's tables ruled only across,
        which tell their rows apart in :func:`compare.read.pdf_tables.unruled_table`; a page
        read from an image has this list, empty or not, a pdfplumber page has none."""
        return sorted(y for g in self.grids if len(g.xs) == 2 for y in g.ys)

    def extract_words(self, **_):
        return [w for w in self.words if self._inside(w)]

    def crop(self, bbox):
        return OcrPage(self.words, self.width, self.height, self.number, tuple(bbox))

    def extract_text(self, **_) -> str:
        from compare.read.pdf_tables import text_lines

        return text_lines(self.extract_words())

    def _inside(self, w: dict) -> bool:
        if self.bbox is None:
            return True
        x0, top, x1, bottom = self.bbox
        middle = (w["top"] + w["bottom"]) / 2
        return top <= middle < bottom


def read_image(image, number: int = 1) -> OcrPage:
    """OCR one page image (a PIL image) into an :class:`OcrPage`; words in points."""
    import numpy as np

    from compare.read.scan_grid import page_grids

    scale = 72 / DPI
    rgb = image.convert("RGB")
    result, _ = engine()(np.array(rgb))
    result = result or []
    centre = (rgb.width / 2, rgb.height / 2)
    angle = _skew([box for box, _, _ in result])
    turn = _deskew(angle, *centre)
    words = []
    for box, text, confidence in result:
        points = [turn(p) for p in box]
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        text = re.sub(r"\s+", "", text)
        if text:
            words.append(
                {
                    "text": text,
                    "x0": min(xs) * scale,
                    "x1": max(xs) * scale,
                    "top": min(ys) * scale,
                    "bottom": max(ys) * scale,
                    "confidence": float(confidence),
                }
            )
    return OcrPage(
        words,
        rgb.width * scale,
        rgb.height * scale,
        number,
        confidences=[w["confidence"] for w in words],
        grids=page_grids(np.array(rgb.convert("L")), angle, centre, scale, words),
    )


def _skew(boxes: list) -> float:
    """A scanned page's skew in radians (0 when too slight to matter): the median slope of the
    top edges of the long text boxes OCR found (a scanner turns a page by a degree or so, which
    is enough to put the cells of one table row at different heights)."""
    import math
    import statistics

    angles = [
        math.atan2(b[1][1] - b[0][1], b[1][0] - b[0][0])
        for b in boxes
        if (b[1][0] - b[0][0]) > 3 * abs(b[3][1] - b[0][1])
    ]
    angle = statistics.median(angles) if angles else 0.0
    return 0.0 if abs(angle) < math.radians(0.05) else angle


def _deskew(angle: float, cx: float, cy: float):
    """A function turning a point of a page skewed by ``angle`` (:func:`_skew`) back to level,
    about (``cx``, ``cy``); :func:`compare.read.scan_grid.level` turns the image the same way."""
    import math

    if not angle:
        return lambda p: (p[0], p[1])
    cos, sin = math.cos(-angle), math.sin(-angle)
    return lambda p: (
        cx + (p[0] - cx) * cos - (p[1] - cy) * sin,
        cy + (p[0] - cx) * sin + (p[1] - cy) * cos,
    )


def render_pdf_page(data: bytes, index: int):
    """Page ``index`` of a PDF as an image at :data:`DPI` (pdfium, the renderer pdfplumber uses)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        return pdf[index].render(scale=DPI / 72).to_pil()
    finally:
        pdf.close()


def image_pages(data: bytes):
    """The pages of an image file (a TIFF may hold many), resampled to :data:`DPI` when the
    file says its resolution."""
    from PIL import Image, ImageSequence

    image = Image.open(io.BytesIO(data))
    pages = []
    for frame in ImageSequence.Iterator(image):
        frame = frame.copy()
        dpi = frame.info.get("dpi", (DPI, DPI))[0] or DPI
        if abs(dpi - DPI) > 20:
            factor = DPI / float(dpi)
            frame = frame.resize(
                (max(1, int(frame.width * factor)), max(1, int(frame.height * factor)))
            )
        pages.append(frame)
    return pages


@dataclass
class OcrReport:
    """What OCR made of a document: pages read, pages with no text, confidence, doubtful lines."""

    pages: int = 0
    unreadable: list[int] = field(default_factory=list)
    confidences: list[float] = field(default_factory=list)
    doubtful: list[tuple[int, float, str]] = field(default_factory=list)  # (page, confidence, text)

    def add(self, page: OcrPage) -> None:
        self.pages += 1
        if not page.words:
            self.unreadable.append(page.number)
        self.confidences += page.confidences
        self.doubtful += [
            (page.number, w["confidence"], w["text"])
            for w in page.words
            if w["confidence"] < LOW_CONFIDENCE
        ]

    @property
    def confidence(self) -> float | None:
        return round(sum(self.confidences) / len(self.confidences), 3) if self.confidences else None

    def notes(self, limit: int = 10) -> list[str]:
        """Sentences for the build report."""
        out = [
            f"page {n}: no text could be read (a blank page or a picture)" for n in self.unreadable
        ]
        for n, conf, text in sorted(self.doubtful, key=lambda d: d[1])[:limit]:
            out.append(f"page {n}: OCR is unsure of this line (confidence {conf:.2f}): {text[:40]}")
        if len(self.doubtful) > limit:
            out.append(
                f"{len(self.doubtful) - limit} more line(s) read with confidence below "
                f"{LOW_CONFIDENCE}"
            )
        return out
