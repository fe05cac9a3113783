"""What a build's tables depend on, as one key: when nothing of it changed, the tables in the
output folder are up to date and ``compare build`` has nothing to do.

The tables are a deterministic function of the raw files (every file under the raw folder,
manifests and sidecars included, by content), the program (:func:`compare.parallel.code_version`),
the reading options (limits, following links) and the fitted references used. The key hashes
all of these; the store keeps it with the build (:func:`compare.store.up_to_date` compares).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path



def raw_key(raw_dir: Path, *, options: str = "") -> str:
    """A key of the raw files (relative path, and content hash of each, links by their text and
    where they end) with the program's version and the reading ``options``. Names are keyed by
    their bytes, whatever their encoding; a link in a circle by its text, never failing."""
    from compare.parallel import code_version

    raw_dir = Path(raw_dir)
    h = hashlib.sha256(f"{code_version()}\x1f{options}".encode())
    for path in sorted(raw_dir.rglob("*"), key=lambda p: p.relative_to(raw_dir).as_posix()):
        rel = path.relative_to(raw_dir).as_posix()
        if any(part.startswith(".") for part in Path(rel).parts):
            continue  # never read by a build
        if path.is_symlink():
            # realpath, unlike resolve(), stops where a circle closes instead of failing
            end = f"{_link_text(path)}\x1f{os.path.realpath(path)}"
            h.update(f"\x1e{rel}\x1f->{end}".encode("utf-8", "surrogateescape"))
        if path.is_file():
            h.update(f"\x1e{rel}\x1f{file_sha256(path)}".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def _link_text(link: Path) -> str:
    """What ``link`` says it leads to (empty when it is gone: the walk met it a moment ago)."""
    try:
        return os.readlink(link)
    except OSError:
        return ""


def fit_key(folder: Path | None) -> str:
    """A key of the fitted references in ``folder`` (empty without one): the fit's id and its
    model's content (not when it was made)."""
    if folder is None:
        return ""
    try:
        fit_id = json.loads((Path(folder) / "manifest.json").read_text(encoding="utf-8"))["fit_id"]
    except (OSError, ValueError, KeyError, TypeError):
        fit_id = "-"
    return f"{fit_id}/{file_sha256(Path(folder) / 'model.entry') or '-'}"


def inputs_key(raw: str, fit: str) -> str:
    return hashlib.sha256(f"{raw}\x1f{fit}".encode()).hexdigest()


def file_sha256(path: Path) -> str | None:
    """The SHA-256 of a file's content (hex), or None when it cannot be read.

    A file whose place, size and change times are as when it was last hashed in this process
    is not read again: a build hashes every raw file for its inputs key and again for the
    read stage's cache keys."""
    try:
        st = os.stat(path)
        seen = (os.fspath(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        if seen in _HASHED:
            return _HASHED[seen]
        with open(path, "rb") as fh:
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        return None
    if len(_HASHED) >= 100_000:  # a long session: forget, rather than grow without end
        _HASHED.clear()
    _HASHED[seen] = digest
    return digest


_HASHED: dict[tuple, str] = {}
