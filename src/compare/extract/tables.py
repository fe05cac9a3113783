"""Numbered tables in plan text: find the header, then each numbered row, whatever the layout.

Task tables (重点任务分工表) and indicator boxes (主要指标) reach us as text in several shapes:
tab-separated rows (Word, HTML and Markdown tables), one cell per line with blank lines
between cells, or cells run together. What they share is read here:

* a **header** of known words (序号 / 工作任务 / 牵头单位 …, or 序号 / 指标 / 目标值 …),
  on one line or one word per line, gives the column roles; a period qualifier written
  above a header word (“十四五” over 目标值) belongs to it;
* **rows** are numbered 1, 2, 3 … in order; a repeated header (after a page break) is
  skipped, an unnumbered line continues the row above it, a short heading between rows
  (一、基本民生保障) is a group, and the table ends at a note, a colophon, a signature or
  the next annex.

Each table kind decides how a row's lines become cells (see :mod:`compare.extract.tasks`
and :mod:`compare.extract.targets`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from compare.read.metadata import DATE_LINE_RE, is_issuer_line

NOTE_RE = re.compile(r"^注\s*[：:]")
_END = re.compile(r"^(?:抄送|抄报|主送|印发)[：:]|印发$|^附\s*件\s*[0-9一二三四五六七八九十]*\s*[：:]?$|^（此件")
_ROW_NO = re.compile(r"^(\d{1,3})(?:\s*[、.．])?")
_GLUED_NO = re.compile(r"^(\d{1,3})\s*(?:[、．]|\.(?!\d))\s*(\S.*)$")
_GROUP = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)])\s*\S")
#: A period qualifier printed above or before a header word: “十四五” 目标值, 2025年 目标值.
_QUALIFIER = r"[“\"]?十[一二三四五六七八九]五[”\"]?(?:时期|期间|末)?|(?:19|20)\d\d\s*年?"


@dataclass(frozen=True)
class Vocabulary:
    """Header words of one kind of table and the column roles they name."""

    words: dict[str, str]
    required: tuple[frozenset[str], ...]  # the header must name one role of each set

    @cached_property
    def pattern(self) -> re.Pattern:
        alternatives = "|".join(sorted(map(re.escape, self.words), key=len, reverse=True))
        return re.compile(f"(?:{_QUALIFIER})?({alternatives})")

    def accepts(self, roles: list[str]) -> bool:
        return all(set(roles) & need for need in self.required)


@dataclass
class Header:
    line: int          # index of the first header line
    end: int           # index after the last header line
    roles: list[str]   # column roles in order (number, task, lead …)
    text: str          # header words as written


@dataclass
class RowSpan:
    """The lines of one numbered row: the rest of its first line and the lines after it."""

    number: int
    line: int
    rest: str
    more: list[str] = field(default_factory=list)
    group: str | None = None


def prepare_lines(text: str) -> list[str]:
    """Lines of ``text`` ready for table reading: Markdown pipe rows become tab-separated
    (the ``|---|`` rule disappears), heading marks are dropped, trailing tabs (empty cells) stay."""
    out = []
    for line in text.split("\n"):
        s = line.rstrip(" \r\u3000")
        if s.lstrip().startswith("|") and s.count("|") >= 2:
            if re.fullmatch(r"\s*\|?[\s:|\-]+\|?\s*", s):
                out.append("")
                continue
            s = "\t".join(c.strip() for c in s.strip().strip("|").split("|"))
        out.append(re.sub(r"^\s*#{1,6}\s+", "", s))
    return out


def cells(line: str) -> list[str]:
    return [c.strip() for c in line.split("\t")]


def header_roles(text: str, vocab: Vocabulary) -> list[str] | None:
    """Column roles when ``text`` is made of header words only (``序号工作任务牵头单位…``)."""
    compact = re.sub(r"[\s|/]+", "", text)
    if not compact:
        return None
    pos, roles = 0, []
    for m in vocab.pattern.finditer(compact):
        if m.start() != pos:
            return None
        roles.append(vocab.words[m.group(1)])
        pos = m.end()
    return roles if pos == len(compact) else None


def header_at(lines: list[str], i: int, vocab: Vocabulary) -> Header | None:
    """A header starting at line ``i``: on one line, or one header word per line."""
    s = lines[i].strip()
    if not s.startswith(("序号", "编号")):
        return None
    roles = header_roles(s, vocab)
    end, words = i + 1, [s]
    if roles == ["number"]:
        j, pending = i + 1, ""
        while j < len(lines):
            t = lines[j].strip()
            if t:
                if re.fullmatch(_QUALIFIER, t):
                    pending = t  # “十四五” above 目标值
                    j += 1
                    continue
                more = header_roles(pending + t, vocab)
                if not more or "number" in more:
                    break
                roles += more
                words.append(pending + t)
                pending = ""
                end = j + 1
            j += 1
    if roles and vocab.accepts(roles):
        return Header(i, end, roles, re.sub(r"\s+", "", "".join(words)))
    return None


def find_header(lines: list[str], vocab: Vocabulary, start: int = 0) -> Header | None:
    """The first header of this kind of table at or after line ``start``."""
    for i in range(start, len(lines)):
        header = header_at(lines, i, vocab)
        if header is not None:
            return header
    return None


def is_table_end(s: str) -> bool:
    """A note, a colophon, a signature date, an issuer line or the next annex ends a table."""
    return bool(NOTE_RE.match(s) or _END.search(s) or DATE_LINE_RE.match(s)
                or re.match(r"^(?:19|20)\d\d年\d{1,2}月\d{1,2}日印发", s)
                or (is_issuer_line(s) and "人民政府" in s))


def numbered_rows(lines: list[str], header: Header, vocab: Vocabulary, problems: list[str], *,
                  stop=None) -> tuple[list[RowSpan], int]:
    """The rows under ``header`` and the index of the line where the table ends.

    ``stop(line)`` may end the table early (for example at the next heading of the plan).
    """
    spans: list[RowSpan] = []
    group: str | None = None
    expected = 1
    seen: set[int] = set()
    i = header.end
    end_at = len(lines)
    while i < len(lines):
        raw = lines[i]
        s = raw.strip()
        if not s:
            i += 1
            continue
        if is_table_end(s) or (stop is not None and stop(s)):
            end_at = i
            break
        again = header_at(lines, i, vocab)
        if again is not None:
            if again.roles != header.roles:
                end_at = i  # a different table starts
                break
            i = again.end  # the header repeated after a page break
            continue
        number, rest = row_start(raw, expected)
        if number is not None and number in seen:
            problems.append(f"row number {number} appears twice (line {i + 1}); read with the row above it")
            number = None
        if number is not None:
            if number > expected:
                problems.append(f"row numbers jump from {expected - 1} to {number} (line {i + 1}); "
                                "a row may be missing or merged into the one before")
            elif number < expected:
                problems.append(f"row {number} comes after row {expected - 1} (line {i + 1}); kept in the order printed")
            spans.append(RowSpan(number, i, rest, [], group))
            seen.add(number)
            expected = max(expected, number + 1)
        elif _GROUP.match(s) and len(s) <= 30 and "\t" not in s:
            group = s  # a group heading (一、基本民生保障) between rows
        elif spans:
            spans[-1].more.append(raw)
        i += 1
    return spans, end_at


def row_start(raw: str, expected: int) -> tuple[int | None, str]:
    """``(row number, rest of the line)`` when the line starts the next numbered row.

    The number is a cell of its own (tab-separated, or alone on its line), or, in text
    where cells run together, the expected number glued to the row's first words.
    """
    parts = cells(raw)
    first = next((c for c in parts if c), "")
    m = _ROW_NO.fullmatch(first)
    if m:
        n = int(m.group(1))
        rest = "\t".join(parts[parts.index(first) + 1:])
        # a number alone on its line must be the next one (it could be a cell value); a number
        # cell followed by the row's other cells is a row even when out of order
        lowest = 1 if rest.strip() else expected
        if lowest <= n <= expected + 2:
            return n, rest
        return None, ""
    glued = _GLUED_NO.match(first)
    if glued and "\t" in raw.strip() and expected <= int(glued.group(1)) <= expected + 2:
        # the number printed in the first cell
        # (``1.残疾人家庭人均收入年均增长\t>7.5\t预期性``)
        return int(glued.group(1)), "\t".join([glued.group(2)] + parts[parts.index(first) + 1:])
    s = raw.strip()
    if "\t" not in s and s.startswith(str(expected)) and len(s) > len(str(expected)):
        rest = s[len(str(expected)):]
        if re.match(r"[\u4e00-\u9fff“《（(]", rest) or re.match(r"^[、.．]\s*\S", rest):
            return expected, re.sub(r"^[、.．]\s*", "", rest)
    return None, ""


def tab_cells(rest: str, more: list[str], roles: list[str], join) -> dict[str, str] | None:
    """Cells of a tab-separated row by position, or None when the row is not tab-separated.

    An unnumbered continuation line adds to the same columns (its number cell is empty);
    a line without tabs continues the last filled column. ``join(a, b, role)`` glues pieces.
    """
    rest_cells = rest.split("\t") if rest else []
    if not (len([c for c in rest_cells if c.strip()]) >= 2 or (rest_cells and "\t" in rest)):
        return None
    out = {r: "" for r in roles}
    for pos, value in enumerate(rest_cells[: len(roles)]):
        out[roles[pos]] = value.strip()
    for line in more:
        if "\t" not in line:
            last = next((r for r in reversed(roles) if out[r]), roles[0])
            out[last] = join(out[last], line.strip(), last)
            continue
        for pos, value in enumerate(cells(line)[1:][: len(roles)]):
            if value:
                out[roles[pos]] = join(out[roles[pos]], value, roles[pos])
    return out


@dataclass(frozen=True)
class TableKind:
    """One kind of table the readers know: its header words and where its rows must stop."""

    name: str
    vocabulary: Vocabulary
    stop: object = None  # stop(line) ends the table early (at the next heading of the plan)


@dataclass(frozen=True)
class TableRegion:
    """Lines ``[start, end)`` of ``text`` holding one table's header and numbered rows."""

    kind: str
    start: int
    end: int


def table_regions(text: str, kinds: tuple[TableKind, ...]) -> list[TableRegion]:
    """Where each table of these kinds is in ``text``, by line: its header to its last row.

    Only a header with numbered rows under it makes a region (a header alone stays text), so
    the lines counted as table cells are those the row readers read.
    """
    lines = prepare_lines(text)
    out: list[TableRegion] = []
    for kind in kinds:
        header = find_header(lines, kind.vocabulary)
        while header is not None:
            spans, end_at = numbered_rows(lines, header, kind.vocabulary, [], stop=kind.stop)
            if spans:
                last = end_at - 1
                while last > header.line and not lines[last].strip():
                    last -= 1
                out.append(TableRegion(kind.name, header.line, last + 1))
            header = find_header(lines, kind.vocabulary, max(end_at, header.end))
    return sorted(out, key=lambda r: r.start)
