"""Tables in PDFs, read as tables: each row one tab-separated line, in its place in the page text.

A PDF's text layer draws a table cell by cell and line by line, so plain text extraction
interleaves the lines of wrapped cells (``落实…完善困难残疾 区残联 区民政局、`` / ``人生活补贴…``)
and the task and indicator readers see no rows. Here a table is found by its geometry:

* a **ruled** table by its ruling lines (pdfplumber's table finder; on a scanned page, the
  rulings found in its image, :mod:`compare.read.scan_grid`);
* an **unruled** table by the positions of its words: a header line naming its columns
  (序号, 工作任务, 牵头单位 …) gives each column's left edge, every word below is put in the
  column it starts in, and rows are told apart by the wider gaps between them than between
  the lines of one cell. On a scanned page (an OCR page, which has ``row_rules``) columns
  are bounded by the gutters between the body words, a word goes where its centre is, rows
  are told apart by the page's horizontal rulings if it has them, and a row number printed
  beside (centred on) a cell's wrapped lines belongs to their row.

A cell's wrapped lines join without a separator; a cell listing agencies one a line keeps
them apart with 、. A header repeated on the next page is dropped, and a row a page break cut
(its number cell empty at the top of the next page) continues the row above.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass

from compare.read.layout import HEADER_WORDS

_CELL_LIST_END = re.compile(r"(?:局|委|办|会|联|院|部|中心|政府|街乡|各街道|各镇|队|所|站)$")
_CELL_NAME_START = re.compile(r"^(?:区|市|县|省|各|镇|乡)")


def cell_text(cell: str | None) -> str:
    """A table cell's text on one line. Wrapped lines join without a separator (困难残疾 /
    人生活补贴); a cell listing agencies one a line (区民政局 / 区残联) keeps them apart with 、."""
    if not cell:
        return ""
    lines = [ln.strip() for ln in cell.split("\n") if ln.strip()]
    out = lines[0] if lines else ""
    for line in lines[1:]:
        sep = "、" if _CELL_LIST_END.search(out) and _CELL_NAME_START.match(line) else ""
        out += sep + line
    return out.replace("\t", " ")


@dataclass
class Region:
    """A table on a page: where it is (top, bottom) and its rows of cell texts."""

    top: float
    bottom: float
    rows: list[list[str]]


def pages_text(pages) -> list[str]:
    """Each page's text with its tables as tab-separated rows (see the module doc)."""
    out: list[list[str]] = []
    header: list[str] | None = None
    columns: list[float] | None = None
    ends_in_row = False  # the previous page ended inside a table
    shown: list[int] = []  # the page each part of ``out`` is of (a page in columns has two)
    for page, number in ((c, k) for k, p in enumerate(pages) for c in page_columns(p)):
        shown.append(number)
        left, _, right, foot = _box(page)
        tables = sorted(page.find_tables(), key=lambda t: t.bbox[1])
        regions = [
            Region(
                t.bbox[1],
                t.bbox[3],
                [r for r in ([cell_text(c) for c in row] for row in t.extract()) if any(r)],
            )
            for t in tables
        ]
        if not regions:
            found = unruled_table(page, columns if ends_in_row else None)
            if found is not None:
                region, columns = found
                regions = [region]
        parts: list[str] = []
        top = 0.0
        for region in regions:
            if region.top > top:
                above = page.crop((left, top, right, region.top)).extract_text() or ""
                if above.strip():
                    parts.append(above)
            rows = region.rows
            if rows and _header_again(rows[0], header):
                rows = rows[1:]  # the header again on the next page
            elif rows and header is None:
                header = rows[0]
            if rows and not parts and ends_in_row and not rows[0][0] and out and out[-1]:
                previous = out[-1][-1].split("\t")
                if _missed_number(previous, rows, page):
                    rows[0][0] = str(int(previous[0]) + 1)
                elif len(previous) == len(rows[0]):  # the rest of a row the page break cut
                    out[-1][-1] = "\t".join(a + b for a, b in zip(previous, rows.pop(0)))
            parts.extend("\t".join(r) for r in rows)
            top = region.bottom
        rest = (page.crop((left, top, right, foot)) if top else page).extract_text() or ""
        cut = None
        if tables and rest.strip():
            cut = _cut_row(page, tables[-1], [*(out[-1] if out else []), *parts])
        if cut:  # the top of a row the page break cut, printed without its lower ruling
            parts.extend("\t".join(r) for r in cut)
            rest = ""
        if rest.strip():
            parts.append(rest)
        ends_in_row = top > 0 and not rest.strip()
        if not ends_in_row:
            columns = None
        out.append(parts)
    pages_out = [[] for _ in range(max(shown) + 1)] if shown else []
    for number, parts in zip(shown, out):
        pages_out[number] += parts
    return ["\n".join(parts) for parts in pages_out]


def _box(page) -> tuple[float, float, float, float]:
    """``(left, top, right, bottom)`` of a page or of a column of one, in page points."""
    return getattr(page, "bbox", None) or (0, 0, page.width, page.height)


def page_columns(page, gutter_min: float = 6.0) -> list:
    """``page`` as it is read: a printed page in two columns as its left column, then its right
    one (each read on its own, tables and all); any other page as itself.

    Two columns are told by a gutter: a band at least ``gutter_min`` points wide, in the middle
    third of the page, that no word crosses, with five or more lines on either side and the
    left column's lines justified (most reach the gutter, as a table's ragged cells do not), on
    a page where no line names a table's columns."""
    if not hasattr(page, "chars"):  # a scanned page: its words are cut by rows only
        return [page]
    words = page.extract_words(x_tolerance=1.5)
    x0, top, x1, bottom = _box(page)
    lines = _lines(words) if words else []
    if len(lines) < 10 or _header(lines) is not None:  # a table's columns are no page columns
        return [page]
    low, high = int(x0 + (x1 - x0) / 3), int(x0 + 2 * (x1 - x0) / 3)
    free = [not any(w["x0"] <= x <= w["x1"] for w in words) for x in range(low, high)]
    band = max(_true_runs(free), key=lambda r: r[1] - r[0], default=None)
    if band is None or band[1] - band[0] < gutter_min:
        return [page]
    cut = low + (band[0] + band[1]) / 2
    ends = [max(w["x1"] for w in ln if w["x1"] < cut) for ln in lines
            if any(w["x1"] < cut for w in ln)]
    right = sum(any(w["x0"] > cut for w in ln) for ln in lines)
    full = sum(e >= low + band[0] - 3 * gutter_min for e in ends)
    if len(ends) < 5 or right < 5 or full < 0.6 * len(ends):
        return [page]
    return [page.crop((x0, top, cut, bottom)), page.crop((cut, top, x1, bottom))]


def _cut_row(page, table, before: list[str]) -> list[list[str]] | None:
    """The rows under a ruled ``table`` at the foot of ``page`` when everything below it is
    one or more rows of it (in its columns, numbered on from its last row): a row the page
    break cut, whose lower ruling was never printed. ``before``: the text so far (of this
    page and the page before)."""
    columns = [c.bbox[0] for c in getattr(table, "columns", None) or []]
    if len(columns) < 2:
        return None
    x0, _, x1, bottom = table.bbox
    left, _, right, foot = _box(page)
    words = page.crop((left, bottom, right, foot)).extract_words(x_tolerance=1.5)
    if not words or min(w["x0"] for w in words) < x0 - 2 or max(w["x1"] for w in words) > x1 + 2:
        return None
    last = next((ln.split("\t")[0] for p in reversed(before) for ln in reversed(p.split("\n"))
                 if ln.split("\t")[0].isdigit()), None)
    lines = _lines(words)
    blocks = [part for block in _blocks(lines) for part in _numbered_parts(block, columns)]
    rows = [_row(block, columns) for block in blocks]
    if last is None or not rows or rows[0][0] != str(int(last) + 1):
        return None
    return rows


def _header_again(row: list[str], header: list[str] | None) -> bool:
    """Whether a table's first row on a later page repeats its header: the same cells, or, as
    OCR may misread one of them, most of them and no row number."""
    if header is None or len(row) != len(header):
        return False
    named = [b for b in header if b]
    same = sum(a == b for a, b in zip(row, header) if b)
    return same == len(named) or (same >= 2 and 2 * same > len(named) and not row[0].isdigit())


def _missed_number(previous: list[str], rows: list[list[str]], page) -> bool:
    """Whether the first row of a scanned page's table, without a number, is a row whose number
    OCR missed rather than the rest of the row the page break cut: the row after it is
    numbered two past the last row of the page before."""
    if getattr(page, "row_rules", None) is None or not previous[0].isdigit():
        return False
    following = next((r[0] for r in rows[1:] if r[0].isdigit()), None)
    return following is not None and int(following) == int(previous[0]) + 2


def text_lines(words: list[dict]) -> str:
    """Positioned words (OCR boxes) as lines of text, top to bottom. Words of a line join
    directly, or with two spaces across a gap wider than two characters (a cell boundary, which
    :func:`compare.read.layout.spaced_cells_to_tabs` may then read)."""
    out = []
    for line in _lines(words):
        text = line[0]["text"]
        for a, b in zip(line, line[1:]):
            char = (a["x1"] - a["x0"]) / max(1, len(a["text"]))
            text += ("  " if b["x0"] - a["x1"] > 2 * char else "") + b["text"]
        out.append(text)
    return "\n".join(out)


# --------------------------------------------------------------------------- unruled tables
def _lines(words: list[dict], tolerance: float | None = None) -> list[list[dict]]:
    """Words grouped into printed lines (tops within ``tolerance``: by default two points, or
    two fifths of the usual word height when that is more), top to bottom."""
    if tolerance is None:
        heights = sorted(w["bottom"] - w["top"] for w in words)
        tolerance = max(2.0, 0.4 * heights[len(heights) // 2]) if heights else 2.0
    lines: list[list[dict]] = []
    for w in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if lines and abs(lines[-1][0]["top"] - w["top"]) <= tolerance:
            lines[-1].append(w)
        else:
            lines.append([w])
    return [sorted(line, key=lambda w: w["x0"]) for line in lines]


def _header(lines: list[list[dict]]) -> tuple[int, list[float]] | None:
    """The line naming a table's columns (two or more header words, each its own word) and
    the left edge of each column."""
    for i, line in enumerate(lines):
        named = [w for w in line if HEADER_WORDS.fullmatch(w["text"])]
        if len(named) >= 2 and 2 * len(named) >= len(
            line
        ):  # (indicator tables: 2020年 … are columns too)
            edges = sorted(w["x0"] for w in line)
            return i, edges
    return None


def unruled_table(page, columns: list[float] | None = None) -> tuple[Region, list[float]] | None:
    """The unruled table on ``page`` found from its words, and its column edges; or None.

    ``columns``: the edges of the table the previous page ended in, for a page that goes on
    with it without repeating the header."""
    lines = _lines(page.extract_words(x_tolerance=1.5, y_tolerance=2))
    found = _header(lines)
    first = start = 0  # the header's lines, its cells' wrapped pieces (序 / 号) included
    if found is not None:
        first, start = found[0], found[0] + 1
        while first > 0 and _fragment_line(lines[first - 1], lines[first]):
            first -= 1  # the short pieces just above belong to the header
        while start < len(lines) and _fragment_below(lines[start]):
            start += 1  # ... and those just below
        columns = _header_edges([w for line in lines[first:start] for w in line])
    if columns is None or start >= len(lines):
        return None
    body = _table_lines(lines[start:], columns)
    if len(body) < 1:
        return None
    rules = getattr(page, "row_rules", None)  # a scanned page's horizontal rulings, if any
    if rules is None and found is not None and start - first > 1:
        rules = []  # printed with cells centred and wrapped (序 / 号): read as a scan's are
    if rules is None:
        blocks = [part for block in _blocks(body) for part in _numbered_parts(block, columns)]
        rows = _fill_row_numbers([_row(block, columns) for block in blocks])
    else:
        if found is not None:
            columns = _gutters(body, lines[found[0]], columns)
        blocks = _scan_blocks([p for line in body for w in line for p in _cut(w, columns)],
                              columns, rules)
        rows = _fill_row_numbers([_row(b, columns, by_centre=True) for b in blocks], first=True)
    if found is not None:
        rows.insert(0, _row(lines[first:start], columns))
        top = lines[first][0]["top"]
    else:
        top = body[0][0]["top"]
    bottom = max(w["bottom"] for line in body for w in line)
    return Region(top - 1, bottom + 1, rows), columns


def _header_edges(words: list[dict]) -> list[float]:
    """The left edge of each column of a header whose cells may wrap over lines (序 / 号 above
    and below 工作任务): pieces that overlap across are one column."""
    edges: list[list[float]] = []  # [left, right] of each column, left to right
    for w in sorted(words, key=lambda w: w["x0"]):
        if edges and w["x0"] < edges[-1][1] - 1:
            edges[-1][1] = max(edges[-1][1], w["x1"])
        else:
            edges.append([w["x0"], w["x1"]])
    return [left for left, _ in edges]


def _fragment_below(line: list[dict]) -> bool:
    """A line right below a header holding only pieces of its wrapped cells (号, 限)."""
    return all(len(w["text"]) <= 2 for w in line) and len(line) < 3


def row_number(cell: str) -> str:
    """A row number as OCR reads it off a scan, its stray marks dropped (speckle read as
    ``9:``, ``·12``); a cell that is not a lone number comes back as it is."""
    if re.fullmatch(r"\D{0,2}\d{1,3}\D{0,2}", cell):
        return re.sub(r"\D", "", cell)
    return cell


def _fill_row_numbers(rows: list[list[str]], first: bool = False) -> list[list[str]]:
    """Row numbers as OCR misreads them put right: stray marks dropped (``9:`` → 9), and a
    number it missed (a row with cells in three or more columns between rows 6 and 8, or,
    with ``first``, the one such row above row 2) filled in. A row without a number and
    without that evidence stays a continuation line."""
    for row in rows:
        if row:
            row[0] = row_number(row[0])
    numbered = [(i, int(r[0])) for i, r in enumerate(rows) if r and r[0].isdigit()]
    if first and numbered and numbered[0][1] == 2:
        above = [k for k in range(numbered[0][0]) if sum(bool(c) for c in rows[k]) >= 3]
        if len(above) == 1 and not rows[above[0]][0]:
            rows[above[0]][0] = "1"
            numbered.insert(0, (above[0], 1))
    for (i, a), (j, b) in zip(numbered, numbered[1:]):
        gap = [k for k in range(i + 1, j) if sum(bool(c) for c in rows[k]) >= 3]
        if b - a == 2 and len(gap) == 1 and not rows[gap[0]][0]:
            rows[gap[0]][0] = str(a + 1)
        elif first and b - a > 2 and len(gap) == b - a - 1 and not any(rows[k][0] for k in gap):
            # a scan: as many full rows without a number as numbers missing, in order
            for n, k in enumerate(gap, a + 1):
                rows[k][0] = str(n)
    return rows


def _fragment_line(line: list[dict], below: list[dict]) -> bool:
    """A line of short pieces right above ``below`` (less than two line heights away)."""
    height = below[0]["bottom"] - below[0]["top"]
    return (
        len(line) <= 2
        and all(len(w["text"]) <= 3 for w in line)  # 序, 完成时 (of 完成时限)
        and below[0]["top"] - line[0]["top"] < 2 * height
    )


def _column(word: dict, columns: list[float], by_centre: bool = False) -> int:
    """The column a word starts in (left edges, 4 points of slack), or, ``by_centre``, the
    one its centre is in (OCR draws a box wider than the glyphs, into the gutter)."""
    x = (word["x0"] + word["x1"]) / 2 if by_centre else word["x0"] + 4
    k = 0
    for i, edge in enumerate(columns):
        if x >= edge:
            k = i
    return k


def char_shares(text: str) -> list[float]:
    """Each character's share of the width of a line of print: a Latin letter or digit is set
    half as wide as a Chinese character (which is set on a square)."""
    weights = [0.5 if ch.isascii() else 1.0 for ch in text]
    total = sum(weights) or 1.0
    return [w / total for w in weights]


def _cut(word: dict, columns: list[float]) -> list[dict]:
    """A word of a scan as pieces, cut at the column boundaries its box runs over (OCR reads
    a row number and the text beside it, or two cells close together, as one box): each
    character takes its share of the box (:func:`char_shares`). A boundary within a character
    of either end is the box's margin, not text across it."""
    text, x0, x1 = word["text"], word["x0"], word["x1"]
    shares = char_shares(text)
    char = (x1 - x0) * max(shares, default=1.0)
    edges = [e for e in columns[1:] if x0 + 0.75 * char < e < x1 - 0.75 * char]
    if not edges or len(text) < 2:
        return [word]
    pieces: list[dict] = []
    left = x0
    for ch, share in zip(text, shares):
        right = left + share * (x1 - x0)
        side = sum((left + right) / 2 > e for e in edges)
        if pieces and pieces[-1]["side"] == side:
            pieces[-1].update(text=pieces[-1]["text"] + ch, x1=right)
        else:
            pieces.append({**word, "text": ch, "x0": left, "x1": right, "side": side})
        left = right
    return [{k: v for k, v in p.items() if k != "side"} for p in pieces]


def _gutters(body: list[list[dict]], header: list[dict], edges: list[float]) -> list[float]:
    """Column boundaries of a scanned table: between each two header words (centred over
    their columns, or not), the middle of the widest stretch no body word covers (the gutter
    between the columns), or where fewest do. The first edge (the table's left) is kept."""
    import numpy as np

    words = [w for line in body for w in line]
    named = sorted(header, key=lambda w: w["x0"])
    if len(named) != len(edges) or not words:
        return edges
    lo = min(w["x0"] for w in words + named)
    hi = max(w["x1"] for w in words + named)
    cover = np.zeros(int((hi - lo) * 2) + 2)  # half-point steps
    for w in words:
        cover[int((w["x0"] - lo) * 2) : int((w["x1"] - lo) * 2) + 1] += 1
    out = [edges[0]]
    for a, b in zip(named, named[1:]):
        i, j = int((a["x1"] - lo) * 2), int((b["x0"] - lo) * 2)
        if j <= i:
            out.append(b["x0"])
            continue
        least = cover[i:j] == cover[i:j].min()
        runs = _true_runs(least)
        start, stop = max(runs, key=lambda r: r[1] - r[0])
        out.append(lo + (i + (start + stop) / 2) / 2)
    return out


def _true_runs(flags) -> list[tuple[int, int]]:
    """Runs of True in a sequence of flags, as (first, after last)."""
    runs, start = [], None
    for k, flag in enumerate(list(flags) + [False]):
        if flag and start is None:
            start = k
        elif not flag and start is not None:
            runs.append((start, k))
            start = None
    return runs


def _scan_blocks(words: list[dict], columns: list[float],
                 rules: list[float]) -> list[list[list[dict]]]:
    """The words of a scanned table's body grouped into rows, each as lines. Rows are told
    apart by the horizontal rulings when there are any, else by the gaps between them wider
    than those between the lines of a cell; a group holding two row numbers (a 序号 column
    word that is a number) is cut between them where the gap is widest. A row number centred
    beside a cell's wrapped lines thus belongs to their row."""
    top, bottom = min(w["top"] for w in words), max(w["bottom"] for w in words)
    inside = [r for r in rules if top < r < bottom]
    if inside:
        groups: list[list[dict]] = [[] for _ in range(len(inside) + 1)]
        for w in words:
            groups[sum(_middle(w) > r for r in inside)].append(w)
    else:
        groups = _gap_groups(words)
    out = []
    for group in groups:
        out += _number_split(group, columns) if group else []
    return [_lines(g) for g in out]


def _middle(word: dict) -> float:
    return (word["top"] + word["bottom"]) / 2


def _spans(words: list[dict]) -> list[tuple[float, float, list[dict]]]:
    """The words' vertical extents merged where they overlap: (top, bottom, words), top down."""
    spans: list[tuple[float, float, list[dict]]] = []
    for w in sorted(words, key=lambda w: w["top"]):
        if spans and w["top"] <= spans[-1][1]:
            top, bottom, members = spans[-1]
            spans[-1] = (top, max(bottom, w["bottom"]), members + [w])
        else:
            spans.append((w["top"], w["bottom"], [w]))
    return spans


def _gap_groups(words: list[dict]) -> list[list[dict]]:
    """Words grouped into rows at the wide gaps of their vertical extents: the gaps fall in
    two kinds, between the lines of a cell and between rows, split where they differ most
    (Otsu's rule on the gap sizes). Gaps all alike leave one group (the row numbers then
    tell the rows apart)."""
    spans = _spans(words)
    gaps = [b[0] - a[1] for a, b in zip(spans, spans[1:])]
    if not gaps or max(gaps) <= 1.5 * min(gaps) + 1:
        return [words]
    ordered = sorted(gaps)
    best, threshold = -1.0, ordered[-1]
    for k in range(1, len(ordered)):
        small, big = ordered[:k], ordered[k:]
        score = len(small) * len(big) * (statistics.mean(big) - statistics.mean(small)) ** 2
        if score > best:
            best, threshold = score, (small[-1] + big[0]) / 2
    groups = [list(spans[0][2])]
    for gap, span in zip(gaps, spans[1:]):
        if gap > threshold:
            groups.append([])
        groups[-1] += span[2]
    return groups


def _number_split(words: list[dict], columns: list[float]) -> list[list[dict]]:
    """A group of words cut between each two row numbers in it, at the widest gap of the other
    words' extents between the two numbers (or half way when there is none)."""
    numbers = sorted(
        (w for w in words
         if _column(w, columns, by_centre=True) == 0 and row_number(w["text"]).isdigit()),
        key=_middle,
    )
    if len(numbers) < 2:
        return [words]
    cuts = []
    for a, b in zip(numbers, numbers[1:]):
        lo, hi = _middle(a), _middle(b)
        spans = _spans([w for w in words if w not in numbers and lo < _middle(w) < hi])
        gaps = [(b0[0] - a0[1], (a0[1] + b0[0]) / 2) for a0, b0 in zip(spans, spans[1:])]
        edges = [(spans[0][0] - lo, (lo + spans[0][0]) / 2), (hi - spans[-1][1],
                 (spans[-1][1] + hi) / 2)] if spans else []
        cuts.append(max(gaps + edges, default=(0, (lo + hi) / 2))[1])
    parts: list[list[dict]] = [[] for _ in range(len(cuts) + 1)]
    for w in words:
        parts[sum(_middle(w) > c for c in cuts)].append(w)
    return [p for p in parts if p]


def _table_lines(lines: list[list[dict]], columns: list[float]) -> list[list[dict]]:
    """The lines of the table body: up to a line that runs across the columns (a paragraph
    after the table) or a heading that starts at the page margin before the first column."""
    out = []
    for line in lines:
        first = line[0]
        wide = any(w["x1"] - w["x0"] > 0.9 * (max(columns) - min(columns)) for w in line)
        if wide or first["x0"] < columns[0] - 12:
            break
        out.append(line)
    return out


def _numbered_parts(block: list[list[dict]], columns: list[float]) -> list[list[list[dict]]]:
    """A block of lines cut before each line that opens with a row number in the first
    column, when it holds two or more (rows printed as evenly spaced as a cell's lines)."""
    starts = [i for i, line in enumerate(block)
              if _column(line[0], columns) == 0 and re.fullmatch(r"\d{1,3}", line[0]["text"])]
    if len(starts) < 2:
        return [block]
    cuts = [0] + [i for i in starts if i > 0] + [len(block)]
    return [block[a:b] for a, b in zip(cuts, cuts[1:]) if b > a]


def _blocks(lines: list[list[dict]]) -> list[list[list[dict]]]:
    """Lines grouped into rows: a row ends where the gap to the next line is clearly wider than
    the leading inside a cell."""
    if len(lines) == 1:
        return [lines]
    gaps = [b[0]["top"] - a[0]["top"] for a, b in zip(lines, lines[1:])]
    leading = min(gaps)
    common = statistics.median(gaps)
    threshold = leading * 1.25 if max(gaps) > leading * 1.25 else common * 10
    blocks, current = [], [lines[0]]
    for gap, line in zip(gaps, lines[1:]):
        if gap > threshold:
            blocks.append(current)
            current = []
        current.append(line)
    blocks.append(current)
    return blocks


def _row(block: list[list[dict]], columns: list[float], by_centre: bool = False) -> list[str]:
    cells = [[] for _ in columns]
    for line in block:
        for k in range(len(columns)):
            text = "".join(w["text"] for w in line if _column(w, columns, by_centre) == k)
            if text:
                cells[k].append(text)
    return [cell_text("\n".join(c)) for c in cells]
