"""Errors that speak the user's language: which file, what is wrong, what to do."""
from __future__ import annotations

from pathlib import Path


class CompareError(Exception):
    """Base class for every error this package raises on purpose."""


class DocumentError(CompareError):
    """A raw document cannot be read or is not a policy text.

    The message names the file and the problem, e.g.
    ``data/raw/plans/scan.pdf: the PDF has no text layer (a scanned image); run OCR first``.
    """

    def __init__(self, path: str | Path, reason: str, *, hint: str | None = None):
        self.path = str(path)
        self.reason = reason
        self.hint = hint
        message = f"{self.path}: {reason}"
        if hint:
            message += f" ({hint})"
        super().__init__(message)


class SchemaError(CompareError):
    """A table does not match its declared schema; nothing is written."""
