"""Errors that speak the user's language: which file, what is wrong, what to do."""
from __future__ import annotations

import os
import re
from pathlib import Path, PurePath

#: Characters a terminal would act on (ESC sequences, bells, NUL …), text-direction overrides
#: that make a file name read differently from what it is, and lone surrogates (a file name's
#: bytes that are not UTF-8, as Python keeps them), which no file, table or terminal can take.
_UNPRINTABLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
#: How Python keeps a byte of a file name that is not UTF-8: U+DC80 to U+DCFF.
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def printable(text: str) -> str:
    """``text`` with every control character written out (``"a\\x1b[31m"`` for ESC [31m), so a
    file name can be shown in a message or a table and never act on the terminal; a byte of a
    name that is not UTF-8 is written as that byte (``"\\xff"``)."""
    return _UNPRINTABLE.sub(lambda m: _escaped(m.group(0)), text)


def _escaped(char: str) -> str:
    if _ESCAPED_BYTE.match(char):
        return f"\\x{ord(char) - 0xDC00:02x}"
    return char.encode("unicode_escape").decode("ascii")


def printable_path(path: str | os.PathLike) -> str:
    """A file's path as people see it, in any message or table: each part of it whose bytes are
    not UTF-8 is read as GB18030 (GBK is part of it: the names a Chinese Windows share gives)
    when it is that, else those bytes are written out; then control characters are written out
    as by :func:`printable`. The same bytes always show the same way, and showing a shown name
    again changes nothing.

    >>> import os
    >>> printable_path("plans/" + os.fsdecode("残疾人.txt".encode("gbk")))
    'plans/残疾人.txt'
    >>> printable_path("plans/" + os.fsdecode(b"plan\\xff.txt"))
    'plans/plan\\\\xff.txt'
    """
    text = path.as_posix() if isinstance(path, PurePath) else os.fsdecode(os.fspath(path))
    return printable("/".join(_readable_name(part) for part in text.split("/")))


def _readable_name(name: str) -> str:
    """One part of a path, its bytes read as GB18030 when they are not UTF-8 (else as given)."""
    if not _ESCAPED_BYTE.search(name):
        return name
    try:
        data = name.encode("utf-8", "surrogateescape")
        return data.decode("gb18030")
    except UnicodeError:  # not GBK either: printable writes its bytes out
        return name


class CompareError(Exception):
    """Base class for every error this package raises on purpose."""


class DocumentError(CompareError):
    """A raw document cannot be read or is not a policy text.

    The message names the file and the problem, e.g.
    ``data/raw/plans/scan.pdf: the PDF has no text layer (a scanned image); run OCR first``.
    """

    def __init__(self, path: str | Path, reason: str, *, hint: str | None = None):
        self.path = printable_path(path)
        self.reason = printable(reason)
        self.hint = hint
        message = f"{self.path}: {self.reason}"
        if hint:
            message += f" ({hint})"
        super().__init__(message)


class SchemaError(CompareError):
    """A table does not match its declared schema; nothing is written."""
