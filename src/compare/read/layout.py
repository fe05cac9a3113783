"""Layout repair: put back the line structure that copying a plan off the web or out of a PDF
destroys, before anything looks for titles, headings or tables.

Each repair is a small pure ``str -> str`` (or ``str -> (str, removed)``) function that looks
at the shape of the text only:

* :func:`strip_leaked_markup` — a page saved as text with its HTML tags still in it
  (``<p>各市、县人民政府：</p><p style=…>``) becomes lines of text;
* :func:`strip_heading_markup` — a heading holding a tag or two
  (``一、<b>总体要求</b>``) loses them, in any format;
* :func:`strip_pinyin_annotations` — mirror sites print a reading after characters
  (``發(fā)展``, ``國(guo)辦``);
* :func:`spaced_cells_to_tabs` — table rows whose cells a flip-book or PDF copy separates by
  runs of spaces become tab-separated rows, as Word and HTML tables are;
* :func:`split_run_on` — a whole notice and plan flattened into one line by an aggregator is
  split at its addressee, signature and date, the plan's title and its numbered headings;
* :func:`drop_table_of_contents` — contents lines (dot leaders, page numbers) are removed, so
  they are not read as headings.
"""

from __future__ import annotations

import re

from compare.normalize import CJK

# --------------------------------------------------------------------------- leaked markup
_LAYOUT_TAG = re.compile(
    r"</?(?:p|br|div|span|strong|b|em|td|tr|th|table|tbody|li|ul|ol|h[1-6])\b[^<>]{0,200}?/?>", re.I
)
_BLOCK_TAG = re.compile(r"</?(?:p|br|div|tr|table|li|h[1-6])\b[^<>]{0,200}?/?>", re.I)
_CELL_TAG = re.compile(r"</?t[dh]\b[^<>]{0,200}?>", re.I)
#: Fewer layout tags than this in a text file are text about markup, not a page's markup.
LEAKED_TAGS_MIN = 5


def strip_leaked_markup(text: str) -> str:
    """A text holding a web page's layout tags (at least :data:`LEAKED_TAGS_MIN` of ``<p>``,
    ``<br/>``, ``<div>``, ``<strong>`` …) as plain lines: block tags end a line, cells are
    tab-separated, other layout tags go, entities are decoded. Any other markup (``<script>``,
    ``<img onerror=…>``) is left as the text it is: the reports escape it."""
    if len(_LAYOUT_TAG.findall(text)) < LEAKED_TAGS_MIN:
        return text
    import html

    return html.unescape(_without_layout_tags(text))


def _without_layout_tags(text: str) -> str:
    text = _CELL_TAG.sub("\t", text)
    text = _BLOCK_TAG.sub("\n", text)
    return _LAYOUT_TAG.sub("", text)


#: A heading's number at the start of a line (``第一章``, ``专栏1``, ``一、``, ``（一）``,
#: ``1、``, ``(1)``) or a Markdown ``#``: what a line opens with once its tags are gone.
_HEADING_LABEL = re.compile(
    r"\s*(?:#{1,6}"
    r"|第[一二三四五六七八九十百零〇\d]+[章节]"
    r"|专栏\s*[一二三四五六七八九十\d]"
    r"|[一二三四五六七八九十]{1,3}\s*[、.．]"
    r"|[（(](?:[一二三四五六七八九十]{1,3}|\d{1,2})[）)]"
    r"|\d{1,2}\s*(?:[、．]|\.(?!\d)))"
)


def strip_heading_markup(text: str) -> str:
    """Layout tags (``<b>``, ``<span style=…>``, ``<strong>``, ``<p>`` …) on a line that opens
    with a heading's number once they are gone (``一、<b>总体要求</b>``,
    ``<strong>（一）…</strong>``, ``## <span>主要任务</span>``) go, however few the text
    holds (:func:`strip_leaked_markup` leaves a handful alone): a heading is never text about
    markup, and its tags would hide its number or stand in for its name. Other lines, and
    markup that is not layout (``<img onerror=…>``), stay."""
    if "<" not in text:
        return text
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if "<" in line and _LAYOUT_TAG.search(line):
            bare = _without_layout_tags(line)
            if _HEADING_LABEL.match(bare):
                lines[i] = bare
    return "\n".join(lines)


# --------------------------------------------------------------------------- pinyin readings
# A reading in brackets right after a character: lowercase Latin letters with or without tone
# marks (發(fā), 國(guo), 會(huì )), never a word of English (several letters and no tone mark
# right after a character are still a reading: pinyin has at most six letters).
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü"
_PINYIN = re.compile(f"(?<=[{CJK}])[(（]\\s*[a-z{_TONED}]{{1,6}}\\s*[)）]")


def strip_pinyin_annotations(text: str) -> str:
    """``教育發(fā)展`` → ``教育發展``; ``國(guo)辦發`` → ``國辦發``. Brackets holding anything
    else (a number, a Chinese word, an English abbreviation in capitals) are kept."""
    return _PINYIN.sub("", text) if "(" in text or "（" in text else text


# --------------------------------------------------------------------------- spaced table cells
_GAP = re.compile(r"(?:[ \u3000\u00a0]{2,}|\t)")
#: Words that name a table's columns (序号, 牵头单位 …): a header line holds them.
HEADER_WORDS = re.compile(
    r"序号|牵头单位|责任单位|配合单位|参与单位|工作任务|主要任务|重点任务|指标|指标名称|属性|指标属性|"
    r"目标值|现状值|单位|完成时限|时间进度|时限要求|单位名称|牵头部门|责任部门|配合部门"
)
_ROW_NUMBER = re.compile(r"^\s*\d{1,3}[\s.、]")


def _cells(line: str) -> list[str]:
    return [c for c in _GAP.split(line.strip()) if c.strip()]


def spaced_cells_to_tabs(text: str) -> str:
    """Rows of a table printed with runs of spaces between cells, as tab-separated rows.

    A block is a table when at least two lines in a row (blank lines between them allowed)
    have three or more cells separated by two or more spaces, and its first line holds a
    header word (序号, 牵头单位, 指标, 属性 …) or most of its lines start with a row number.
    Prose with a stray double space is never a table: it has no such run of cell lines.
    """
    if "  " not in text and "\u3000\u3000" not in text:
        return text
    lines = text.split("\n")
    out = list(lines)
    i = 0
    while i < len(lines):
        if len(_cells(lines[i])) < 3:
            i += 1
            continue
        block = [i]
        width = len(_cells(lines[i]))
        j = i + 1
        while j < len(lines):
            if not lines[j].strip():
                j += 1
                continue
            if len(_cells(lines[j])) >= max(
                2, width - 1
            ):  # a row may lack one cell (merged, empty)
                block.append(j)
                j += 1
                continue
            break
        numbered = sum(bool(_ROW_NUMBER.match(lines[k])) for k in block)
        if len(block) >= 2 and (
            HEADER_WORDS.search(lines[block[0]]) or numbered >= 0.6 * len(block)
        ):
            for k in block:
                out[k] = "\t".join(c.strip() for c in _cells(lines[k]))
        i = j
    return "\n".join(out)


# --------------------------------------------------------------------------- run-on text
RUN_ON_MIN = 300  # characters: a line this long holding a notice's parts is a flattened page
_NUMERAL = "一二三四五六七八九十"
_INLINE_HEADING = re.compile(f"(?<=[。；！？：”])(?=[{_NUMERAL}]{{1,3}}、)")
_INLINE_SUBHEADING = re.compile(f"(?<=[{CJK}。；：”])(?=（[{_NUMERAL}]{{1,3}}）)")
_INLINE_ARABIC = re.compile(f"(?<=[。；：])(?=\\d{{1,2}}[．.、][{CJK}])")
_ADDRESSEE = re.compile(f"(?<=[{CJK}》”）])(各[^。；：\\n]{{2,90}}?：)")
_ISSUER_END = (
    r"(?:人民政府办公厅|人民政府办公室|人民政府|政府办公室|办公厅|办公室|委员会|联合会|残联)"
)
_SIGNATURE = re.compile(
    f"(?<=[。！”）])([{CJK}]{{2,30}}?{_ISSUER_END})((?:19|20)\\d\\d年\\d{{1,2}}月\\d{{1,2}}日)"
)
_TITLE_THEN_BODY = re.compile(
    r"^([^。；\n]{4,70}?(?:方案|规划|意见|办法|计划|纲要|细则|规定|要点|措施)(?:（[^）\n]{0,20}）)?)"
    r"(?=为|根据|按照|依据|近年来|当前|目前|经)"
)


def _is_run_on(line: str) -> bool:
    if len(line) < RUN_ON_MIN:
        return False
    headings = len(_INLINE_HEADING.findall(line))
    notice = bool(_ADDRESSEE.search(line)) and bool(_SIGNATURE.search(line))
    return headings >= 2 or notice


def split_run_on(text: str) -> str:
    r"""Lines of a page flattened into one line, split where a printed document has line breaks.

    Only lines of :data:`RUN_ON_MIN` characters or more that hold two numbered headings after
    the end of a sentence, or an addressee and a signature with its date, are split; a normal
    paragraph is left alone.

    >>> page = ("关于印发方案的通知各区政府：现印发给你们。"
    ...         "某市人民政府办公室2021年12月13日某市无障碍建设方案"
    ...         "为进一步做好工作，制定本方案。一、工作目标到2025年完成。"
    ...         "二、重点任务（一）改善设施。" + "。" * 300)
    >>> print("\n".join(split_run_on(page).split("\n")[:9]))
    关于印发方案的通知
    各区政府：
    现印发给你们。
    某市人民政府办公室
    2021年12月13日
    某市无障碍建设方案
    为进一步做好工作，制定本方案。
    一、工作目标到2025年完成。
    二、重点任务
    """
    lines = text.split("\n")
    if not any(_is_run_on(line) for line in lines):
        return text
    out = []
    for line in lines:
        if not _is_run_on(line):
            out.append(line)
            continue
        line = _ADDRESSEE.sub(lambda m: "\n" + m.group(1) + "\n", line, count=1)
        line = _SIGNATURE.sub(lambda m: "\n" + m.group(1) + "\n" + m.group(2) + "\n", line, count=1)
        parts = line.split("\n")
        for k, part in enumerate(parts):
            if k and re.match(r"^(?:19|20)\d\d年\d{1,2}月\d{1,2}日$", parts[k - 1]):
                parts[k] = _TITLE_THEN_BODY.sub(lambda m: m.group(1) + "\n", part, count=1)
        line = "\n".join(parts)
        for pattern in (_INLINE_HEADING, _INLINE_SUBHEADING, _INLINE_ARABIC):
            line = pattern.sub("\n", line)
        out.append(line)
    return "\n".join(out)


# --------------------------------------------------------------------------- table of contents
_TOC_LINE = re.compile(
    r"^(?P<entry>[^\t]{2,60}?)(?:\s*[.．·…。‥_—]{3,}\s*|(?<=[^\d\s]) +)(?P<page>\d{1,3})\s*$"
)
#: Without dot leaders, only a heading followed by a page number is a contents line.
_HEADING_ENTRY = re.compile(
    f"^(?:第[{_NUMERAL}\\d]+[章节篇]|[{_NUMERAL}]+、|（[{_NUMERAL}]+）|\\d{{1,2}}[.．、])"
)
_TOC_TITLE = re.compile(r"^目\s*录$")


def _is_toc_line(line: str) -> bool:
    m = _TOC_LINE.match(line)
    if not m:
        return False
    leaders = re.search(r"[.．·…。‥_—]{3,}\s*\d{1,3}\s*$", line)
    return bool(leaders) or bool(_HEADING_ENTRY.match(m.group("entry")))


def drop_table_of_contents(text: str) -> tuple[str, list[str]]:
    """The text without its table of contents, and the lines removed.

    Contents lines end with a page number after dot leaders or a gap (``一、总体要求……1``);
    three or more of them in a row (blank lines allowed), or any after a 目录 line, are the
    contents, not headings.
    """
    lines = text.split("\n")
    removed_at: set[int] = set()
    i = 0
    while i < len(lines):
        start = i
        if _TOC_TITLE.match(lines[i].strip()):
            i += 1
        run = []
        while i < len(lines) and (not lines[i].strip() or _is_toc_line(lines[i].strip())):
            if lines[i].strip():
                run.append(i)
            i += 1
        titled = _TOC_TITLE.match(lines[start].strip()) is not None
        if len(run) >= 3 or (titled and run):
            removed_at.update(run + ([start] if titled else []))
        if i == start:
            i += 1
    if not removed_at:
        return text, []
    removed = [lines[k].strip() for k in sorted(removed_at)]
    return "\n".join(ln for k, ln in enumerate(lines) if k not in removed_at), removed
