"""Where a document comes from when its issuer does not say.

Web copies often drop the place from the issuer (``市人民政府关于…``, ``市政府办公厅``) or lose
the issuer altogether (a page that opens at the preamble). The place is then restored from
the evidence a reader would use, in this order:

1. the signature block (``南京市人民政府办公厅`` under the notice);
2. the site's 发布机构 field (``鄂州市政府``);
3. the place that opens the plan's title (``南京市残疾预防行动计划``);
4. the document number's abbreviation (``哈政办发`` → 哈尔滨市; resources/doc_number_prefixes.yaml,
   else a place the text names that begins with it: ``镇政办发`` and ``推进和谐镇坪建设`` → 镇坪县);
5. the place the text calls its own (``结合杭州实际``).

Each step returns a gazetteer place or None; nothing is guessed from one weak hint.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from compare.config import RESOURCES_DIR, load_yaml
from compare.normalize import CJK
from compare.read import metadata as md

#: The level a body's first character implies when it names no place (市人民政府 → a city).
_LEVEL_CHAR = {
    "省": ("provincial",),
    "市": ("prefecture", "county"),
    "州": ("prefecture",),
    "盟": ("prefecture",),
    "区": ("county",),
    "县": ("county",),
    "旗": ("county",),
}
_BODY = re.compile(r"(?:政办发|政办函|政办|政发|政函|府发|府办发|府办|政综|政)$")
_SELF_PLACE = re.compile(
    f"结合([{CJK}]{{2,8}}?)实际|推进(?:和谐|美丽|幸福|平安)([{CJK}]{{2,4}}?)建设"
)


@lru_cache(maxsize=1)
def prefix_places() -> dict[str, str]:
    """Document-number abbreviations → city (resources/doc_number_prefixes.yaml)."""
    return dict(
        load_yaml((RESOURCES_DIR / "doc_number_prefixes.yaml").read_text(encoding="utf-8")) or {}
    )


@lru_cache(maxsize=1)
def _short_names() -> dict[str, list[str]]:
    """Places by their name without its suffix (镇坪县 → 镇坪), for short names of two
    characters or more."""
    out: dict[str, list[str]] = {}
    for name, codes in md._gazetteer().items():
        short, suffix = md.strip_place_suffix(name)
        if suffix and len(short) >= 2:
            out.setdefault(short, []).extend(codes)
    return out


def place_of(issuer: str | None) -> md.Jurisdiction:
    return md.jurisdiction_of(issuer) if issuer else md.Jurisdiction(level=None)


def most_specific(j: md.Jurisdiction) -> str | None:
    return j.county or j.prefecture or j.province


def lacks_place(issuer: str | None) -> bool:
    """``市人民政府``, ``区政府办公室``: a body named by its level only."""
    return bool(issuer) and issuer[0] in _LEVEL_CHAR and place_of(issuer).level is None


def with_place(issuer: str, place: md.Jurisdiction) -> str | None:
    """``市人民政府`` with 鄂州市 → ``鄂州市人民政府``, when the place's level fits the body's."""
    name = most_specific(place)
    if not name or place.level not in _LEVEL_CHAR.get(issuer[0], ()):
        return None
    if not name.endswith(issuer[0]):
        return None
    return name + issuer[1:]


def title_place(title: str | None) -> md.Jurisdiction:
    """The place that opens a title (``南京市残疾预防行动计划`` → 南京市), if any."""
    if not title:
        return md.Jurisdiction(level=None)
    groups, _ = md._scan_places(title[:12])
    if not groups or not any(title.startswith(md._names_by_code()[c]) for c in groups[0]):
        return md.Jurisdiction(level=None)
    return md.jurisdiction_of(title[: _opening_length(title)] + "人民政府")


def _opening_length(title: str) -> int:
    """Characters of the place names that open ``title`` (湖南省娄底市… → 6)."""
    names = md._gazetteer()
    i = 0
    while True:
        for length in range(min(12, len(title) - i), 1, -1):
            if title[i : i + length] in names:
                i += length
                break
        else:
            return i


def doc_number_place(number: str | None, text: str = "") -> md.Jurisdiction:
    """The city or county a document number's abbreviation names (哈政办发 → 哈尔滨市), from the
    prefix table, else the one place the text names that begins with the abbreviation."""
    parts = md.doc_number_parts(number) if number else None
    if not parts:
        return md.Jurisdiction(level=None)
    org = parts[0]
    abbreviation = _BODY.sub("", org)
    if not abbreviation or abbreviation == org:
        return md.Jurisdiction(level=None)
    table = prefix_places()
    key = abbreviation + org[len(abbreviation)]
    if key in table:
        return md.jurisdiction_of(table[key] + "人民政府")
    if len(abbreviation) > 2 or abbreviation in md.resources().doc_number_provinces:
        return md.Jurisdiction(level=None)
    candidates = {
        md._names_by_code()[c]
        for name, codes in _short_names().items()
        if name.startswith(abbreviation) and name in text
        for c in codes
    }
    candidates |= {
        name
        for name in md._gazetteer()
        if name.startswith(abbreviation) and len(name) > 2 and name in text
    }
    names = {md.strip_place_suffix(n)[0] for n in candidates}
    if len(names) != 1:
        return md.Jurisdiction(level=None)
    return md.jurisdiction_of(sorted(candidates, key=len)[-1] + "人民政府", context=text)


def text_place(text: str) -> md.Jurisdiction:
    """The place a text calls its own: named in 结合…实际 / 推进和谐…建设, or the place it names
    most (full names), when one stands out."""
    votes: Counter = Counter()
    for m in _SELF_PLACE.finditer(text):
        name = m.group(1) or m.group(2)
        for full in _full_names(name):
            votes[full] += 3
    for name in md._gazetteer():
        if len(name) >= 3 and name in text:
            votes[name] += text.count(name)
    if not votes:
        return md.Jurisdiction(level=None)
    (best, n), *rest = votes.most_common(2) + [(None, 0)]
    if n < 2 or (rest and rest[0][1] == n):
        return md.Jurisdiction(level=None)
    return md.jurisdiction_of(best + "人民政府", context=text)


def _full_names(name: str) -> list[str]:
    gaz = md._gazetteer()
    if name in gaz:
        return [name]
    codes = _short_names().get(name, [])
    return sorted({md._names_by_code()[c] for c in codes})[:1] if len(codes) == 1 else []


def restore_issuer(
    issuer: str | None,
    *,
    signature: str | None,
    meta_issuer: str | None,
    title: str | None,
    number: str | None,
    text: str,
) -> str | None:
    """``issuer`` with its place put back when it is named by its level only (``市人民政府``)."""
    if not lacks_place(issuer):
        return issuer
    if (
        signature
        and not lacks_place(signature)
        and place_of(signature).level is not None
        and signature.endswith(issuer[1:][-3:])
    ):
        return signature
    for place in (
        place_of(meta_issuer),
        title_place(title),
        doc_number_place(number, text),
        text_place(text),
    ):
        restored = with_place(issuer, place)
        if restored:
            return restored
    return issuer


def issuer_from_number(number: str | None, text: str) -> str | None:
    """An issuer named by a document number alone: ``镇政办发〔2011〕155号`` in a text about 镇坪 →
    ``镇坪县人民政府办公室``; ``…政发`` / ``…府发`` → 人民政府. None for other kinds of number."""
    parts = md.doc_number_parts(number) if number else None
    if not parts:
        return None
    body = (
        "人民政府办公室"
        if re.search(r"政办发?$|府办发?$", parts[0])
        else ("人民政府" if re.search(r"(?:政|府)发$", parts[0]) else None)
    )
    place = most_specific(doc_number_place(number, text))
    return place + body if place and body else None
