"""Errors that speak the user's language: which file, what is wrong, what to do."""
from __future__ import annotations

import re
from pathlib import Path

#: Characters a terminal would act on (ESC sequences, bells, NUL …) and text-direction overrides
#: that make a file name read differently from what it is.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` with every control character written out (``"a\\x1b[31m"`` for ESC [31m), so a
    file name can be shown in a message or a table and never act on the terminal."""
    return _UNPRINTABLE.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)


class CompareError(Exception):
    """Base class for every error this package raises on purpose."""


class DocumentError(CompareError):
    """A raw document cannot be read or is not a policy text.

    The message names the file and the problem, e.g.
    ``data/raw/plans/scan.pdf: the PDF has no text layer (a scanned image); run OCR first``.
    """

    def __init__(self, path: str | Path, reason: str, *, hint: str | None = None):
        self.path = printable(str(path))
        self.reason = printable(reason)
        self.hint = hint
        message = f"{self.path}: {self.reason}"
        if hint:
            message += f" ({hint})"
        super().__init__(message)


class SchemaError(CompareError):
    """A table does not match its declared schema; nothing is written."""
