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


_BULLET = re.compile(r"^\s*(?:\d{1,2}[.、]\s+|[•·●▪◆\-*]\s*)")
_EMPTY_VALUE = re.compile(r"^[\s\-—–－|]*$|^[〔\[［]\s*[〕\]］]$")


#: Fields whose value a site may print on the line below its label: short codes, dates and
#: names. A title, summary or keyword label left empty is never filled from the next line (that
#: line is the document's own title).
_SHORT_FIELDS = {"index_number", "doc_number", "signed_date", "posted_date", "effective_date", "repeal_date",
                 "validity", "issuer", "subject", "genre", "disclosure", "department", "source"}


@lru_cache(maxsize=1)
def _label_pattern() -> re.Pattern:
    """One label of the metadata block: ``[成文日期]`` or ``成文日期：`` (spaces inside allowed:
    ``索 引 号：``, ``标  题:``), the longest label first."""
    labels = sorted(load_boilerplate().metadata_labels, key=len, reverse=True)
    spaced = "|".join(r"\s*".join(map(re.escape, label)) for label in labels)
    return re.compile(f"(?:[\\[【［]\\s*(?P<b>{spaced})\\s*[\\]】］]\\s*[：:]?|(?P<c>{spaced})\\s*[：:])")


def _pairs(line: str) -> list[tuple[str, str]] | None:
    """``(label, value)`` pairs of a metadata line, or None when the line does not open with a
    label. One line may hold several (``文号: X 成文日期: Y``, ``索引号: | X | 发布文号: | Y |``)."""
    s = _BULLET.sub("", line).strip().strip("|").strip()
    pattern = _label_pattern()
    first = pattern.match(s)
    if not first:
        return None
    hits = list(pattern.finditer(s))
    pairs = []
    for k, hit in enumerate(hits):
        label = re.sub(r"\s", "", hit.group("b") or hit.group("c"))
        end = hits[k + 1].start() if k + 1 < len(hits) else len(s)
        pairs.append((label, s[hit.end():end].strip(" |\t")))
    return pairs


def extract_metadata_block(text: str, *, head_lines: int = 60) -> tuple[str, dict[str, str]]:
    """Lift a site's metadata block (``[成文日期] 2017-09-11`` …) out of the first lines.

    Returns ``(text without the block, {field: value})`` with fields named as in
    ``metadata_labels`` (``signed_date``, ``doc_number``, ``posted_date`` …). Every shape sites
    use is read: ``[label] value``, ``label：value``, several pairs on one line, a table row
    (``索引号： | X | 发布文号： | Y |``), and the value on the next line (``• 发文字号：`` /
    ``镇政发〔2024〕7号``). Empty values such as ``----`` or ``〔〕`` are dropped.
    """
    labels = load_boilerplate().metadata_labels
    lines = text.split("\n")
    meta: dict[str, str] = {}
    drop: set[int] = set()
    limit = min(len(lines), head_lines)
    i = 0
    while i < limit:
        pairs = _pairs(lines[i])
        if pairs is None:
            i += 1
            continue
        drop.add(i)
        label, value = pairs[-1]
        if not value and labels[label] in _SHORT_FIELDS:  # the value on the next non-empty line
            j = i + 1
            while j < limit and not lines[j].strip():
                j += 1
            if j < limit and _pairs(lines[j]) is None and len(lines[j].strip()) <= 40:
                pairs[-1] = (label, _BULLET.sub("", lines[j]).strip())
                drop.add(j)
                i = j
        for label, value in pairs:
            key = labels[label]
            if value and not _EMPTY_VALUE.match(value) and key not in meta:
                meta[key] = value
        i += 1
    kept = [ln for k, ln in enumerate(lines) if k not in drop]
    return "\n".join(kept), meta
