"""The optional ``sources.yaml`` manifest: what a user knows about each raw file.

Shape (the corpus's own file is an example)::

    plans:
      - file: plans/000_xxx.txt
        document: 北京市东城区人民政府关于…的实施意见（东政发〔2017〕7号）
    templates:
      - file: templates/guofa-2015-7.txt
        document: 国务院关于加快推进残疾人小康进程的意见（国发〔2015〕7号）
        level: national
        completeness: partial

``file`` may be relative to the manifest's folder or to any folder above it inside the raw
folder. Text always wins: the manifest only fills fields the text lacks, and a document
records which fields came from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from compare.config import MANIFEST_NAMES, load_yaml
from compare.errors import DocumentError, printable, printable_path

LEVELS = ("national", "provincial", "prefecture", "county")


@dataclass(frozen=True)
class ManifestEntry:
    file: Path
    role: str | None = None
    title: str | None = None
    doc_number: str | None = None
    level: str | None = None
    is_partial: bool | None = None
    extra: dict = field(default_factory=dict)


def find_manifests(raw_root: Path) -> list[Path]:
    return sorted(p for name in MANIFEST_NAMES for p in raw_root.rglob(name) if p.is_file())


def load_manifest(path: Path, raw_root: Path) -> tuple[dict[Path, ManifestEntry], list[str]]:
    """Entries keyed by resolved file path, plus warnings for entries that match no file."""
    from compare.read.metadata import split_title_doc_number

    entries: dict[Path, ManifestEntry] = {}
    warnings: list[str] = []
    shown = printable_path(path)  # a folder's name may be in GBK bytes (or hold an ESC)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DocumentError(path, "is not a readable UTF-8 manifest") from exc
    try:
        data = load_yaml(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        warnings.append(
            f"{shown}: not strict YAML{where} ({getattr(exc, 'problem', exc)}); "
            "read line by line instead"
        )
        data = parse_lenient(text)
    if not isinstance(data, dict):
        raise DocumentError(path, "must map 'plans' / 'templates' to lists of entries")
    for section, items in data.items():
        role = {"plans": "plan", "templates": "template"}.get(section)
        for item in items or []:
            if not isinstance(item, dict) or "file" not in item:
                warnings.append(f"{shown}: an entry under '{section}' has no 'file'")
                continue
            target = _resolve(path.parent, raw_root, str(item["file"]))
            if target is None:
                named = printable(str(item["file"]))
                warnings.append(f"{shown}: entry '{named}' matches no file in the raw folder")
                continue
            title, number = (None, None)
            if item.get("document"):
                title, number = split_title_doc_number(str(item["document"]).strip())
            level = str(item.get("level", "")).split()[0].strip(";,") if item.get("level") else None
            completeness = str(item.get("completeness", "")).strip().lower()
            entries[target] = ManifestEntry(
                file=target,
                role=item.get("role") or role,
                title=title,
                doc_number=number,
                level=level if level in LEVELS else None,
                is_partial={"partial": True, "complete": False, "full": False}.get(completeness),
                extra={
                    k: v
                    for k, v in item.items()
                    if k not in {"file", "document", "level", "completeness", "role"}
                },
            )
    return entries, warnings


def parse_lenient(text: str) -> dict:
    """Read the manifest's simple shape (sections of ``- key: value`` items) without YAML rules.

    Hand-written manifests often break YAML (``notes: folded to , : ( ).``); each line is
    split at its first ``": "`` instead.
    """
    data: dict[str, list[dict]] = {}
    section: list[dict] | None = None
    item: dict | None = None
    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        top = re.match(r"^([A-Za-z_][\w-]*):\s*$", raw)
        if top:
            section = data.setdefault(top.group(1), [])
            item = None
            continue
        m = re.match(r"^\s*(-\s+)?([A-Za-z_][\w-]*):\s?(.*)$", raw)
        if m and section is not None:
            if m.group(1) or item is None:
                item = {}
                section.append(item)
            item[m.group(2)] = m.group(3).strip().strip("'\"")
    return data


def _resolve(manifest_dir: Path, raw_root: Path, name: str) -> Path | None:
    candidates = [manifest_dir / name]
    parent = manifest_dir
    while parent != raw_root and raw_root in parent.parents:
        parent = parent.parent
        candidates.append(parent / name)
    for cand in candidates:
        if cand.is_file():
            return cand.resolve()
    matches = [p for p in raw_root.rglob(Path(name).name) if p.is_file()]
    return matches[0].resolve() if len(matches) == 1 else None
