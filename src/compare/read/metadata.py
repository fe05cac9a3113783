"""Document metadata from the text itself: title, issuer, jurisdiction, level, document
number, signature date, plan period and the documents it implements.

Everything here reads structure (where a line sits, what it looks like), never a specific
file. Each finder returns ``None`` when the text does not say; the caller may then fall
back to a manifest and records that it did.
"""
from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache


from compare.config import RESOURCES_DIR, load_yaml
from compare.normalize import CJK, cjk_count
from compare.numerals import chinese_to_int

TITLE_END = (r"(?:实施意见|指导意见|意见|实施方案|工作方案|行动方案|方案|规划纲要|纲要|规划|通知|决定|办法|细则|"
             r"规定|行动计划|计划|报告|批复|通告|公告|条例|若干措施|措施|要点|工作规则|规则|章程|任务分解表|分工表|清单|"
             r"指南|导则)")
TITLE_END_RE = re.compile(TITLE_END + r"\s*(?:[（(【\[][^）)】\]]{0,30}[）)】\]])?$")
_DOC_NO = re.compile(f"(?P<org>[{CJK}]{{1,8}})〔(?P<year>(?:19|20)\\d\\d)〕(?P<num>\\d{{1,4}})号")
_ORG_NOISE = re.compile(r"^(?:印发|转发|关于|根据|依据|按照|贯彻|落实|和|及|与|的|号|见|即)+")
ADDRESSEE_RE = re.compile(r"^各[^。]{2,80}[：:]$")
_HEADING_START = re.compile(r"^(?:#+\s*)?(?:第[一二三四五六七八九十]+[章节]|[一二三四五六七八九十]+、|[1-9]\d?[、.．]\s*[^\d])")
DATE_LINE_RE = re.compile(r"^(?P<y>(?:19|20)\d\d|[〇○零一二三四五六七八九]{4})\s*年\s*(?P<m>\d{1,2}|[一二三四五六七八九十]{1,3})\s*月"
                        r"\s*(?P<d>\d{1,2}|[一二三四五六七八九十]{1,3})\s*日$")
_NUMBER_DATE = re.compile(r"^(?P<y>(?:19|20)\d\d)年(?P<m>\d{1,2})月(?P<d>\d{1,2})日$")
_PRINT_DATE = re.compile(r"(?P<y>(?:19|20)\d\d)\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日\s*印发")
_ISO_DATE = re.compile(r"(?P<y>(?:19|20)\d\d)[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})")
_CITE_CUE = re.compile(r"贯彻|落实|根据|依据|按照|实施|精神|遵照")
YEAR_RANGE_RE = re.compile(r"((?:19|20)\d\d)\s*年?\s*[—–\-－~～至到]+\s*((?:19|20)\d\d)")


@dataclass(frozen=True)
class Resources:
    issuer_suffixes: tuple[str, ...]
    national_issuers: frozenset[str]
    place_suffixes: tuple[str, ...]
    placeholder_names: frozenset[str]
    doc_number_provinces: dict[str, str]
    five_year_plans: dict[str, int]


@lru_cache(maxsize=1)
def resources() -> Resources:
    raw = load_yaml((RESOURCES_DIR / "jurisdictions.yaml").read_text(encoding="utf-8"))
    return Resources(
        tuple(sorted(raw["issuer_suffixes"], key=len, reverse=True)),
        frozenset(raw["national_issuers"]),
        tuple(sorted(raw["place_suffixes"], key=len, reverse=True)),
        frozenset(raw["placeholder_names"]),
        dict(raw["doc_number_provinces"]),
        {k: int(v) for k, v in raw["five_year_plans"].items()},
    )


# --------------------------------------------------------------------------- doc numbers
def parse_doc_numbers(text: str) -> list[tuple[int, str]]:
    """All document numbers in ``text`` as ``(offset, normalised number)``, in order.

    >>> parse_doc_numbers("根据《意见》（国发〔2015〕7号）和京政发〔2016〕8号")
    [(8, '国发〔2015〕7号'), (19, '京政发〔2016〕8号')]
    """
    found = []
    for m in _DOC_NO.finditer(text):
        org = _ORG_NOISE.sub("", m.group("org")) or m.group("org")
        start = m.start() + (len(m.group("org")) - len(org))
        found.append((start, f"{org}〔{m.group('year')}〕{int(m.group('num'))}号"))
    return found


def doc_number_parts(number: str) -> tuple[str, int, int] | None:
    """``'国发〔2015〕7号'`` → ``('国发', 2015, 7)``."""
    m = _DOC_NO.fullmatch(number)
    return (m.group("org"), int(m.group("year")), int(m.group("num"))) if m else None


# --------------------------------------------------------------------------- head / title
def head_end(lines: list[str]) -> int:
    """Index of the first line after the document head (title block, number, addressee).

    The head ends at the addressee line (各…：), the first numbered heading, or the first
    long sentence, whichever comes first.
    """
    for i, line in enumerate(lines):
        s = line.strip().lstrip("#").strip()
        if not s:
            continue
        if ADDRESSEE_RE.match(s):
            return i
        if _HEADING_START.match(s):
            return i
        if s.endswith("。") and len(s) > 40:
            return i
    return len(lines)


_LEADING_NUMBER = re.compile(f"^[{CJK}]{{1,8}}〔(?:19|20)\\d\\d〕\\d{{1,4}}号\\s*")
_SITE_LABEL = re.compile(r"^“[^”]{0,8}(?:公开|信息|发布|转载|来源|专栏)[^”]{0,6}”\s*")  # “党政混合信息公开” before a title
_LABEL_COLON = re.compile(f"[{CJK}]\\s*[：:]")            # 发布时间：… , 索引号: … (a label, not a title)
_FILE_SUFFIX = re.compile(r"\.(?:docx?|wps|pdf|txt|html?)$", re.I)


def _clean_title_line(line: str) -> str:
    """A line as a title candidate: without Markdown marks, a leading 转发, a site's quoted
    label, a document number printed before the title, a file name's extension, and the 《》
    that aggregator sites put around a title (``鲁政发〔2014〕20号《山东省…意见》``)."""
    s = line.strip().lstrip("#").strip()
    s = _SITE_LABEL.sub("", s)
    s = _LEADING_NUMBER.sub("", s)
    s = _FILE_SUFFIX.sub("", s)
    if s.startswith("《") and s.endswith("》") and s.count("《") == 1:
        s = s[1:-1]
    return re.sub(r"^(?:转发|转载)", "", s)


def _title_candidate(s: str) -> bool:
    """Could this (cleaned) line open a title? Not a site label (发布通知, 档案全文: too short to
    name anything), not a sentence, not a metadata or addressee line."""
    return (cjk_count(s) >= 6 and "。" not in s and len(s) <= 90 and not s.endswith("文件")
            and not _LABEL_COLON.search(s) and not ADDRESSEE_RE.match(s))


def is_issuer_line(s: str) -> bool:
    res = resources()
    return len(s) <= 30 and (s in res.national_issuers or any(s.endswith(suf) for suf in res.issuer_suffixes))


def find_title(lines: list[str]) -> tuple[str | None, list[int]]:
    """The document title and the line indices it spans.

    A title is a line (joined with up to two continuation lines) that contains 关于 or ends
    with a document-type word (意见, 方案, 规划, 通知 …). An issuer line just above it
    (北京市东城区人民政府) is prepended. The first such title in the head wins.
    """
    end = head_end(lines)
    stripped = [_clean_title_line(ln) for ln in lines]
    i = 0
    while i < end:
        s = stripped[i]
        if not s or not _title_candidate(s):
            i += 1
            continue
        if "关于" in s or TITLE_END_RE.search(s):
            span = [i]
            title = s
            j = i
            while not TITLE_END_RE.search(title) and len(span) < 3:
                j += 1
                while j < end and not stripped[j]:
                    j += 1
                if j >= end or "。" in stripped[j] or not stripped[j] or _LABEL_COLON.search(stripped[j]) \
                        or ADDRESSEE_RE.match(stripped[j]) or DATE_LINE_RE.match(stripped[j]):
                    break
                title += stripped[j]
                span.append(j)
            if not TITLE_END_RE.search(title):
                i += 1
                continue
            # an issuer line directly above (blank lines allowed)
            k = i - 1
            while k >= 0 and not stripped[k]:
                k -= 1
            if k >= 0 and is_issuer_line(stripped[k]) and "关于" not in stripped[k] and not title.startswith(stripped[k]):
                title = stripped[k] + title
                span.insert(0, k)
            return title, span
        i += 1
    return None, []


def split_title_doc_number(title: str) -> tuple[str, str | None]:
    """Remove a bracketed document number from the end of a title: ``…意见（国发〔2015〕7号）``."""
    m = re.search(r"[（(\[【［]\s*([^（()\[\]【】［］]*?〔\d{4}〕\d+号)\s*[）)\]】］]\s*$", title)
    if not m:
        return title, None
    numbers = parse_doc_numbers(m.group(1))
    return title[: m.start()].strip(), numbers[0][1] if numbers else None


_ISSUE_VERB = re.compile(r"关于|印发|转发|颁发|下发")
#: Bodies whose name can open a title without 关于 (镇巴县人民政府工作规则).
_GOVERNMENT_BODY = re.compile(r"^.{2,20}?(?:人民政府办公厅|人民政府办公室|人民政府)(?=.{2,})")


def issuer_from_title(title: str | None) -> str | None:
    """The body a title names before 关于 / 印发 / 转发, or a government opening a title.

    ``北京市东城区人民政府关于…`` → ``北京市东城区人民政府``; ``国务院关于…`` → ``国务院``;
    ``安康市人民政府办公室转发…的通知`` → ``安康市人民政府办公室``; ``镇巴县人民政府工作规则``
    → ``镇巴县人民政府``.
    """
    if not title:
        return None
    m = _ISSUE_VERB.search(title)
    if m:
        before = title[: m.start()]
        return before if before and is_issuer_line(before) else None
    m = _GOVERNMENT_BODY.match(title)
    return m.group(0) if m and is_issuer_line(m.group(0)) else None


# --------------------------------------------------------------------------- notices
_NOTICE = re.compile(r"^(?:.*?)(?:关于)?(?:印发|转发|颁发|下发)(?P<plan>.+?)的?(?:通知|决定)$")
_ISSUED_IN_BODY = re.compile(r"《(?P<plan>[^《》]{4,80}?)》(?:[^。《]{0,40}?)(?:印发|转发)(?:给)?你们")
_ISSUED_IN_BODY_2 = re.compile(r"现将《(?P<plan>[^《》]{4,80}?)》")
_AGENCIES_BEFORE = re.compile(r"^.{0,40}?(?:等部门|等单位)(?:制定的|拟定的)?")


def notice_plan(title: str | None) -> str | None:
    """The plan a notice issues or forwards, as its title names it: ``…关于印发《X》的通知`` → X;
    ``国务院关于印发“十三五”…规划纲要的通知`` → “十三五”…规划纲要; ``…转发市民政局等部门关于Y的通知``
    → 关于Y. None when the title is not such a notice."""
    if not title:
        return None
    m = _NOTICE.match(title)
    if not m:
        return None
    plan = m.group("plan").strip()
    # the plan's name in 《》, or in 〈〉 when the whole title was quoted in 《》 on the page
    inner = re.fullmatch(r"[^《》]*《(?P<x>[^《》]+)》[^《》]*", plan) or re.fullmatch(
        r"[^〈〉]*〈(?P<x>[^〈〉]+)〉[^〈〉]*", plan)
    if inner:
        return inner.group("x")
    return _AGENCIES_BEFORE.sub("", plan) or plan


_PUBLISHED = re.compile(r"(?P<issuers>(?:[\u4e00-\u9fff]{2,20}?(?:人民政府办公厅|人民政府办公室|人民政府|办公厅|办公室)[、和与]?){1,3})"
                        r"(?:联合)?(?:印发|发布|出台|制定)(?:了)?《(?P<plan>[^《》]{4,60})》")


def published_in_intro(lines: list[str]) -> tuple[str | None, str | None]:
    """``(title, issuer)`` from a site's introduction of the document (``2023年12月，中共某省委
    办公厅、某省人民政府办公厅发布《某实施细则》，自发布之日起施行。``)."""
    for line in lines[:8]:
        m = _PUBLISHED.search(line)
        if m:
            return m.group("plan"), m.group("issuers").rstrip("、和与")
    return None, None


def issued_in_body(lines: list[str]) -> str | None:
    """The plan a notice without a printed title issues: ``《X》已经市政府同意，现印发给你们``."""
    for line in lines[:40]:
        m = _ISSUED_IN_BODY.search(line) or _ISSUED_IN_BODY_2.search(line)
        if m:
            return m.group("plan")
    return None


def _plain(text: str) -> str:
    return re.sub(r"[的关于《》“”\s（）()]", "", text)


def own_title_line(lines: list[str], plan: str, *, start: int = 0) -> str | None:
    """The plan's own title as printed below its notice (one to three lines from ``start`` on),
    when it is the plan the notice names (nearly the same words)."""
    from rapidfuzz import fuzz

    target = _plain(plan)
    stripped = [_clean_title_line(ln) for ln in lines]
    for i in range(start, min(len(lines), start + 60)):
        s = stripped[i]
        if not s or _NOTICE.match(s) or s.startswith(("（", "(")) or not (
                _title_candidate(s) or (cjk_count(s) >= 4 and len(s) < 40 and "：" not in s)):
            continue
        joined = s
        for j in range(i, min(len(lines), i + 3)):
            if j > i:
                if not stripped[j] or "。" in stripped[j]:
                    break
                joined += stripped[j]
            if fuzz.ratio(_plain(joined), target) >= 85:
                return joined
    return None


def plan_title(title: str | None, lines: list[str], *, after: int = 0) -> tuple[str | None, str | None]:
    """``(the document's title, the title of the notice that issues it)``.

    A plan issued by a notice (印发通知) is titled by the plan's own name: its title line below
    the notice (after line ``after``, the notice title's last line) when printed, else the name
    in the notice's title or body. A document that is
    not issued by a notice keeps its title, with no notice title.
    """
    plan = notice_plan(title)
    if title and plan is None:
        return title, None
    if plan is None:
        plan = issued_in_body(lines)
        if plan is None:
            return None, None
    start = next((i for i, ln in enumerate(lines) if i >= after and DATE_LINE_RE.match(ln.strip())), after)
    return own_title_line(lines, plan, start=start) or plan, title


def issuer_from_signature(lines: list[str]) -> str | None:
    """The issuer line of the signature block: an issuer-like line followed by a date line."""
    for i, line in enumerate(lines):
        s = line.strip()
        if is_issuer_line(s):
            nxt = next((ln.strip() for ln in lines[i + 1: i + 4] if ln.strip()), "")
            if DATE_LINE_RE.match(nxt) or re.match(r"^(?:19|20)\d\d\s*年", nxt):
                return s
    return None


# --------------------------------------------------------------------------- numbers, cites
def find_doc_number(lines: list[str], title_span: list[int], meta_block: dict[str, str]) -> str | None:
    """The document's own number: the site's 发文字号 field, else a number standing in the head
    (on its own line or bracketed after the title), never one cited inside a sentence."""
    block = parse_doc_numbers(meta_block.get("doc_number", ""))
    if block:
        return block[0][1]
    end = head_end(lines)
    for i in range(min(end, len(lines))):
        s = lines[i].strip().lstrip("#").strip()
        numbers = parse_doc_numbers(s)
        if not numbers:
            continue
        bare = re.sub(r"[（()）\[\]【】［］\s]", "", s)
        if bare == numbers[0][1]:
            return numbers[0][1]
        rest = bare[len(numbers[0][1]):] if bare.startswith(numbers[0][1]) else None
        # printed before the title or the date (鲁政发〔2014〕20号《山东省…意见》, 川府发〔2017〕15号2017年2月28日)
        if rest is not None and (_NUMBER_DATE.match(rest) or "关于" in rest or TITLE_END_RE.search(rest.rstrip("》"))):
            return numbers[0][1]
        if i in title_span:
            _, number = split_title_doc_number(_clean_title_line(s))
            if number:
                return number
    return None


def preamble(lines: list[str]) -> str:
    """Text from the head to the first numbered heading (or the first 3,000 characters)."""
    start = head_end(lines)
    out = []
    for line in lines[start:]:
        s = line.strip().lstrip("#").strip()
        if _HEADING_START.match(s) and not ADDRESSEE_RE.match(s):
            break
        out.append(s)
    return "\n".join(out)[:3000]


def find_cites(lines: list[str], title: str | None, own: str | None) -> list[str]:
    """Documents the text says it implements or is based on, in order of mention.

    Numbers are taken from the title and from preamble sentences with a basis cue
    (贯彻, 落实, 根据, 依据, 按照, 实施 …), and from Article 1 (第一条), where regulations
    state their basis; the document's own number is excluded.
    """
    # regulations (办法, 细则, 条例) state their basis in Article 1 rather than a preamble
    first_article = next((ln.strip() for ln in lines if re.match(r"^第一条", ln.strip())), "")
    basis = preamble(lines) + "\n" + first_article
    sentences = [title or ""] + [s for s in re.split(r"(?<=[。；\n])", basis) if _CITE_CUE.search(s)]
    cites: list[str] = []
    for sentence in sentences:
        for _, number in parse_doc_numbers(sentence):
            if number != own and number not in cites:
                cites.append(number)
    return cites


# --------------------------------------------------------------------------- dates
def _to_date(y: str, m: str, d: str) -> dt.date | None:
    try:
        return dt.date(chinese_to_int(y) or 0, chinese_to_int(m) or 0, chinese_to_int(d) or 0)
    except (ValueError, TypeError):
        return None


def find_issued_date(lines: list[str], meta_block: dict[str, str]) -> tuple[dt.date | None, str | None]:
    """The signature date and where it came from.

    Order: a date line under the issuer in the signature block (``signature``); a date printed
    beside the document number in the head, as gazettes do (``head``); the site's 成文日期
    field (``metadata_block``); the 印发 date of the colophon (``print_date``).
    A website's posting date (发布日期, 时间) is never used.
    """
    for i, line in enumerate(lines):
        m = DATE_LINE_RE.match(line.strip())
        prev = next((ln.strip() for ln in reversed(lines[max(0, i - 4): i]) if ln.strip()), "")
        if not m:
            date = _digits_date(line.strip()) if is_issuer_line(prev) else None
            if date:
                return date, "signature"
            continue
        if is_issuer_line(prev):
            date = _to_date(m.group("y"), m.group("m"), m.group("d"))
            if date:
                return date, "signature"
    for line in lines[: head_end(lines)]:  # a gazette prints the date beside the number
        numbers = parse_doc_numbers(line)
        bare = re.sub(r"\s", "", line)
        if numbers and bare.startswith(numbers[0][1]):
            m = _NUMBER_DATE.match(bare[len(numbers[0][1]):])
            date = _to_date(m.group("y"), m.group("m"), m.group("d")) if m else None
            if date:
                return date, "head"
    m = _ISO_DATE.search(meta_block.get("signed_date", ""))
    if m:
        date = _to_date(m.group("y"), m.group("m"), m.group("d"))
        if date:
            return date, "metadata_block"
    for line in reversed(lines):
        m = _PRINT_DATE.search(line)
        if m:
            date = _to_date(m.group("y"), m.group("m"), m.group("d"))
            if date:
                return date, "print_date"
    return None, None


def _digits_date(s: str) -> dt.date | None:
    """A signature date whose 年月日 were lost (``2018525``): the one way to read it as a valid
    date, or None when there are two (``2018111``: 1月11日 or 11月1日)."""
    m = re.fullmatch(r"((?:19|20)\d\d)(\d{2,4})", s)
    if not m:
        return None
    rest = m.group(2)
    dates = {_to_date(m.group(1), rest[:k], rest[k:]) for k in (1, 2) if 1 <= len(rest) - k <= 2}
    dates.discard(None)
    return dates.pop() if len(dates) == 1 else None


# --------------------------------------------------------------------------- plan period
def find_plan_period(title: str | None, lines: list[str]) -> tuple[str | None, int | None, int | None]:
    """``(period, start_year, end_year)`` from the title: 十四五 and/or (2021—2025年)."""
    res = resources()
    head = (title or "") + "".join(ln.strip() for ln in lines[: head_end(lines) + 8])
    period = next((name for name in res.five_year_plans if name in (title or "")), None)
    m = YEAR_RANGE_RE.search(title or "") or (YEAR_RANGE_RE.search(head) if period else None)
    if period:
        start = res.five_year_plans[period]
        return period, start, start + 4
    if m:
        return f"{m.group(1)}—{m.group(2)}", int(m.group(1)), int(m.group(2))
    return None, None, None


# --------------------------------------------------------------------------- jurisdiction
@dataclass(frozen=True)
class Jurisdiction:
    level: str | None
    province: str | None = None
    prefecture: str | None = None
    county: str | None = None
    adcode: str | None = None


@lru_cache(maxsize=1)
def _gazetteer() -> dict[str, list[str]]:
    placeholders = resources().placeholder_names
    by_name: dict[str, list[str]] = {}
    with (RESOURCES_DIR / "divisions.csv").open(encoding="utf-8") as fh:
        rows = csv.DictReader(ln for ln in fh if not ln.startswith("#"))
        for row in rows:
            if row["name"] not in placeholders:
                by_name.setdefault(row["name"], []).append(row["adcode"])
    return by_name


@lru_cache(maxsize=1)
def _names_by_code() -> dict[str, str]:
    return {code: name for name, codes in _gazetteer().items() for code in codes}


def _scan_places(text: str) -> tuple[list[list[str]], str]:
    """Known division names in ``text`` (longest match first, left to right) → their adcodes,
    and the unmatched text after the last match (``北京市测试区`` → ``[[北京市]], '测试区'``)."""
    gaz = _gazetteer()
    found, i, last_end = [], 0, 0
    while i < len(text):
        for length in range(min(12, len(text) - i), 1, -1):
            codes = gaz.get(text[i: i + length])
            if codes:
                found.append(codes)
                i += length
                last_end = i
                break
        else:
            i += 1
    return found, text[last_end:]


def jurisdiction_of(issuer: str | None, *, context: str = "", cites: list[str] = ()) -> Jurisdiction:
    """Place and level of an issuing body.

    ``北京市东城区人民政府`` → county 东城区 in 北京市; ``富锦市人民政府`` → county 富锦市, prefecture
    佳木斯市, province 黑龙江省; ``国务院`` → national. Names shared by several places (鼓楼区 is
    in 南京 and 福州) are settled by the province in the issuer, then by the
    provinces of cited documents (京政发 → 北京市), then by place names in ``context``.
    """
    res = resources()
    if not issuer:
        return Jurisdiction(level=None)
    if issuer in res.national_issuers or issuer.startswith("国务院") or issuer.startswith("中共中央"):
        return Jurisdiction(level="national")
    place = issuer
    for suffix in res.issuer_suffixes:
        if place.endswith(suffix) and len(place) > len(suffix):
            place = place[: -len(suffix)]
            break
    groups, tail = _scan_places(place)
    if not groups:
        return _unlisted(tail, None)
    chosen: str | None = None
    parents: list[str] = []
    for codes in groups:
        if parents:
            narrowed = [c for c in codes if any(c.startswith(_prefix(p)) for p in parents)]
            codes = narrowed or codes
        if len(codes) > 1:
            codes = _disambiguate(codes, context, cites)
        chosen = codes[0]
        parents = [chosen]
    if tail:  # a place below the last known one that the gazetteer lacks (a new district)
        return _unlisted(tail, _jurisdiction_from_code(chosen))
    return _jurisdiction_from_code(chosen)


def _unlisted(name: str, parent: Jurisdiction | None) -> Jurisdiction:
    """A division missing from the gazetteer, placed by its suffix under its known parent."""
    parent = parent or Jurisdiction(level=None)
    if re.search(r"(区|县|旗|自治县|自治旗)$", name) and parent.level in ("provincial", "prefecture", None):
        return Jurisdiction("county", parent.province, parent.prefecture, name)
    if re.search(r"(市|州|盟|地区)$", name) and parent.level == "provincial":
        return Jurisdiction("prefecture", parent.province, name, None)
    return parent


def _prefix(code: str) -> str:
    """The digits of an adcode that its children share: 11 for 北京市, 2308 for 佳木斯市."""
    if code[2:] == "0" * 10:
        return code[:2]
    if code[4:] == "0" * 8:
        return code[:4]
    return code[:6]


def _disambiguate(codes: list[str], context: str, cites: list[str]) -> list[str]:
    res = resources()
    names = _names_by_code()
    provinces_cited = {res.doc_number_provinces.get(c[0]) for c in cites}
    def score(code: str) -> tuple[int, int]:
        prov = names.get(code[:2] + "0" * 10, "")
        pref = names.get(code[:4] + "0" * 8, "")
        cited = int(prov in provinces_cited)
        mentions = (context.count(prov) if prov else 0) + (context.count(pref) if pref else 0)
        return cited, mentions
    return sorted(codes, key=lambda c: (-score(c)[0], -score(c)[1], c))


def _jurisdiction_from_code(code: str) -> Jurisdiction:
    names = _names_by_code()
    prov = names.get(code[:2] + "0" * 10)
    pref = names.get(code[:4] + "0" * 8) if code[2:4] != "00" else None
    if code[2:] == "0" * 10:
        return Jurisdiction("provincial", prov, None, None, code)
    if code[4:] == "0" * 8:
        return Jurisdiction("prefecture", prov, names.get(code), None, code)
    return Jurisdiction("county", prov, pref, names.get(code), code)


def strip_place_suffix(name: str) -> tuple[str, str]:
    """``东城区`` → ``('东城', '区')``; names of two characters keep their suffix."""
    for suffix in resources().place_suffixes:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)], suffix
    return name, ""


def jurisdiction_places(*names) -> tuple[str, ...]:
    """A document's own place names, full and short (东城区, 东城, 北京市, 北京), longest first.

    >>> jurisdiction_places("东城区", None, "北京市")
    ('东城区', '北京市', '东城', '北京')
    """
    out: list[str] = []
    for name in names:
        if isinstance(name, str) and name:
            out += [n for n in (name, strip_place_suffix(name)[0]) if n not in out]
    return tuple(sorted(out, key=len, reverse=True))


def document_places(row) -> tuple[str, ...]:
    """:func:`jurisdiction_places` of a ``documents`` row (anything with county, prefecture, province)."""
    return jurisdiction_places(row.county, row.prefecture, row.province)


def division_names() -> dict[str, str]:
    """Every division of the gazetteer: 12-digit adcode → name (placeholders such as 市辖区 left out)."""
    return dict(_names_by_code())
