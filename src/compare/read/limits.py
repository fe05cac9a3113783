"""How much one raw file may cost to read, so a hostile or broken file is refused, not obeyed.

A zip bomb disguised as a .docx, a PDF whose streams unpack to gigabytes, a web page nested a
hundred thousand levels deep, a small image file or PDF page that declares billions of pixels:
each would stop a batch or exhaust the machine. The reader checks the cheap
signs before the expensive work (declared sizes, counted paragraphs and pages, stream sizes
unpacked a little at a time, an image's size before it is decoded or enlarged, a scanned page's
size before it is rendered). A file over a limit is refused by name with the reason, and the
batch goes on.

Every limit counts the file's own content, never time: whether a file is read must not depend on
how busy the machine is, so the same raw folder always builds the same tables.

The defaults are generous for real plans (the largest real plan we have seen is under 1 MB of
text; a long scanned plan is a few hundred pages); change them with
``compare build --limit NAME=VALUE``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace

from compare.errors import CompareError

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Limits on reading one raw file. Every field can be set from the command line."""

    #: Size of the file on disk, in bytes.
    file_bytes: int = 256 * MB
    #: Bytes a container may unpack to: the parts of a .docx, the text streams of a PDF.
    unpacked_bytes: int = 256 * MB
    #: Characters of text a file may yield.
    text_chars: int = 10_000_000
    #: Nesting depth of elements in a web page.
    html_depth: int = 512
    #: Paragraphs and table rows in a Word file (whatever namespace prefix the file writes).
    paragraphs: int = 500_000
    #: Runs (pieces of a paragraph in one format) in a Word file: a real plan has tens of
    #: thousands.
    runs: int = 1_000_000
    #: Pages of a PDF or of a multi-page image file (a TIFF), counted before any is read.
    pages: int = 3_000
    #: Pixels of one page image read by OCR (width × height as decoded from an image file, as
    #: enlarged to the reading resolution, or as a PDF page is rendered), checked before the
    #: image is decoded, enlarged or rendered. An A3 sheet scanned at 600 dpi has 70 million.
    page_pixels: int = 80_000_000
    #: Pixels of all the page images of one file read by OCR together, checked before each page
    #: is decoded or rendered: about 500 A4 pages at the reading resolution of 200 dpi.
    pixels: int = 2_000_000_000
    #: Memory (bytes of writable private memory) reading one file may add to the process
    #: reading it: a file that gets past every check above and still asks for more fails
    #: alone, by name (Linux; elsewhere there is no such ceiling).
    memory: int = 3 * 1024 * MB

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    def with_options(self, options: list[str] | tuple[str, ...]) -> Limits:
        """These limits changed by ``NAME=VALUE`` options (``pages=5000``, ``pixels=4e9``)."""
        changes = {}
        for option in options:
            name, _, value = option.partition("=")
            name = name.strip().replace("-", "_")
            if name == "seconds":
                raise CompareError(
                    f"limit '{option}': there is no time limit any more (whether a file is read "
                    "must not depend on how busy the machine is); scans are bounded by pages, "
                    "page_pixels and pixels"
                )
            if name not in self.names() or not value.strip():
                raise CompareError(
                    f"unknown limit '{option}'; use NAME=VALUE with NAME one of "
                    + ", ".join(self.names())
                )
            kind = type(getattr(self, name))
            try:
                changes[name] = kind(float(value)) if kind is int else kind(value)
            except ValueError as exc:
                raise CompareError(f"limit '{option}': {value!r} is not a number") from exc
            if changes[name] < 0:
                raise CompareError(f"limit '{option}': must not be negative")
        return replace(self, **changes)


DEFAULT_LIMITS = Limits()


class LimitExceeded(Exception):
    """A file went over one of its :class:`Limits`; the message says which and by how much."""


def _size(n: int) -> str:
    return f"{n / MB:,.0f} MB" if n >= MB else f"{n:,} bytes"


# --------------------------------------------------------------------------- containers
def check_docx(data: bytes, limits: Limits) -> None:
    """Refuse a .docx whose parts unpack to more than ``unpacked_bytes`` (a zip bomb) or whose
    body holds more than ``paragraphs`` paragraphs and rows, before it is parsed."""
    import io
    import zipfile

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        return  # not a zip at all: python-docx says so in its own words
    with archive:
        declared = sum(info.file_size for info in archive.infolist())
        if declared > limits.unpacked_bytes:
            raise LimitExceeded(
                f"the Word file unpacks to {_size(declared)} (limit: unpacked_bytes = "
                f"{_size(limits.unpacked_bytes)}); it may be a zip bomb"
            )
        try:
            body = archive.read("word/document.xml")
        except KeyError:
            return
    # a paragraph, table row or run, under whatever prefix the file binds to Word's namespace
    # (``<q:p/>`` is a paragraph as much as ``<w:p/>``); the declared sizes above bound what
    # is read here
    counts = {"p": 0, "tr": 0, "r": 0}
    for match in _WORD_ELEMENT.finditer(body):
        counts[match.group(1).decode()] += 1
    if counts["p"] + counts["tr"] > limits.paragraphs:
        raise LimitExceeded(
            f"the Word file has {counts['p'] + counts['tr']:,} paragraphs and table rows "
            f"(limit: paragraphs = {limits.paragraphs:,})"
        )
    if counts["r"] > limits.runs:
        raise LimitExceeded(
            f"the Word file has {counts['r']:,} runs of text (limit: runs = {limits.runs:,})"
        )


_WORD_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(p|tr|r)[\s>/]")


def check_pdf(data: bytes, limits: Limits) -> None:
    """Refuse a PDF whose streams (other than images, which reading text never unpacks)
    unpack to more than ``unpacked_bytes`` in all: a stream bomb. Each stream's filter chain is
    followed a piece at a time and counting stops at the limit, so the check itself is cheap
    (see :mod:`compare.read.pdf_streams`)."""
    from compare.read.pdf_streams import streams, unpacked_size

    budget = limits.unpacked_bytes
    total = 0
    for stream in streams(data):
        if stream.is_image or not stream.filters:
            continue
        total += unpacked_size(data, stream, budget - total + 1)
        if total > budget:
            raise LimitExceeded(
                f"the PDF's streams unpack to more than {_size(budget)} "
                f"(limit: unpacked_bytes); it may be a stream bomb"
            )


def check_pages(n: int, limits: Limits) -> None:
    """Refuse a PDF of ``n`` pages if that is more than ``pages``."""
    if n > limits.pages:
        raise LimitExceeded(f"the PDF has {n:,} pages (limit: pages = {limits.pages:,})")


class PixelBudget:
    """What the page images of one file read by OCR may still cost under ``page_pixels`` and
    ``pixels``. Each page image's size is offered (:meth:`check`, :meth:`take`) before it is
    decoded, enlarged or rendered, so an oversized one is refused before it costs memory or
    time."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.used = 0

    def check(self, width: int, height: int, page: int, what: str = "is") -> None:
        """Refuse page ``page``'s image of ``width`` × ``height`` pixels if it is over
        ``page_pixels``; ``what`` says how it gets that size ("is", "would be rendered at
        200 dpi to" …). Raises :class:`LimitExceeded`."""
        n = width * height
        if n > self.limits.page_pixels:
            raise LimitExceeded(
                f"page {page} {what} {width:,} × {height:,} pixels, {n:,} in all "
                f"(limit: page_pixels = {self.limits.page_pixels:,})"
            )

    def take(self, width: int, height: int, page: int, what: str = "is") -> None:
        """:meth:`check` the page image OCR will read, then count it against ``pixels``, the
        pixels of all the file's page images. Raises :class:`LimitExceeded`."""
        self.check(width, height, page, what)
        self.used += width * height
        if self.used > self.limits.pixels:
            raise LimitExceeded(
                f"the page images up to page {page} have {self.used:,} pixels "
                f"(limit: pixels = {self.limits.pixels:,})"
            )


def html_depth(root) -> int:
    """Deepest nesting of elements under ``root`` (a BeautifulSoup tree), without recursion."""
    from bs4 import Tag

    depth = {id(root): 0}
    deepest = 0
    for el in root.descendants:
        if isinstance(el, Tag):
            d = depth.get(id(el.parent), 0) + 1
            depth[id(el)] = d
            deepest = max(deepest, d)
    return deepest


def check_html_depth(root, limits: Limits) -> None:
    deepest = html_depth(root)
    if deepest > limits.html_depth:
        raise LimitExceeded(
            f"the web page nests its elements {deepest:,} levels deep "
            f"(limit: html_depth = {limits.html_depth:,})"
        )


# --------------------------------------------------------------------------- memory
def private_memory() -> int | None:
    """Bytes of writable private memory this process holds now (Linux: ``VmData`` of
    ``/proc/self/status``, what ``RLIMIT_DATA`` limits), or None where that cannot be read.
    Unlike the whole address space, it leaves out the room each thread's heap reserves but
    has not used, so it grows with what reading a file really asks for."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmData:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


#: The ceilings in force in this process, innermost last: (extra bytes allowed, the soft limit
#: before the ceiling was set).
_CEILINGS: list[tuple[int, int]] = []


@contextmanager
def memory_ceiling(extra: int) -> Iterator[None]:
    """Within the block, this process may hold at most ``extra`` more bytes of private memory
    (:func:`private_memory`) than on entry (its soft ``RLIMIT_DATA``; a lower limit already
    set, for instance by ``prlimit``, is kept): going over raises :class:`MemoryError` (or a
    library's own error saying so, see :func:`out_of_memory`) where the memory is asked for,
    instead of exhausting the machine. The limit before is put back on leaving. Where memory
    cannot be measured or limited (not Linux), the block runs without one."""
    try:
        import resource
    except ImportError:  # Windows
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if not _set_ceiling(extra, soft):
        yield
        return
    _CEILINGS.append((extra, soft))
    try:
        yield
    finally:
        _CEILINGS.pop()
        resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))


@contextmanager
def program_memory() -> Iterator[None]:
    """Lift the :func:`memory_ceiling` in force while the program loads what it keeps for
    every file (the OCR engine and its models), then set it again from what the process holds
    after: a file is measured by what reading it costs, not by what it was first to need."""
    if not _CEILINGS:
        yield
        return
    import resource

    extra, before = _CEILINGS[-1]
    resource.setrlimit(resource.RLIMIT_DATA, (before, resource.getrlimit(resource.RLIMIT_DATA)[1]))
    try:
        yield
    finally:
        _set_ceiling(extra, before)


def _set_ceiling(extra: int, outer: int) -> bool:
    """Set the soft private-memory limit to what the process holds now plus ``extra``, never
    above ``outer`` (the limit outside) or the hard limit; False where it cannot be."""
    import resource

    used = private_memory()
    if used is None:
        return False
    hard = resource.getrlimit(resource.RLIMIT_DATA)[1]
    ceiling = used + extra
    for limit in (outer, hard):
        if limit != resource.RLIM_INFINITY:
            ceiling = min(ceiling, limit)
    try:
        resource.setrlimit(resource.RLIMIT_DATA, (ceiling, hard))
    except (ValueError, OSError):
        return False
    return True


_OUT_OF_MEMORY = re.compile(
    r"bad_alloc|out of memory|insufficient memory|cannot allocate|memory allocation|"
    r"failed to map segment|can't start new thread|MemoryError|ERR_NO_MEMORY",
    re.IGNORECASE,
)


def out_of_memory(exc: BaseException | None) -> bool:
    """Whether ``exc``, or an error it was raised from, is memory running out: Python's
    :class:`MemoryError`, or a library's own words for it (ONNX Runtime's ``bad_alloc``,
    OpenCV's "Insufficient memory", libxml2's ``ERR_NO_MEMORY`` in lxml's error log, a shared
    library that could not be mapped)."""
    seen = 0
    while exc is not None and seen < 20:
        said = f"{exc} {getattr(exc, 'error_log', '')}"
        if isinstance(exc, MemoryError) or _OUT_OF_MEMORY.search(said):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False
