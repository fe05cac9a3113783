"""Tables in PDFs, read as tables: each row one tab-separated line, in its place in the page text.

A PDF's text layer draws a table cell by cell and line by line, so plain text extraction
interleaves the lines of wrapped cells (``落实…完善困难残疾 区残联 区民政局、`` / ``人生活补贴…``)
and the task and indicator readers see no rows. Here a table is found by its geometry:

* a **ruled** table by its ruling lines (pdfplumber's table finder);
* an **unruled** table by the positions of its words: a header line naming its columns
  (序号, 工作任务, 牵头单位 …) gives each column's left edge, every word below is put in the
  column it starts in, and rows are told apart by the wider gaps between them than between
  the lines of one cell.

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
    for page in pages:
        regions = [
            Region(
                t.bbox[1],
                t.bbox[3],
                [r for r in ([cell_text(c) for c in row] for row in t.extract()) if any(r)],
            )
            for t in sorted(page.find_tables(), key=lambda t: t.bbox[1])
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
                above = page.crop((0, top, page.width, region.top)).extract_text() or ""
                if above.strip():
                    parts.append(above)
            rows = region.rows
            if rows and rows[0] == header:
                rows = rows[1:]  # the header again on the next page
            elif rows and header is None:
                header = rows[0]
            if rows and not parts and ends_in_row and not rows[0][0] and out and out[-1]:
                previous = out[-1][-1].split("\t")
                if len(previous) == len(rows[0]):  # the rest of a row the page break cut
                    out[-1][-1] = "\t".join(a + b for a, b in zip(previous, rows.pop(0)))
            parts.extend("\t".join(r) for r in rows)
            top = region.bottom
        rest = (page.crop((0, top, page.width, page.height)) if top else page).extract_text() or ""
        if rest.strip():
            parts.append(rest)
        ends_in_row = top > 0 and not rest.strip()
        if not ends_in_row:
            columns = None
        out.append(parts)
    return ["\n".join(parts) for parts in out]


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
    start = 0
    if found is not None:
        start, columns = found[0] + 1, found[1]
        # a header cell wrapped over two lines (序 / 号): the line right below it holds only that
        while (
            start < len(lines)
            and all(len(w["text"]) <= 2 for w in lines[start])
            and len(lines[start]) < 3
        ):
            start += 1
    if columns is None or start >= len(lines):
        return None
    body = _table_lines(lines[start:], columns)
    if len(body) < 1:
        return None
    rows = _fill_row_numbers([_row(block, columns) for block in _blocks(body)])
    if found is not None:
        first = found[0]
        # a header cell wrapped over lines (序 / 号): the short pieces just above belong to it
        while first > 0 and _fragment_line(lines[first - 1], lines[first]):
            first -= 1
        rows.insert(0, _row(lines[first : found[0] + 1] + lines[found[0] + 1 : start], columns))
        top = lines[first][0]["top"]
    else:
        top = body[0][0]["top"]
    bottom = max(w["bottom"] for line in body for w in line)
    return Region(top - 1, bottom + 1, rows), columns


def row_number(cell: str) -> str:
    """A row number as OCR reads it off a scan, its stray marks dropped (speckle read as
    ``9:``, ``·12``); a cell that is not a lone number comes back as it is."""
    if re.fullmatch(r"\D{0,2}\d{1,3}\D{0,2}", cell):
        return re.sub(r"\D", "", cell)
    return cell


def _fill_row_numbers(rows: list[list[str]]) -> list[list[str]]:
    """Row numbers as OCR misreads them put right: stray marks dropped (``9:`` → 9), and a
    number it missed (a row with cells in three or more columns between rows 6 and 8) filled
    in. A row without a number and without that evidence stays a continuation line."""
    for row in rows:
        if row:
            row[0] = row_number(row[0])
    numbered = [(i, int(r[0])) for i, r in enumerate(rows) if r and r[0].isdigit()]
    for (i, a), (j, b) in zip(numbered, numbered[1:]):
        gap = [k for k in range(i + 1, j) if sum(bool(c) for c in rows[k]) >= 3]
        if b - a == 2 and len(gap) == 1 and not rows[gap[0]][0]:
            rows[gap[0]][0] = str(a + 1)
    return rows


def _fragment_line(line: list[dict], below: list[dict]) -> bool:
    """A line of short pieces right above ``below`` (less than two line heights away)."""
    height = below[0]["bottom"] - below[0]["top"]
    return (
        len(line) <= 2
        and all(len(w["text"]) <= 2 for w in line)
        and below[0]["top"] - line[0]["top"] < 2 * height
    )


def _column(word: dict, columns: list[float]) -> int:
    """The column a word starts in (left edges, 4 points of slack)."""
    k = 0
    for i, edge in enumerate(columns):
        if word["x0"] >= edge - 4:
            k = i
    return k


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


def _row(block: list[list[dict]], columns: list[float]) -> list[str]:
    cells = [[] for _ in columns]
    for line in block:
        for k in range(len(columns)):
            text = "".join(w["text"] for w in line if _column(w, columns) == k)
            if text:
                cells[k].append(text)
    return [cell_text("\n".join(c)) for c in cells]
