"""Outline (heading tree) and measures (one row per clause) from a document's clean text.

The text's own numbering drives the tree, in whatever mix a plan uses: 第一章 / 第一节,
一、, （一）, 1、 / 1. , （1）, 专栏N boxes and Markdown ``#`` headings. Styles are not given
fixed depths: the first style met is the outer one, a style met again closes everything
below it, and a number that continues the top level's count in another style
(``1、编制背景`` then ``二、总体要求``) is read as its sibling.

A numbered item that is a sentence with nothing under it (``1.对…应保尽保。``) is a
clause, not a heading; a run-in heading (``（一）加强组织领导。县残工委…``) keeps
its heading and its body.

Every line of the text is assigned exactly one block kind, so nothing is lost:
``head`` (title block, document number, addressee), ``heading``, ``body``, ``table`` (the
header and rows of an indicator or task table, or the cells of an indicator box),
``signature``, ``attachment_note``, ``colophon``, and in the annex ``annex_title``,
``table_note`` and ``annex`` (text no table reader read). Measures are the sentences of
``body`` blocks; :func:`accounting` says how much of the text landed in a kind that keeps it.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

import pandas as pd

from compare.config import RESOURCES_DIR, load_yaml
from compare import schema
from compare.extract.tables import NOTE_RE, table_regions
from compare.extract.targets import INDICATOR_TABLE
from compare.extract.tasks import TASK_TABLE
from compare.normalize import CJK
from compare.numerals import chinese_to_int
from compare.read.metadata import ADDRESSEE_RE, DATE_LINE_RE, TITLE_END_RE, is_issuer_line, parse_doc_numbers

CN_NUM = "一二三四五六七八九十百零〇"
_MD = re.compile(r"^#{1,6}\s*")
# (style, pattern) — the label group is the number, the rest is the heading text
HEADING_STYLES = [
    ("chapter", re.compile(f"^第([{CN_NUM}]+|\\d+)章\\s*(.*)$")),
    ("section", re.compile(f"^第([{CN_NUM}]+|\\d+)节\\s*(.*)$")),
    ("box", re.compile(r"^专栏\s*(\d+|[" + CN_NUM + r"]+)\s*(.*)$")),
    ("cn", re.compile(f"^([{CN_NUM}]+)\\s*[、.．]\\s*(.*)$")),
    ("paren_cn", re.compile(f"^[（(]([{CN_NUM}]+)[）)]\\s*(.*)$")),
    ("arabic", re.compile(r"^(\d{1,2})\s*(?:[、．]|\.(?!\d))\s*(.*)$")),
    ("paren_arabic", re.compile(r"^[（(](\d{1,2})[）)]\s*(.*)$")),
]
_TERMINAL = "。；！？；!?…：:”’」』"
_ANNEX = re.compile(r"^附\s*件\s*[0-9一二三四五六七八九十]*\s*[：:]?\s*$")
_ATTACHMENT_NOTE = re.compile(r"^附\s*件\s*[0-9一二三四五六七八九十]*\s*[：:]\s*\S")
_COLOPHON = re.compile(r"^(抄送|抄报|印发|主送)[：:]|印发\s*$")
_SENTENCE_END = "。！？；!?;"
_OPEN = "《“‘（(「『【〔["
_CLOSE = "》”’）)」』】〕]"
_STRAY_LATIN = {"and": "和", "or": "或"}
#: a line starting so cannot start a sentence: it continues the line above
#: (将符合规定 / 的医疗…)
_GLUE_START = re.compile(r"^[的地得之和及与或等了着们，、；。：）》”]")
#: The longest run-in heading (``（一）加强组织领导。`` before its body), in characters: a
#: longer first sentence of a numbered paragraph is a clause, never a heading.
RUN_IN_HEADING_MAX = 30
#: how a sentence opens and a heading does not (对…给予, 将…纳入, 各乡镇要…)
_SENTENCE_OPENING = re.compile(
    r"^(?:对|将|把|按照|依照|根据|凡|由|各[^，。]{1,8}(?:要|应))")


@dataclass
class Block:
    kind: str
    text: str
    line: int
    section: "Node | None" = None


@dataclass
class Node:
    style: str
    number: int | None
    label: str          # as printed: 一、 （三） 专栏2
    heading: str
    parent: "Node | None" = None
    children: list["Node"] = field(default_factory=list)
    line: int = 0

    @property
    def path(self) -> list["Node"]:
        out, node = [], self
        while node is not None and node.style != "root":
            out.append(node)
            node = node.parent
        return out[::-1]


# --------------------------------------------------------------------------- repair
def repair_lines(text: str) -> list[str]:
    """Undo converter damage, line by line, before segmenting.

    * a sentence broken across a page break (a line that stops mid-sentence, blank lines,
      then its continuation) is rejoined;
    * lines repeated three or more times (page headers and footers) are dropped;
    * stray English function words between Chinese words (``住房 and 发放``) become Chinese.
    """
    lines = [ln.rstrip() for ln in text.split("\n")]
    repeated = page_furniture(lines)
    lines = ["" if ln.strip() in repeated else ln for ln in lines]
    width = wrap_width(lines)
    out: list[str] = []
    i = 0
    while i < len(lines):
        line, start = lines[i], i
        while True:
            j = i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            if j < len(lines) and _is_continuation(lines[j]) and (
                    _continues(line, width)
                    or (_unfinished(line) and _GLUE_START.match(lines[j].strip()))):
                line = line + lines[j].strip()
                i = j
            else:
                break
        out.append(line)
        out.extend([""] * (i - start))  # keep line numbers stable: joined lines become blank
        i += 1
    return [re.sub(f"(?<=[{CJK}]) ({'|'.join(_STRAY_LATIN)}) (?=[{CJK}])", lambda m: _STRAY_LATIN[m.group(1)], ln)
            for ln in out]


def page_furniture(lines: list[str]) -> set[str]:
    """Short lines repeated three or more times: page headers and footers."""
    counts = Counter(ln.strip() for ln in lines if ln.strip())
    return {s for s, n in counts.items() if n >= 3 and len(s) <= 30 and not _heading_match(s)
            and "\t" not in s and not s.startswith("序号") and not re.fullmatch(r"\d+|[^\w]+", s)}


def wrap_width(lines: list[str], share: float = 0.25) -> int | None:
    """The width a printed page wraps its lines at, in characters, when at least ``share`` of
    the text's long lines (and five or more) end within two characters of one length; None for
    a text whose paragraphs are lines of their own (a Word file, a web page)."""
    lengths = [len(s) for s in (ln.strip() for ln in lines) if len(s) >= 15 and "\t" not in s]
    if len(lengths) < 5:
        return None
    counts = Counter(lengths)
    best = max(sorted(counts), key=lambda n: sum(counts[k] for k in range(n - 2, n + 1)))
    near = sum(counts[k] for k in range(best - 2, best + 1))
    return best if near >= 5 and near >= share * len(lengths) else None


def _continues(line: str, width: int | None = None) -> bool:
    s = line.strip()
    if not s or "\t" in s or s[-1] in _TERMINAL or TITLE_END_RE.search(s):
        return False
    if _heading_match(_MD.sub("", s)) and "。" not in s:
        # a heading; but a run-in heading's body may run on, and a numbered item as wide as
        # the printed line wraps onto the next one
        return width is not None and len(s) >= width - 3
    return len(s) >= 30 or any(c in s for c in "，、；。")


def _unfinished(line: str) -> bool:
    """A short line of running text that stops without punctuation (a wrapped PDF line)."""
    s = line.strip()
    return bool(s) and "\t" not in s and s[-1] not in _TERMINAL and not _heading_match(s) \
        and not is_issuer_line(s) and not DATE_LINE_RE.match(s)


def _is_continuation(line: str) -> bool:
    s = line.strip()
    return bool(s) and "\t" not in s and not s.startswith("#") and not _heading_match(s) \
        and not _ANNEX.match(s) and not ADDRESSEE_RE.match(s) and not is_issuer_line(s) \
        and not DATE_LINE_RE.match(s) and bool(re.match(f"[{CJK}“”（(0-9]", s))


def _heading_match(s: str):
    for style, pattern in HEADING_STYLES:
        m = pattern.match(s)
        if m:
            return style, m
    return None


# --------------------------------------------------------------------------- blocks
def segment(text: str) -> tuple[Node, list[Block]]:
    """Split clean text into a heading tree and blocks covering every line."""
    lines = repair_lines(text)
    root = Node("root", None, "", "")
    blocks: list[Block] = []
    annex_at = _annex_start(lines)
    first_heading = next((i for i, ln in enumerate(lines[:annex_at])
                          if _heading_line(_MD.sub("", ln.strip()))), annex_at)
    stack: list[Node] = []
    table_box: Node | None = None
    tail_kinds = _tail_kinds(lines, annex_at)
    in_table = table_lines(lines)
    for i, raw in enumerate(lines):
        s = _MD.sub("", raw.strip()).strip()
        if not s:
            continue
        if i in in_table:  # an indicator or task table's header and rows: cells, never clauses
            section = stack[-1] if stack and first_heading <= i < annex_at else None
            blocks.append(Block("table", s, i, section))
            continue
        if i >= annex_at:
            last = blocks[-1] if blocks else None
            # the annex's title is the line under 附件, and the next one only when it wraps
            title_may_follow = last is not None and last.kind == "annex_title" and (
                _ANNEX.match(last.text) or not TITLE_END_RE.search(last.text))
            blocks.append(Block(_annex_kind(s, title_may_follow), s, i))
            continue
        if i in tail_kinds:
            blocks.append(Block(tail_kinds[i], s, i))
            continue
        if i < first_heading:
            blocks.append(Block("head" if _is_head_line(s) else "body", s, i, None))
            continue
        hm = _heading_line(s)
        if hm:
            style, m = hm
            label_text, rest = s[: m.start(2)], m.group(2)
            heading, body = _split_run_in(rest)
            node = Node(style, _number(m.group(1)), label_text.strip(), heading, line=i)
            stack = _attach(root, stack, node)
            blocks.append(Block("heading", s[: len(s) - len(body)] if body else s, i, node))
            table_box = node if style == "box" else None
            if body:
                blocks.append(Block("body", body, i, node))
            continue
        current = stack[-1] if stack else None
        if table_box is not None and current is table_box and (s.startswith("序号") or _table_started(blocks, table_box)):
            blocks.append(Block("table", s, i, table_box))
            continue
        blocks.append(Block("body", s, i, current))
    return root, _items_as_clauses(blocks)


def table_lines(lines: list[str]) -> set[int]:
    """Lines of the indicator and task tables in ``lines`` (header to last numbered row)."""
    regions = table_regions("\n".join(lines), (INDICATOR_TABLE, TASK_TABLE))
    return {i for r in regions for i in range(r.start, r.end)}


def _items_as_clauses(blocks: list[Block]) -> list[Block]:
    """A numbered item that is a sentence and has nothing under it is a clause of its own
    (``1.对符合条件的残疾人家庭应保尽保。``), not a heading: its node keeps the
    number and loses the heading, and the sentence becomes its body. A heading with text or items
    under it (``（一）加大救助力度。`` then ``1.…``) stays a heading."""
    filled = {id(b.section) for b in blocks if b.kind in ("body", "table") and b.section}
    out: list[Block] = []
    for b in blocks:
        node = b.section
        if (b.kind == "heading" and node is not None and node.heading and not node.children
                and id(node) not in filled and node.style not in ("chapter", "section", "box")
                and b.text[-1] in _SENTENCE_END):
            out.append(Block("heading", node.label, b.line, node))
            out.append(Block("body", b.text[len(node.label):].strip(), b.line, node))
            node.heading = ""
            continue
        out.append(b)
    return out


def _heading_line(s: str):
    """A heading match, unless the line is too long to be a heading without a run-in split."""
    hm = _heading_match(s)
    if not hm:
        return None
    style, m = hm
    rest = m.group(2)
    if style in ("arabic", "paren_arabic") and re.match(r"^\d", rest):
        return None  # 1.5万 / (1)2 — a number, not a label
    if not rest and style not in ("box",):
        return None
    return hm


def _split_run_in(rest: str) -> tuple[str, str]:
    """``加大残疾人救助力度。对符合…`` → (``加大残疾人救助力度``, ``对符合…``)."""
    m = re.search(r"[。．]", rest)
    if m and "，" in rest[: m.start()] and _SENTENCE_OPENING.match(rest):
        return "", rest  # 将…纳入…，对…给予救助。: a sentence, however short
    head = rest[: m.start()] if m else ""
    if m and m.start() <= RUN_IN_HEADING_MAX and not any(
            head.count(o) != head.count(c) for o, c in zip("（《“", "）》”")):
        return rest[: m.start()], rest[m.end():].strip()
    sentence = "，" in rest and (len(rest) > RUN_IN_HEADING_MAX or rest[-1:] in "：:")
    if m is None and len(rest) <= 40 and rest[-1:] not in "；，" and not sentence:
        return rest, ""  # a heading of its own line (a lead-in sentence ending in ： is a clause)
    return "", rest  # a numbered paragraph, not a titled section


def _number(label: str) -> int | None:
    return int(label) if label.isdigit() else chinese_to_int(label)


def _attach(root: Node, stack: list[Node], node: Node) -> list[Node]:
    """Place ``node`` in the tree; return the new stack of open headings."""
    styles = [n.style for n in stack]
    if node.style == "box":  # a box belongs to the nearest enclosing chapter / section / 一、 heading
        keep = [i for i, n in enumerate(stack) if n.style in ("chapter", "section", "cn")]
        return _push(root, stack[: keep[-1] + 1] if keep else [], node)
    if node.style in styles:
        return _push(root, stack[: styles.index(node.style)], node)
    if stack and stack[-1].style == "box":
        return _push(root, stack, node)  # the box's first item
    if "box" in styles:  # a heading of another style closes the box
        return _attach(root, stack[: styles.index("box")], node)
    if stack and stack[0].number is not None and node.number == stack[0].number + 1 and node.number > 1:
        return _push(root, [], node)  # 1、编制背景 … 二、总体要求: same level, another numbering style
    return _push(root, stack, node)


def _push(root: Node, stack: list[Node], node: Node) -> list[Node]:
    parent = stack[-1] if stack else root
    node.parent = parent
    parent.children.append(node)
    return stack + [node]


def _table_started(blocks: list[Block], box: Node) -> bool:
    return any(b.kind == "table" and b.section is box for b in blocks[-3:])


def _annex_start(lines: list[str]) -> int:
    """First line of the annex: the last line that is only 附件 (or 附件1：)."""
    idx = [i for i, ln in enumerate(lines) if _ANNEX.match(_MD.sub("", ln.strip()))]
    return idx[-1] if idx else len(lines)


def _annex_kind(s: str, title_may_follow: bool) -> str:
    """What a line of the annex outside its tables is: its label (附件) or the title under it
    (when ``title_may_follow``), a note under a table, a colophon, a sentence of prose (a
    clause), or ``annex`` (table text no reader read)."""
    if _ANNEX.match(s) or (title_may_follow and len(s) <= 40 and not re.search(r"\s", s)
                           and s[-1] not in _TERMINAL):
        return "annex_title"
    if NOTE_RE.match(s):
        return "table_note"
    issued = re.search(r"\d{1,2}日印发$", s)
    if (_COLOPHON.search(s) or is_issuer_line(s) or issued) and len(s) < 80:
        return "colophon"
    if "\t" not in s and len(s) > 15 and s[-1] in _SENTENCE_END:
        return "body"
    return "annex"


def _tail_kinds(lines: list[str], end: int) -> dict[int, str]:
    """Signature block, attachment notes and colophon lines before the annex."""
    kinds: dict[int, str] = {}
    for i in range(end):
        s = _MD.sub("", lines[i].strip())
        if not s:
            continue
        if _ATTACHMENT_NOTE.match(s):
            kinds[i] = "attachment_note"
        elif _COLOPHON.search(s) and len(s) < 80:
            kinds[i] = "colophon"
        elif DATE_LINE_RE.match(s) or re.fullmatch(r"(?:19|20)\d\d年\d{1,4}", s):
            kinds[i] = "signature"
            j = i - 1
            while j >= 0 and not lines[j].strip():
                j -= 1
            if j >= 0 and is_issuer_line(_MD.sub("", lines[j].strip())):
                kinds[j] = "signature"
        elif s.startswith("（此件") or s.startswith("(此件"):
            kinds[i] = "colophon"
    # a colophon line wrapped onto the next line (抄送：…，区 / 群团组织。)
    for i in sorted(k for k, v in kinds.items() if v == "colophon" and re.match(r"(抄送|抄报)", lines[k].strip())):
        j = i + 1
        while j < end and not lines[j].strip():
            j += 1
        s = _MD.sub("", lines[j].strip()) if j < end else ""
        if s and len(s) < 20 and j not in kinds and not _heading_match(s):
            kinds[j] = "colophon"
    return kinds


def _is_head_line(s: str) -> bool:
    """Title block, document number, red header, addressee: not clauses."""
    if ADDRESSEE_RE.match(s) or is_issuer_line(s) or s.endswith("文件"):
        return True
    if parse_doc_numbers(s) and len(re.sub(r"[（()）〔〕\d号]", "", s)) <= 8:
        return True
    if s[-1] in "。；！？：" or "，" in s:
        return False
    return bool(TITLE_END_RE.search(s) or "关于" in s or re.fullmatch(r"[（(]\d{4}\s*[—–\-]+\s*\d{4}年?[）)]", s)
                or len(s) <= 20)


# --------------------------------------------------------------------------- accounting
#: Where a line of a document may land and count as kept: headings, clauses and table cells,
#: and the named discards (title block, signature, colophon, notes of attachments, the annex's
#: label and title, notes under a table).
ACCOUNTED_KINDS = ("heading", "body", "table", "head", "signature", "colophon", "attachment_note",
                   "annex_title", "table_note")


@dataclass(frozen=True)
class Accounting:
    """How much of a document's text landed somewhere: ``share`` of its characters (spaces not
    counted) in a heading, a clause, a table's rows or a named discard (page furniture
    repeated on every page among them), and the ``leftovers``: lines that landed nowhere."""

    share: float
    leftovers: tuple[str, ...]


def accounting(text: str, blocks: list[Block]) -> Accounting:
    """The :class:`Accounting` of ``text`` segmented into ``blocks`` (:func:`segment`)."""
    lines = [_MD.sub("", ln.strip()) for ln in text.split("\n")]  # Markdown marks are no text
    total = sum(_chars(ln) for ln in lines)
    if not total:
        return Accounting(1.0, ())
    furniture = page_furniture(lines)  # dropped by repair_lines: a named discard
    kept = sum(_chars(ln) for ln in lines if ln.strip() in furniture)
    kept += sum(_chars(b.text) for b in blocks if b.kind in ACCOUNTED_KINDS)
    leftovers = tuple(b.text for b in blocks if b.kind not in ACCOUNTED_KINDS)
    # a stray English word made Chinese (and → 和) shortens a line: never more than all
    return Accounting(round(min(1.0, kept / total), 4), leftovers)


def _chars(s: str) -> int:
    return len(s) - sum(s.count(c) for c in " \t\u3000")


# --------------------------------------------------------------------------- sentences
def split_sentences(text: str) -> list[str]:
    """Split at 。！？； (and half-width forms), never inside 《》“”（） brackets or quotes.

    >>> split_sentences("落实《条例》；加强管理。对“一户多残”家庭给予照顾。")
    ['落实《条例》；', '加强管理。', '对“一户多残”家庭给予照顾。']
    """
    out, buf, depth = [], [], 0
    for ch in text:
        buf.append(ch)
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif ch in _SENTENCE_END and depth == 0:
            out.append("".join(buf).strip())
            buf = []
    rest = "".join(buf).strip()
    if rest:
        if out and not re.search(f"[{CJK}0-9A-Za-z]", rest):
            out[-1] += rest  # closing quote or bracket after the full stop
        else:
            out.append(rest)
    return [s for s in out if s]


# --------------------------------------------------------------------------- topics
@lru_cache(maxsize=1)
def taxonomy() -> dict[str, list[str]]:
    data = load_yaml((RESOURCES_DIR / "topics.yaml").read_text(encoding="utf-8"))
    return {topic: [str(k) for k in kws] for topic, kws in data["topics"].items()}


def topic_of(text: str) -> tuple[str | None, str | None]:
    """The taxonomy topic with most keyword hits in ``text`` (ties: taxonomy order), and its keyword."""
    best, best_hits, best_kw = None, 0, None
    for topic, keywords in taxonomy().items():
        hits = [k for k in keywords if k in text]
        if len(hits) > best_hits:
            best, best_hits, best_kw = topic, len(hits), max(hits, key=len)
    return best, best_kw


def assign_topic(headings: list[str], text: str) -> tuple[str, str, str | None]:
    """``(topic, source, keyword)``: from the deepest heading that names a topic, else the text."""
    for heading in reversed(headings):
        topic, kw = topic_of(heading)
        if topic:
            return topic, "heading", kw
    topic, kw = topic_of(text)
    if topic:
        return topic, "text", kw
    return "其他", "none", None


# --------------------------------------------------------------------------- tables
def section_numbers(root: Node) -> dict[int, str]:
    """``id(node)`` → dotted section number (``4.5``; boxes as ``B2``), unique per document."""
    out: dict[int, str] = {}
    seen: Counter = Counter()

    def walk(node: Node, prefix: str):
        for pos, child in enumerate(node.children, 1):
            own = f"B{child.number}" if child.style == "box" else str(child.number or pos)
            number = f"{prefix}.{own}" if prefix else own
            seen[number] += 1
            if seen[number] > 1:
                number = f"{number}-{seen[number]}"
            out[id(child)] = number
            walk(child, number)

    walk(root, "")
    return out


class Segmentation(NamedTuple):
    """One document segmented: its ``sections`` (outline rows) and ``measures`` (clause rows),
    ``section_at`` (line → section number: how an indicator table in a 专栏 box is referred
    to) and its :class:`Accounting` (where its text went)."""

    sections: pd.DataFrame
    measures: pd.DataFrame
    section_at: dict[int, str]
    accounting: Accounting


def segmentation(text: str, doc_id: str = "") -> Segmentation:
    """The :class:`Segmentation` of one document's clean text, from a single pass."""
    root, blocks = segment(text)
    numbers = section_numbers(root)
    section_at = {b.line: numbers.get(id(b.section)) for b in blocks if b.section is not None}
    return Segmentation(
        sections=_outline_rows(root, numbers, doc_id),
        measures=_measure_rows(blocks, numbers, doc_id),
        section_at=section_at,
        accounting=accounting(text, blocks),
    )


def outline(text: str, doc_id: str = "") -> pd.DataFrame:
    """A plan's heading tree as rows: depth, section number, label, heading, path."""
    root, _ = segment(text)
    return _outline_rows(root, section_numbers(root), doc_id)


def measures(text: str, doc_id: str) -> pd.DataFrame:
    """The measures of one document: one row per clause of its body text."""
    root, blocks = segment(text)
    return _measure_rows(blocks, section_numbers(root), doc_id)


def _outline_rows(root: Node, numbers: dict[int, str], doc_id: str) -> pd.DataFrame:
    rows = []

    def walk(node: Node, depth: int):
        for child in node.children:
            rows.append({"doc_id": doc_id, "section_number": numbers[id(child)], "depth": depth,
                         "style": child.style, "label": child.label, "heading": child.heading,
                         "section_path": path_text(child)})
            walk(child, depth + 1)

    walk(root, 1)
    return pd.DataFrame(rows, columns=schema.columns("sections"))


def path_text(node: Node | None) -> str:
    return " > ".join(f"{n.label}{n.heading}" for n in node.path) if node else ""


def _measure_rows(blocks: list[Block], numbers: dict[int, str], doc_id: str) -> pd.DataFrame:
    rows = []
    counters: Counter = Counter()
    for block in blocks:
        if block.kind != "body":
            continue
        node = block.section
        number = numbers.get(id(node), "0") if node else "0"
        headings = [n.heading for n in node.path] if node else []
        for sentence in split_sentences(block.text):
            counters[number] += 1
            topic, source, keyword = assign_topic(headings, sentence)
            rows.append({
                "doc_id": doc_id, "measure_id": f"{doc_id}:{number}.{counters[number]}",
                "section_path": path_text(node), "section_number": number,
                "heading": node.heading if node else "", "sentence_index": counters[number],
                "text": sentence, "char_count": len(sentence), "topic": topic, "topic_source": source,
                "topic_keyword": keyword,
            })
    return pd.DataFrame(rows, columns=schema.columns("measures"))
