"""Agency names in task tables: split a cell into names, expand abbreviations, find functions.

A cell such as ``市民政局、残联、财政局等`` is three agencies written the short way: the
jurisdiction prefix of the list (市) is meant for all of them. :func:`split_agencies`
gives ``['市民政局', '市残联', '市财政局']``. :func:`agency_function` maps a name to its
canonical function (民政, 残联, 财政 …) through ``resources/agencies.yaml``, a reviewable
alias file: canonical function → every spelling seen.

    >>> split_agencies("市民政局、残联、财政局等")
    ['市民政局', '市残联', '市财政局']
    >>> agency_function("区人力社保局"), agency_function("市人社局")
    ('人社', '人社')
"""
from __future__ import annotations

import re
from functools import lru_cache


from compare.config import RESOURCES_DIR, load_yaml

ALIAS_FILE = RESOURCES_DIR / "agencies.yaml"

#: Separators inside an agency cell: 、 ， , ； ; / and line breaks (and spaces between names).
SEPARATORS = "、，,；;/／\n\t "
_SPLIT = re.compile(f"[{re.escape(SEPARATORS)}]+")
#: Jurisdiction prefixes: the level word, optionally its party committee / government / 级 / 属.
_LEVELS = "区市县旗省州"
_PREFIX = re.compile(f"^[{_LEVELS}](?:委|政府|级|属)?")
#: Names that carry their jurisdiction inside (团区委, 工商东城分局 use the place name).
_INNER_JURISDICTION = re.compile(f"[{_LEVELS}]委")


@lru_cache(maxsize=1)
def aliases() -> dict[str, str]:
    """Spelling (without jurisdiction) → canonical function, from ``agencies.yaml``."""
    data = load_yaml(ALIAS_FILE.read_text(encoding="utf-8")) or {}
    out: dict[str, str] = {}
    for function, spellings in (data.get("functions") or {}).items():
        for spelling in spellings or []:
            if spelling in out and out[spelling] != function:
                raise ValueError(f"{ALIAS_FILE.name}: {spelling} is listed under both {out[spelling]} and {function}")
            out[str(spelling)] = str(function)
    return out


def stems(name: str, places: tuple[str, ...] = ()) -> list[str]:
    """The forms of ``name`` tried against the alias file, most specific first.

    >>> stems("区委组织部")
    ['区委组织部', '委组织部', '组织部']
    >>> stems("工商东城分局", places=("东城",))
    ['工商东城分局', '工商分局']
    """
    name = name.strip()
    out = [name]
    for m in (re.match(f"^[{_LEVELS}各]", name), _PREFIX.match(name), re.match(f"^[{_LEVELS}](?:级|属)?各", name)):
        if m and m.end() < len(name) and name[m.end():] not in out:
            out.append(name[m.end():])
    for place in places:
        if place and place in name:
            for form in list(out):
                bare = form.replace(place, "", 1)
                if bare and bare not in out:
                    out.append(bare)
    return out


def agency_function(name: str, places: tuple[str, ...] = ()) -> str | None:
    """Canonical function of an agency name, or None when the alias file does not know it.

    ``places`` are the short names of the plan's own jurisdictions (东城, 北京), removed
    from names such as 工商东城分局 before lookup.
    """
    table = aliases()
    name = name.strip().removesuffix("等")
    for form in stems(name, places):
        if form in table:
            return table[form]
    return None


def has_jurisdiction(name: str, places: tuple[str, ...] = ()) -> bool:
    """Does the name say whose agency it is (区民政局, 团区委, 各街乡, 工商东城分局)?"""
    return bool(re.match(f"^[{_LEVELS}各]", name) or _INNER_JURISDICTION.search(name)
                or any(p and p in name for p in places))


def split_agencies(cell: str, places: tuple[str, ...] = ()) -> list[str]:
    """Agency names in a cell, in order, with a list's shared jurisdiction prefix expanded.

    The prefix of the first name (区, 市, 县 …) is given to the names after it only when the
    list is written the short way: most later names carry no jurisdiction of their own.
    A list that spells out 区 for nearly every name keeps its exceptions as written
    (``广电新闻中心`` stays as it is among ``区财政局、区民政局``).

    >>> split_agencies("区财政局，区残联，各镇街")
    ['区财政局', '区残联', '各镇街']
    >>> split_agencies("市委宣传部、民政局、残联、团市委")
    ['市委宣传部', '市民政局', '市残联', '团市委']
    """
    names = [n.strip().removesuffix("等").strip() for n in _SPLIT.split(cell or "")]
    names = [n for n in names if n and n not in ("等", "无", "/", "-", "—")]
    if len(names) < 2:
        return names
    m = re.match(f"^[{_LEVELS}]", names[0])
    if not m:
        return names
    bare = [n for n in names[1:] if not has_jurisdiction(n, places)]
    if 2 * len(bare) < len(names) - 1:
        return names
    prefix = m.group(0)
    return [n if i == 0 or has_jurisdiction(n, places) else prefix + n for i, n in enumerate(names)]


def match_agency_at_end(text: str, places: tuple[str, ...] = (), *, bare_ok: bool = False,
                        max_len: int = 16) -> str | None:
    """The longest known agency name that ``text`` ends with (for cells run together).

    A name must say whose agency it is (区民政局, 团区委, 各街乡) unless ``bare_ok``: a bare
    spelling such as 财政局 at the end of running text is more likely a word of the task.

    >>> match_agency_at_end("等制度区民政局")
    '区民政局'
    """
    for start in range(max(0, len(text) - max_len), len(text) - 1):
        candidate = text[start:]  # the first start from the left is the longest candidate
        if agency_function(candidate, places) is not None and (bare_ok or has_jurisdiction(candidate, places)):
            return candidate
    return None


_GENERIC = re.compile(f"[{_LEVELS}各][\u4e00-\u9fff]{{1,8}}?(?:局|委|办|联|会|队|院|部|中心|所|站|公司)$")


def match_generic_agency_at_end(text: str) -> str | None:
    """The shortest ``<jurisdiction><name><body suffix>`` at the end of ``text`` (区档案局).

    A fallback for agencies the alias file does not know yet; such names are then
    reported as unknown spellings.
    """
    for start in range(len(text) - 3, max(-1, len(text) - 12), -1):
        m = _GENERIC.fullmatch(text[start:])
        if m:
            return text[start:]
    return None
