"""Ruled tables in scanned pages: the ruling lines found in the page image, the cells they make,
and the OCR words put in those cells, so a scanned table reads as a printed one.

A printed PDF's rulings are drawing commands pdfplumber reads; a scan has only pixels. Here
the page image (turned level by the same angle as its OCR words, :func:`level`) is binarised
with an adaptive threshold (uneven scanner light, grey paper), and opened with a long thin
horizontal and a long thin vertical kernel: text strokes are shorter than the kernels and
vanish, speckle too, and only the rulings stay. The rulings' positions, merged where one
printed line gave two, make a grid of row bands and column bands; a ruling that does not
cross a band does not split it, so a merged cell is one cell (:class:`Grid`).

A word is put in the cell holding its centre; a word box OCR read across a ruling (two
cells' texts close together) is cut there, its characters taking their shares of its width
(:func:`compare.read.pdf_tables.char_shares`). A cell's lines are joined top to bottom with
``\\n``, as pdfplumber gives them, and :func:`compare.read.pdf_tables.cell_text` joins them.
A cell with ink but no word, or only a short one (OCR's text detection passes over or
misreads a lone row number), is read again by the recogniser alone (:func:`page_grids`).

Three or more horizontal rulings of one reach with no vertical ones (a table ruled only
between its rows) make a grid of one column: no cells to read, but its rulings tell the rows
of the table read from word positions apart (:attr:`compare.read.ocr.OcrPage.row_rules`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from compare.read.pdf_tables import char_shares, row_number

#: Shortest horizontal ruling kept, in points: longer than any stroke of a character.
MIN_RULE_WIDTH = 20.0
#: Shortest vertical ruling piece kept, in points (a row one line high is about 20).
MIN_RULE_HEIGHT = 12.0
#: Rulings closer than this (points) are one printed line (thick lines, JPEG ringing).
MERGE = 4.0
#: Share of a band a ruling must cover to split it (breaks of speckle and faint scans aside).
COVER = 0.6


@dataclass(frozen=True)
class Grid:
    """A ruled table on a page, in points: ``ys`` the row rulings top to bottom, ``xs`` the
    column rulings left to right, ``cells`` each cell as (first row band, first column band,
    row band after it, column band after it)."""

    ys: tuple[float, ...]
    xs: tuple[float, ...]
    cells: tuple[tuple[int, int, int, int], ...]
    #: words read from cells the page's OCR left empty (see :func:`page_grids`)
    words: tuple[dict, ...] = ()
    #: the page's words those readings replace (a row number read again, more surely)
    replaced: tuple[dict, ...] = ()

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return (self.xs[0], self.ys[0], self.xs[-1], self.ys[-1])

    def unit(self, x: float, y: float) -> tuple[int, int] | None:
        """The (row band, column band) holding the point, or None outside the table."""
        if not (self.xs[0] <= x < self.xs[-1] and self.ys[0] <= y < self.ys[-1]):
            return None
        r = next(i for i in range(len(self.ys) - 1) if y < self.ys[i + 1])
        c = next(j for j in range(len(self.xs) - 1) if x < self.xs[j + 1])
        return r, c


def level(grey, angle: float, centre: tuple[float, float]):
    """The page image (a grey numpy array) turned by ``angle`` (radians) about ``centre``: the
    same turn :func:`compare.read.ocr._deskew` gives the word boxes, so words and rulings share
    coordinates. The corners the turn brings in are white."""
    import cv2

    if not angle:
        return grey
    matrix = cv2.getRotationMatrix2D(centre, math.degrees(angle), 1.0)
    return cv2.warpAffine(grey, matrix, (grey.shape[1], grey.shape[0]), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=255)


def page_grids(grey, angle: float, centre: tuple[float, float], scale: float,
               words: list[dict]) -> list[Grid]:
    """The ruled tables of a scanned page: ``grey`` its image (a numpy array), ``angle`` and
    ``centre`` the turn that levels it (as its words were levelled), ``scale`` points per pixel,
    ``words`` its OCR words in points. A cell the page's OCR left empty though ink is in it
    (text detection passes over a lone short number such as a row's 1 or 7) is read again on
    its own, and what is read there comes with the grid (:attr:`Grid.words`)."""
    image = level(grey, angle, centre)
    ink, across, down = _masks(image, 1 / scale)
    grids = find_grids(image, scale, (ink, across, down))
    marks = ink & ~(across | down)
    return [_read_missed_cells(g, image, marks, scale, words) if len(g.xs) > 2 else g
            for g in grids]


def _masks(grey, px: float):
    """The ink of a level page image and, of it, the horizontal and the vertical rulings."""
    import cv2
    import numpy as np

    ink = cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV,
                                _odd(12 * px), 12)
    wide = cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, round(MIN_RULE_WIDTH * px)), 1))
    tall = cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(3, round(MIN_RULE_HEIGHT * px))))
    across = cv2.morphologyEx(ink, cv2.MORPH_OPEN, wide)
    down = cv2.morphologyEx(ink, cv2.MORPH_OPEN, tall)
    # a ruling a pixel off level breaks into steps: close the steps before measuring
    across = cv2.dilate(across, np.ones((3, 1), np.uint8))
    down = cv2.dilate(down, np.ones((1, 3), np.uint8))
    return ink, across, down


def find_grids(grey, scale: float, masks=None) -> list[Grid]:
    """The ruled tables of a level page image (grey numpy array), top to bottom; ``scale`` is
    points per pixel. A table needs at least two cells; a lone framed box is not one. Tables
    ruled only across come as grids of one column (two ``xs``)."""
    import cv2
    import numpy as np

    px = 1 / scale  # pixels per point
    _, across, down = masks if masks is not None else _masks(grey, px)
    joined = cv2.dilate(cv2.bitwise_or(across, down), np.ones((5, 5), np.uint8))
    n, _, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    grids = []
    rules = []  # lone horizontal rulings: a table ruled only between its rows?
    for k in range(1, n):
        x, y, w, h = (int(v) for v in stats[k][:4])
        if w < 3 * MIN_RULE_WIDTH * px:
            continue
        if h < 2 * MIN_RULE_HEIGHT * px:
            rules.append((x * scale, (x + w) * scale, (y + h / 2) * scale))
            continue
        grid = _grid(across[y : y + h, x : x + w], down[y : y + h, x : x + w], px)
        if grid is not None:
            ys = tuple(round((y + v) * scale, 2) for v in grid[0])
            xs = tuple(round((x + v) * scale, 2) for v in grid[1])
            grids.append(Grid(ys, xs, grid[2]))
    return sorted(grids + _rule_stacks(rules), key=lambda g: g.ys[0])


def _rule_stacks(rules: list[tuple[float, float, float]]) -> list[Grid]:
    """Tables ruled only across, between their rows: three or more horizontal rulings (x0, x1,
    y in points) of the same reach, one above another, as grids of one column."""
    stacks: list[list[tuple[float, float, float]]] = []
    for rule in sorted(rules, key=lambda r: r[2]):
        for stack in stacks:
            if abs(stack[0][0] - rule[0]) <= 2 * MERGE and abs(stack[0][1] - rule[1]) <= 2 * MERGE:
                stack.append(rule)
                break
        else:
            stacks.append([rule])
    out = []
    for stack in stacks:
        if len(stack) >= 3:
            ys = tuple(round(r[2], 2) for r in stack)
            xs = (round(min(r[0] for r in stack), 2), round(max(r[1] for r in stack), 2))
            out.append(Grid(ys, xs, tuple((i, 0, i + 1, 1) for i in range(len(ys) - 1))))
    return out


def _odd(value: float) -> int:
    v = max(3, int(value))
    return v if v % 2 else v + 1


def _rulings(mask, axis: int, px: float) -> list[float]:
    """Positions of the rulings in a mask of one direction (``axis`` 0: horizontal rulings,
    given as rows; 1: vertical ones, as columns): runs of rows (columns) with long ink,
    merged within :data:`MERGE` points."""
    import numpy as np

    length = mask.shape[1 - axis]
    profile = (mask > 0).sum(axis=1 - axis)
    # a ruling of a merged cell may be short; a full-length one is long: keep both
    least = (MIN_RULE_WIDTH if axis == 0 else MIN_RULE_HEIGHT) * px
    hits = np.flatnonzero(profile >= min(least, 0.5 * length))
    out: list[list[int]] = []
    for h in hits:
        if out and h - out[-1][-1] <= MERGE * px:
            out[-1].append(int(h))
        else:
            out.append([int(h)])
    return [float(np.average(run, weights=profile[run])) for run in out]


def _covered(strip, share: float = COVER) -> bool:
    """Whether a ruling runs along most of a strip (any ink across the strip's thin side)."""
    if strip.size == 0:
        return False
    along = strip.any(axis=0) if strip.shape[0] < strip.shape[1] else strip.any(axis=1)
    return along.mean() >= share


def _grid(across, down, px: float):
    """Row rulings, column rulings and cells of one table's masks (pixels of its box), or None.
    A merged cell is the box round the bands no ruling parts."""
    ys = _rulings(across, 0, px)
    xs = _rulings(down, 1, px)
    # an open-sided table (no outer verticals) or one cut off at the page foot (no last line):
    # the ends of the rulings close it
    cols = (across > 0).any(axis=0).nonzero()[0]
    rows = (down > 0).any(axis=1).nonzero()[0]
    if len(cols) and (not xs or xs[0] - cols[0] > MERGE * px):
        xs.insert(0, float(cols[0]))
    if len(cols) and (not xs or cols[-1] - xs[-1] > MERGE * px):
        xs.append(float(cols[-1]))
    if len(rows) and (not ys or ys[0] - rows[0] > MERGE * px):
        ys.insert(0, float(rows[0]))
    if len(rows) and (not ys or rows[-1] - ys[-1] > MERGE * px):
        ys.append(float(rows[-1]))
    if len(ys) < 2 or len(xs) < 2 or (len(ys) - 1) * (len(xs) - 1) < 2:
        return None
    pad = max(2, round(MERGE * px / 2))

    def splits_row(r: int, j: int) -> bool:  # column ruling j crosses row band r
        x, top, bottom = round(xs[j]), round(ys[r]) + pad, round(ys[r + 1]) - pad
        return _covered(down[top:bottom, max(0, x - pad) : x + pad + 1] > 0)

    def splits_col(i: int, c: int) -> bool:  # row ruling i crosses column band c
        y, left, right = round(ys[i]), round(xs[c]) + pad, round(xs[c + 1]) - pad
        return _covered(across[max(0, y - pad) : y + pad + 1, left:right] > 0)

    # a stroke of large type that outlasted the kernel crosses no band from ruling to ruling
    xs = [x for j, x in enumerate(xs) if j in (0, len(xs) - 1)
          or any(splits_row(r, j) for r in range(len(ys) - 1))]
    ys = [y for i, y in enumerate(ys) if i in (0, len(ys) - 1)
          or any(splits_col(i, c) for c in range(len(xs) - 1))]
    nr, nc = len(ys) - 1, len(xs) - 1
    parent = list(range(nr * nc))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for r in range(nr):
        for c in range(nc):
            if c + 1 < nc and not splits_row(r, c + 1):
                parent[find(r * nc + c + 1)] = find(r * nc + c)
            if r + 1 < nr and not splits_col(r + 1, c):
                parent[find((r + 1) * nc + c)] = find(r * nc + c)
    groups: dict[int, list[tuple[int, int]]] = {}
    for r in range(nr):
        for c in range(nc):
            groups.setdefault(find(r * nc + c), []).append((r, c))
    cells = tuple(
        sorted(
            (min(r for r, _ in g), min(c for _, c in g), max(r for r, _ in g) + 1,
             max(c for _, c in g) + 1)
            for g in groups.values()
        )
    )
    if len(cells) < 2:
        return None
    return ys, xs, cells


class ScanTable:
    """A ruled table of a scanned page with its words: what :mod:`compare.read.pdf_tables`
    reads of a pdfplumber table (``bbox`` in points and ``extract()``)."""

    def __init__(self, grid: Grid, words: list[dict]):
        self.grid = grid
        self.bbox = grid.bbox
        self.words = words

    def extract(self) -> list[list[str | None]]:
        """Rows of cell texts, a cell's lines joined with ``\\n``; as pdfplumber does, a merged
        cell's text is at its top left and the places it covers are None."""
        grid = self.grid
        owner = _owners(grid)
        words = [w for w in self.words if w not in grid.replaced]
        pieces = _cell_pieces(grid, [*words, *grid.words])
        rows = []
        for r in range(len(grid.ys) - 1):
            row: list[str | None] = []
            for c in range(len(grid.xs) - 1):
                cell = owner[(r, c)]
                row.append(_cell_lines(pieces.get(cell, [])) if cell[:2] == (r, c) else None)
            if row[0]:
                row[0] = row_number(row[0])  # the first column: 序号, stray specks off
            rows.append(row)
        return rows


def _owners(grid: Grid) -> dict[tuple[int, int], tuple[int, int, int, int]]:
    """The cell each (row band, column band) of a grid belongs to."""
    owner = {}
    for cell in grid.cells:
        for r in range(cell[0], cell[2]):
            for c in range(cell[1], cell[3]):
                owner[(r, c)] = cell
    return owner


def _cell_pieces(grid: Grid, words: list[dict]):
    """Each cell's pieces of text as (y centre, x centre, height, text)."""
    owner = _owners(grid)
    pieces: dict[tuple[int, int, int, int], list[tuple[float, float, float, str]]] = {}
    for w in words:
        for x, y, height, text in _pieces(w, grid):
            unit = grid.unit(x, y)
            if unit is not None:
                pieces.setdefault(owner[unit], []).append((y, x, height, text))
    return pieces


def _read_missed_cells(grid: Grid, image, marks, scale: float, words: list[dict]) -> Grid:
    """``grid`` with the text of its cells that hold marks (ink that is not a ruling, in
    pixels of the level page ``image``) but no OCR word: each line of marks (a run of pixel
    rows with marks, speckle left out) is read by the recogniser alone.

    A cell whose one word is short (a row number) and on one line is read alone too, and the
    more confident reading kept: text detection draws a tight box round a lone digit and the
    page's reading of it is the least sure of all (a 2 read as 7 puts a row under the one
    before)."""
    import dataclasses

    px = 1 / scale
    filled = _cell_pieces(grid, words)
    found: list[dict] = []
    replaced: list[dict] = []
    for cell in grid.cells:
        inside = [w for w in words if _holds(grid, cell, w)] if cell in filled else []
        if cell in filled and (len(inside) != 1 or len(inside[0]["text"]) > 2):
            continue
        x0, x1 = (round(grid.xs[c] * px) for c in (cell[1], cell[3]))
        y0, y1 = (round(grid.ys[r] * px) for r in (cell[0], cell[2]))
        pad = round(MERGE * px)
        lines = _mark_lines(marks[y0 + pad : y1 - pad, x0 + pad : x1 - pad], px)
        if inside and len(lines) != 1:
            continue
        for top, bottom, left, right in lines:
            box = (x0 + pad + left, y0 + pad + top, x0 + pad + right, y0 + pad + bottom)
            margin = round(2 * px)
            crop = image[max(0, box[1] - margin) : box[3] + margin,
                         max(0, box[0] - margin) : box[2] + margin]
            for text, confidence in _recognise(crop):
                if inside:
                    if text != inside[0]["text"] and confidence > inside[0]["confidence"]:
                        found.append({**inside[0], "text": text, "confidence": confidence})
                        replaced.append(inside[0])
                elif confidence >= 0.5:
                    found.append({"text": text, "x0": box[0] * scale, "x1": box[2] * scale,
                                  "top": box[1] * scale, "bottom": box[3] * scale,
                                  "confidence": confidence})
    if not found:
        return grid
    return dataclasses.replace(grid, words=tuple(found), replaced=tuple(replaced))


def _mark_lines(box, px: float) -> list[tuple[int, int, int, int]]:
    """The lines of marks in a cell's box of the marks mask, as (top, bottom, left, right)
    pixels: runs of pixel rows holding marks bigger than speckle, at least 3 points high."""
    import cv2
    import numpy as np

    if box.size == 0:
        return []
    n, labels, stats, _ = cv2.connectedComponentsWithStats(box, connectivity=8)
    keep = [k for k in range(1, n) if stats[k][4] >= (1.5 * px) ** 2]  # not speckle
    if not keep:
        return []
    kept = np.isin(labels, keep)
    out = []
    for top, bottom in _runs(kept.any(axis=1).nonzero()[0], gap=round(2 * px)):
        if bottom - top >= 3 * px:
            cols = kept[top:bottom].any(axis=0).nonzero()[0]
            out.append((top, bottom, int(cols[0]), int(cols[-1]) + 1))
    return out


def _recognise(crop) -> list[tuple[str, float]]:
    """The text the OCR recogniser reads in an image of one line (no detection), with its
    confidence."""
    import numpy as np

    from compare.read.ocr import engine

    result, _ = engine()(np.ascontiguousarray(crop), use_det=False, use_cls=False, use_rec=True)
    out = []
    for text, confidence in result or []:
        text = "".join(str(text).split())
        if text:
            out.append((text, float(confidence)))
    return out


def _holds(grid: Grid, cell: tuple[int, int, int, int], word: dict) -> bool:
    """Whether a word's centre is in a cell."""
    x, y = (word["x0"] + word["x1"]) / 2, (word["top"] + word["bottom"]) / 2
    unit = grid.unit(x, y)
    return unit is not None and cell[0] <= unit[0] < cell[2] and cell[1] <= unit[1] < cell[3]


def _runs(indices, gap: int) -> list[tuple[int, int]]:
    """Runs of sorted indices (no hole wider than ``gap``) as (first, after last)."""
    out: list[list[int]] = []
    for i in indices:
        if out and i - out[-1][1] <= gap:
            out[-1][1] = int(i) + 1
        else:
            out.append([int(i), int(i) + 1])
    return [(a, b) for a, b in out]


def _pieces(word: dict, grid: Grid) -> list[tuple[float, float, float, str]]:
    """A word as (x centre, y centre, height, text) pieces: the whole word, or, when its box
    runs over a column ruling, cut at the ruling, each character taking its share of the
    box's width (:func:`compare.read.pdf_tables.char_shares`)."""
    text, x0, x1 = word["text"], word["x0"], word["x1"]
    y = (word["top"] + word["bottom"]) / 2
    height = word["bottom"] - word["top"]
    shares = char_shares(text)
    char = (x1 - x0) * max(shares, default=1.0)
    inside = [x for x in grid.xs[1:-1] if x0 + char / 2 < x < x1 - char / 2]
    if not inside or len(text) < 2:
        return [((x0 + x1) / 2, y, height, text)]
    out: list[list] = []  # [left, right, text, side]
    left = x0
    for ch, share in zip(text, shares):
        right = left + share * (x1 - x0)
        side = sum((left + right) / 2 > edge for edge in inside)
        if out and out[-1][3] == side:
            out[-1][1:3] = [right, out[-1][2] + ch]
        else:
            out.append([left, right, ch, side])
        left = right
    return [((a + b) / 2, y, height, text) for a, b, text, _ in out]


def _cell_lines(pieces: list[tuple[float, float, float, str]]) -> str:
    """A cell's pieces of text as its printed lines, top to bottom, joined with ``\\n``: pieces
    whose centres are within half a line height of each other are one line."""
    lines: list[list[tuple[float, float, float, str]]] = []
    for p in sorted(pieces):
        if lines and p[0] - lines[-1][0][0] <= 0.5 * max(p[2], lines[-1][0][2]):
            lines[-1].append(p)
        else:
            lines.append([p])
    return "\n".join("".join(p[3] for p in sorted(line, key=lambda p: p[1])) for line in lines)
