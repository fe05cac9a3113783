"""Remove site furniture (navigation, print buttons, footers, essay-site intros) and lift the
metadata block that government sites print above a document.

Patterns live in ``resources/boilerplate.yaml`` so a researcher can extend them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache


from compare.config import RESOURCES_DIR, load_yaml


@dataclass(frozen=True)
class Boilerplate:
    drop_lines: tuple[re.Pattern, ...]
    footer_starts: tuple[re.Pattern, ...]
    strip_in_line: tuple[re.Pattern, ...]
    metadata_labels: dict[str, str] = field(default_factory=dict)


@lru_cache(maxsize=1)
def load_boilerplate() -> Boilerplate:
    raw = load_yaml((RESOURCES_DIR / "boilerplate.yaml").read_text(encoding="utf-8"))
    comp = lambda key: tuple(re.compile(p) for p in raw.get(key, []))  # noqa: E731
    return Boilerplate(comp("drop_lines"), comp("footer_starts"), comp("strip_in_line"),
                       dict(raw.get("metadata_labels", {})))


def strip_boilerplate(text: str) -> tuple[str, list[str]]:
    """Return ``(text without site furniture, removed lines)``.

    Removed lines are returned so the build report can show what was dropped.
    """
    bp = load_boilerplate()
    lines = text.split("\n")
    removed: list[str] = []
    # footer: first footer marker in the last quarter of the non-empty lines
    content_idx = [i for i, ln in enumerate(lines) if ln.strip()]
    if content_idx:
        tail_start = content_idx[int(len(content_idx) * 0.75)]
        for i in range(tail_start, len(lines)):
            if any(p.search(lines[i].strip()) for p in bp.footer_starts):
                removed.extend(ln for ln in lines[i:] if ln.strip())
                lines = lines[:i]
                break
    kept = []
    for line in lines:
        stripped = line.strip()
        if stripped and any(p.search(stripped) for p in bp.drop_lines):
            removed.append(stripped)
            continue
        for pattern in bp.strip_in_line:
            new = pattern.sub("", stripped)
            if new != stripped:
                stripped = new
                line = new
        kept.append(line)
    return "\n".join(kept), removed


_LABEL_LINE = re.compile(r"^\s*(?:\d{1,2}[.、]\s*|[•·●▪◆\-*]\s*)?[\[【［]\s*([^\]】］]{1,8}?)\s*[\]】］]\s*(.*)$")
_COLON_LINE = re.compile(r"^\s*([^：:\s]{2,5})\s*[：:]\s*(.+?)\s*$")
_BULLET = re.compile(r"^\s*(?:[•·●▪◆\-*]\s*)")
_EMPTY_VALUE = re.compile(r"^[\s\-—–－]*$|^[〔\[［]\s*[〕\]］]$")


def extract_metadata_block(text: str, *, head_lines: int = 60) -> tuple[str, dict[str, str]]:
    """Lift a site's metadata block (``[成文日期] 2017-09-11`` …) out of the first lines.

    Returns ``(text without the block, {field: value})`` with fields named as in
    ``metadata_labels`` (``signed_date``, ``doc_number``, ``posted_date`` …). Empty values
    such as ``----`` or ``〔〕`` are dropped.
    """
    labels = load_boilerplate().metadata_labels
    lines = text.split("\n")
    meta: dict[str, str] = {}
    drop: set[int] = set()
    limit = min(len(lines), head_lines)
    i = 0
    while i < limit:
        line = lines[i]
        m = _LABEL_LINE.match(line)
        key = value = None
        if m and m.group(1).replace(" ", "") in labels:
            key, value = labels[m.group(1).replace(" ", "")], m.group(2).strip()
            drop.add(i)
            if not value:  # value on the next non-empty line (• [ 发文字号 ] / • 渝北府发〔2022〕35号)
                j = i + 1
                while j < limit and not lines[j].strip():
                    j += 1
                if j < limit and not _LABEL_LINE.match(lines[j]):
                    value = _BULLET.sub("", lines[j]).strip()
                    drop.add(j)
                    i = j
        else:
            m = _COLON_LINE.match(line)
            if m and m.group(1) in labels and labels[m.group(1)] != "title":
                key, value = labels[m.group(1)], m.group(2)
                drop.add(i)
        if key and value and not _EMPTY_VALUE.match(value) and key not in meta:
            meta[key] = value
        i += 1
    kept = [ln for k, ln in enumerate(lines) if k not in drop]
    return "\n".join(kept), meta
