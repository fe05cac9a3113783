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

from compare.read.limits import LimitExceeded, PixelBudget, program_memory

#: Resolution scans are read at: PP-OCR reads Chinese body text reliably from 150 dpi up.
DPI = 200
#: A line read with less confidence than this is listed in the build report.
LOW_CONFIDENCE = 0.80
#: Image files OCR reads.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp")


def _cores() -> int:
    """CPU cores this process may use: ``OMP_NUM_THREADS`` when it is set (joblib gives each
    worker process of a build its share of the cores that way, and ONNX Runtime does not read
    it itself), else the cores the process may run on."""
    import os

    share = os.environ.get("OMP_NUM_THREADS", "").strip()
    if share.isdigit() and int(share) > 0:
        return int(share)
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def engine():
    """The OCR engine of this process (loaded once, outside any file's memory ceiling:
    :func:`~compare.read.limits.program_memory`): RapidOCR set for upright scanned pages.
    Lines are found on a page with as many threads as the process has cores, and the lines
    found are read on as many threads at once, one line per thread; idle threads sleep.
    Settings change speed only: a page always gives the same words, on any machine."""
    if _engine.cache_info().currsize:
        return _engine()
    with program_memory():
        return _engine()


@lru_cache(maxsize=1)
def _engine():
    from pathlib import Path
    from unittest import mock

    from rapidocr_onnxruntime import RapidOCR
    from rapidocr_onnxruntime.utils import OrtInferSession

    made = OrtInferSession._init_sess_opts

    def options(config):
        opts = made(config)
        if "_det_" in Path(config["model_path"]).name:
            # finding lines is one large computation per page, which threads share well
            opts.intra_op_num_threads = _cores()
        # idle ONNX Runtime threads busy-wait for work by default: on a shared machine they
        # took half the CPU time of reading a scan, from this build and from everyone else
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return opts

    with mock.patch.object(OrtInferSession, "_init_sess_opts", staticmethod(options)):
        ocr = RapidOCR(
            max_side_len=3000,
            use_cls=False,  # scanned pages are upright: no line needs turning half round
            # one line at a time: lines differ much in length and a batch is padded to its
            # longest, and a line's text then never depends on the lines read with it
            rec_batch_num=1,
            # one thread per line read: sharing out whole lines over the cores (_Lines) uses
            # them better than splitting each line's small computations
            intra_op_num_threads=1,
            inter_op_num_threads=1,
        )
    # lines are looked for on the page at its full resolution (rapidocr's default for a page):
    # on a page reduced to 2,000 or 1,280 pixels they were found with slightly different
    # extents, and wrapped table cells were split or joined differently (fewer annex rows
    # read exactly in benchmarks/ocr.py), though it would save two fifths of the time
    ocr.text_rec = _Lines(ocr.text_rec, _cores())
    return ocr


class _Lines:
    """RapidOCR's line reader, reading the lines of a page on ``threads`` threads at once
    (ONNX Runtime computes outside Python's lock). Takes and gives what the reader does: the
    line images, and their (text, confidence) in the same order with the time taken."""

    def __init__(self, read, threads: int):
        self.read = read
        self.threads = threads

    def __call__(self, images, return_word_box: bool = False):
        from concurrent.futures import ThreadPoolExecutor

        import numpy as np

        if isinstance(images, np.ndarray):
            images = [images]  # one line image (read without looking for lines: scan_grid)
        if self.threads < 2 or len(images) < 2:
            return self.read(images, return_word_box)
        # the longest lines first, each to the thread with the least width so far: reading
        # time grows with a line's width
        shares: list[list[int]] = [[] for _ in range(self.threads)]
        loads = [0.0] * self.threads
        for k in sorted(range(len(images)), key=lambda k: -_width(images[k])):
            least = loads.index(min(loads))
            shares[least].append(k)
            loads[least] += _width(images[k])
        shares = [share for share in shares if share]
        # a pool per page: one kept in the engine would not survive a fork into a worker
        with ThreadPoolExecutor(len(shares)) as pool:
            done = list(pool.map(lambda s: self.read([images[k] for k in s], return_word_box),
                                 shares))
        lines: list = [None] * len(images)
        for share, (read, _) in zip(shares, done):
            for k, line in zip(share, read):
                lines[k] = line
        return lines, sum(elapsed for _, elapsed in done)


def _width(image) -> float:
    """Width of a line image relative to its height, which its reading time grows with."""
    return image.shape[1] / max(1, image.shape[0])


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


#: Least difference between a page's darkest and lightest pixel for it to hold any ink: a page
#: below it is blank (or one flat colour) and is not given to the OCR engine.
BLANK_CONTRAST = 16


def read_image(image, number: int = 1) -> OcrPage:
    """OCR one page image (a PIL image) into an :class:`OcrPage`; words in points."""
    import numpy as np

    from compare.read.scan_grid import page_grids

    scale = 72 / DPI
    rgb = image.convert("RGB")
    low, high = image.convert("L").getextrema()
    if high - low < BLANK_CONTRAST:  # a blank page (or one flat colour): no ink to read
        return OcrPage([], rgb.width * scale, rgb.height * scale, number, confidences=[], grids=[])
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


def rendered_sizes(data: bytes, pages: list[int]) -> list[tuple[int, int]]:
    """The size in pixels each of ``pages`` (indexes) of a PDF would be rendered at for OCR
    (:data:`DPI`): its visible box, turned as the page says, read without rendering it."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        return [tuple(round(side * DPI / 72) for side in pdf[i].get_size()) for i in pages]
    finally:
        pdf.close()


def rendered_pages(data: bytes, pages: list[int]):
    """Each of ``pages`` (indexes) of a PDF as an image at :data:`DPI` (pdfium, the renderer
    pdfplumber uses), rendered as it is reached, the document opened once. Their sizes are
    :func:`rendered_sizes`, to be offered to the pixel budget first."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        for index in pages:
            yield pdf[index].render(scale=DPI / 72).to_pil()
    finally:
        pdf.close()


#: Lowest resolution an image file may declare for its pages to be enlarged to :data:`DPI`:
#: below it (72 and 96 are what cameras and screens write) the figure says nothing about the
#: paper, and the image is read at its own pixels.
MIN_SCAN_DPI = 100


class ImagePages:
    """The pages of an image file (a TIFF may hold many), each resampled to :data:`DPI` when
    the file states a scanner's resolution. When it is opened, every page's header is read (its
    size and resolution, not its pixels): the pages are counted against ``pages`` and each
    page's size, as stored and as resampled, is offered to the :class:`PixelBudget`, so a file
    over a limit is refused before any page is decoded or read. ``len()`` gives the page count
    and iterating gives PIL images, each decoded as it is reached."""

    def __init__(self, data: bytes, budget: PixelBudget):
        from PIL import Image

        try:
            self._image = Image.open(io.BytesIO(data))
        except Image.DecompressionBombError:
            raise LimitExceeded(
                f"page 1 is more than {2 * Image.MAX_IMAGE_PIXELS:,} pixels "
                f"(limit: page_pixels = {budget.limits.page_pixels:,})"
            ) from None
        self._count = self._frames(budget.limits.pages + 1)
        if self._count > budget.limits.pages:
            raise LimitExceeded(
                f"the image file has more than {budget.limits.pages:,} pages "
                f"(limit: pages = {budget.limits.pages:,})"
            )
        self._sizes = [self._size(k, budget) for k in range(self._count)]

    def _frames(self, cap: int) -> int:
        """Frames in the file, counted up to ``cap`` by reading their headers only (a TIFF's
        directory of each page), so a file claiming millions of pages stops the count early."""
        count = 0
        try:
            while count < cap:
                self._image.seek(count)
                count += 1
        except EOFError:
            pass
        return max(count, 1)

    def _size(self, k: int, budget: PixelBudget) -> tuple[int, int]:
        """The size page ``k`` is read at, offered to ``budget`` (from its header alone)."""
        image = self._image
        image.seek(k)  # reads the page's header: its size and resolution, not its pixels
        stored = image.size
        budget.check(*stored, k + 1)
        dpi = float(image.info.get("dpi", (DPI, DPI))[0] or DPI)  # a TIFF gives a fraction
        size, what = stored, "is"
        # PNG stores 100 dpi as 99.9998; a nonsense figure (NaN) is not obeyed either
        if dpi >= MIN_SCAN_DPI - 0.5 and abs(dpi - DPI) > 20:
            factor = DPI / float(dpi)
            size = (max(1, int(stored[0] * factor)), max(1, int(stored[1] * factor)))
            what = f"is stored at {dpi:.0f} dpi; resampled to the {DPI} dpi OCR reads, it is"
        budget.take(*size, k + 1, what)
        return size

    def __len__(self) -> int:
        return self._count

    def __iter__(self):
        image = self._image
        for k, size in enumerate(self._sizes):
            image.seek(k)
            page = image.copy()
            yield page if size == page.size else page.resize(size)


def image_pages(data: bytes, budget: PixelBudget) -> ImagePages:
    """The pages of an image file as :class:`ImagePages`, within ``budget`` and its limits."""
    return ImagePages(data, budget)


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
