"""Reading raw plans: any supported file → a :class:`Document` (clean text + metadata).

    >>> doc = read_document("data/raw/plans/plan.txt", raw_root="data/raw")
    >>> doc.meta["doc_number"]
    '东政发〔2017〕7号'
"""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from compare.config import ROLE_FOLDERS
from compare.errors import DocumentError, printable_path
from compare.normalize import CONTROL_CHARS, INVISIBLE_CHARS, clean_text, cjk_count, \
    collapse_blank_lines
from compare.read import metadata as md
from compare.read.boilerplate import extract_metadata_block, strip_boilerplate
from compare.read.acceptance import check_policy_text, partial_reason
from compare.read.fields import extract_metadata
from compare.read.formats import load_reader, read_file_text
from compare.read.layout import drop_table_of_contents, spaced_cells_to_tabs, split_run_on, \
    strip_heading_markup, strip_leaked_markup, strip_pinyin_annotations
from compare.read.limits import DEFAULT_LIMITS, LimitExceeded, Limits, memory_ceiling, \
    out_of_memory
from compare.read.manifest import ManifestEntry
from compare.read.script import detect_script, to_simplified

__all__ = ["Document", "extract_metadata", "read_document", "role_from_path"]


@dataclass
class Document:
    """One raw file after reading: verbatim text, clean text and metadata fields."""

    source_file: str
    role: str
    format: str
    encoding: str
    script: str
    content_sha256: str
    original_text: str
    text: str
    meta: dict = field(default_factory=dict)
    text_source: str = "text_layer"       # text_layer, ocr or mixed
    ocr_confidence: float | None = None   # mean confidence of the words OCR read
    removed_lines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def role_from_path(path: Path, raw_root: Path | None) -> str | None:
    """``plan`` or ``template`` from the folder the user put the file in, else ``None``."""
    inside = raw_root and raw_root in path.parents
    parts = path.relative_to(raw_root).parts[:-1] if inside else path.parts[:-1]
    for part in reversed(parts):
        if part.lower() in ROLE_FOLDERS:
            return ROLE_FOLDERS[part.lower()]
    return None


def _relative(path: Path, raw_root: Path | None) -> str:
    """The file's name as people see it: its path under the raw folder (links not followed), with
    control characters in a file name written out (``\\x1b``), never sent to a terminal, and a
    name in GBK bytes read as such (:func:`~compare.errors.printable_path`)."""
    if raw_root is not None:
        try:
            top = os.path.abspath(raw_root)
            return printable_path(Path(os.path.abspath(path)).relative_to(top))
        except ValueError:
            pass
    return printable_path(path)


def read_document(path, *, raw_root=None, manifest: ManifestEntry | None = None,
                  limits: Limits = DEFAULT_LIMITS) -> Document:
    """Read one file into a :class:`Document`, within ``limits`` (size, unpacked size, nesting,
    paragraphs, pages, pixels of scanned pages: see :class:`~compare.read.limits.Limits`).

    Raises :class:`DocumentError` (naming the file and the reason) for empty, binary,
    undecodable, scanned, over-limit or non-policy files. The file itself is only read, never
    written.
    """
    path = Path(path)
    raw_root = Path(raw_root) if raw_root is not None else None
    shown = _relative(path, raw_root)
    load_reader(path)
    try:
        with memory_ceiling(limits.memory):
            return _read_document(path, raw_root, manifest, limits, shown)
    except LimitExceeded as exc:
        raise DocumentError(shown, f"is refused: {exc}", hint=_RAISE_LIMIT) from None
    except Exception as exc:
        if not out_of_memory(exc):
            raise
        raise DocumentError(
            shown, f"is refused: reading it needs more than {_amount(limits.memory)} of memory "
            "(limit: memory)",
            hint=_RAISE_LIMIT,
        ) from None


_RAISE_LIMIT = "if it is a real plan, raise the limit with compare build --limit"


def _amount(n: int) -> str:
    return f"{n / 2**30:,.1f} GB" if n >= 2**30 else f"{n / 2**20:,.0f} MB"


def _read_document(path: Path, raw_root: Path | None, manifest: ManifestEntry | None,
                   limits: Limits, shown: str) -> Document:
    try:
        size = path.stat().st_size
    except OSError:
        size = 0  # reading it says what is wrong
    if size > limits.file_bytes:
        raise LimitExceeded(f"the file is {size / 1024 / 1024:,.0f} MB (limit: file_bytes = "
                            f"{limits.file_bytes / 1024 / 1024:,.0f} MB)")
    try:
        data = path.read_bytes()
    except PermissionError as exc:
        raise DocumentError(shown, "cannot be read (permission denied)") from exc
    except IsADirectoryError as exc:
        raise DocumentError(shown, "is a folder, not a file") from exc
    except OSError as exc:
        raise DocumentError(shown, f"cannot be read ({exc.strerror or exc})") from exc
    if not data:
        raise DocumentError(shown, "is empty (0 bytes)")
    notes: list[str] = []
    provenance: dict = {}
    named = path if path.suffix else path.with_suffix(".txt")
    original, fmt, encoding = read_file_text(named, data, shown, limits, notes, provenance)
    original, n_control = _without_control_chars(original)
    original, n_invisible = _without_invisible_chars(original)
    if not original.strip():
        raise DocumentError(shown, "contains only whitespace")

    text = strip_leaked_markup(original) if fmt in ("txt", "md") else original
    text = strip_heading_markup(text)
    text = spaced_cells_to_tabs(strip_pinyin_annotations(text))  # before spaces are folded
    script = detect_script(text)
    text = to_simplified(text) if script == "traditional" else text
    text = split_run_on(clean_text(text))
    text, contents = drop_table_of_contents(text)
    text, meta_block = extract_metadata_block(text)
    text, removed = strip_boilerplate(text)
    removed = contents + removed
    lines = text.split("\n")
    title, span = md.find_title(lines)
    lines, junk = _strip_head_labels(lines, span[0] if span else md.head_end(lines))
    removed += junk
    text = collapse_blank_lines("\n".join(lines))

    role = role_from_path(path, raw_root) or (manifest.role if manifest else None) or "plan"
    doc = Document(
        source_file=shown, role=role, format=fmt, encoding=encoding, script=script,
        content_sha256=hashlib.sha256(data).hexdigest(), original_text=original, text=text,
        removed_lines=removed,
    )
    doc.warnings += notes
    doc.text_source = provenance.get("text_source", "text_layer")
    if provenance.get("ocr") is not None:
        doc.ocr_confidence = provenance["ocr"].confidence
    if n_control:
        doc.warnings.append(f"{n_control} control character(s) (NUL, ESC …) removed from the text")
    if n_invisible:
        doc.warnings.append(f"{n_invisible} invisible character(s) (text-direction overrides, "
                            "zero-width spaces …) removed from the text")
    doc.meta = extract_metadata(text, meta_block, manifest=manifest, warnings=doc.warnings)
    check_policy_text(doc.text, doc.meta, shown)
    _mark_partial(doc, contents)
    return doc


def _mark_partial(doc: Document, contents: list[str]) -> None:
    """``is_partial`` and its reason from the text, unless the manifest says (it wins)."""
    meta = doc.meta
    if meta["is_partial"] is not None:
        if meta["is_partial"]:
            meta["partial_reason"] = "named partial in the manifest"
        return
    reason = partial_reason(doc.text, meta, contents=contents)
    meta["is_partial"] = reason is not None
    meta["partial_reason"] = reason
    if reason:
        doc.warnings.append(f"partial text: {reason}; built as far as it goes")


def _without_control_chars(text: str) -> tuple[str, int]:
    """The text without control characters, and how many were removed: they break spreadsheets
    and terminals and mean nothing. A form feed (a page break in text copied from a PDF) and a
    vertical tab are line breaks, kept as such and not counted."""
    if not CONTROL_CHARS.search(text):
        return text, 0
    text = text.replace("\x0c", "\n\n").replace("\x0b", "\n")
    n = len(CONTROL_CHARS.findall(text))
    return CONTROL_CHARS.sub("", text), n


def _without_invisible_chars(text: str) -> tuple[str, int]:
    """The text without invisible formatting characters (:data:`INVISIBLE_CHARS`: text-direction
    overrides and marks, zero-width spaces and joiners), and how many were removed. A U+202E in
    a title makes a report show it backwards; none means anything in a policy text."""
    n = len(INVISIBLE_CHARS.findall(text))
    return (INVISIBLE_CHARS.sub("", text), n) if n else (text, 0)


def _strip_head_labels(lines: list[str], title_start: int) -> tuple[list[str], list[str]]:
    """Drop short site labels above the title (a category name such as 工作总结)."""
    kept, removed = [], []
    for i, line in enumerate(lines):
        s = line.strip().lstrip("#").strip()
        if (i < title_start and s and cjk_count(s) <= 8 and not md.parse_doc_numbers(s)
                and not re.search(r"\d{4}", s) and not md.is_issuer_line(s)
                and not s.endswith("文件")):
            removed.append(s)
            continue
        kept.append(line)
    return kept, removed
