"""Scanned task tables give their rows (issue 32): a ruled annex whose task, lead and 责任单位
cells wrap over two or three lines, row numbers centred beside them, printed, then scanned at
200 dpi with a skew, speckle and JPEG artefacts, is read row by row with its lead agencies;
and the grid finder, on its own, finds a drawn table's cells."""

import math

import numpy as np
import pytest
from PIL import Image, ImageDraw

from compare.extract.tasks import extract_tasks
from compare.read import read_document
from compare.read.pdf_tables import pages_text, unruled_table
from compare.read.scan_grid import Grid, ScanTable, find_grids, level
from tests.conftest import SAMPLE_PLAN
from tests.helpers import (
    scan_pages,
    stamp,
    wrapped_task_rows,
    write_image_pdf,
    write_wrapped_task_pdf,
)

PLAN = SAMPLE_PLAN.replace("测试区", "扫表区").replace("测政发", "扫表发")


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    rows = wrapped_task_rows(30)
    folder = tmp_path_factory.mktemp("scan_tables")
    return rows, write_wrapped_task_pdf(folder / "printed.pdf", PLAN, rows), folder


def _leads_read(path, rows) -> list[str]:
    """The row numbers read with exactly their lead agencies (one or two names)."""
    doc = read_document(path)
    tasks, _, _ = extract_tasks(doc.text, "scan")
    leads = dict(zip(tasks["task_no"], tasks["lead_agencies"]))
    return [n for n, _, lead, _, _ in rows if leads.get(int(n)) == lead.split("、")]


def test_the_wrapped_table_scan_gives_nine_rows_in_ten_with_their_leads(printed):
    """The whole plan (body, a red seal over its signature, three pages of annex) at 1°."""
    rows, pdf, folder = printed
    pages = scan_pages(pdf, dpi=200, skew=1.0)
    pages[0] = stamp(pages[0], (0.25 * pages[0].width, 0.45 * pages[0].height), "扫表区人民政府")
    right = _leads_read(write_image_pdf(folder / "scan.pdf", pages), rows)
    print(f"\nwrapped annex scanned at 1°: {len(right)}/{len(rows)} rows with the exact leads")
    assert len(right) >= 0.9 * len(rows)


@pytest.mark.parametrize("skew", [0.0, 2.0])
def test_level_and_two_degree_scans_of_the_annex_give_their_rows(printed, skew):
    """Level, and turned 2° one way then the other (page by page)."""
    rows, pdf, folder = printed
    pages = scan_pages(pdf, dpi=200, skew=skew, seed=1)
    right = _leads_read(write_image_pdf(folder / f"annex-{skew:g}.pdf", pages), rows)
    print(f"\nwrapped annex scanned at {skew:g}°: {len(right)}/{len(rows)} rows with the leads")
    assert len(right) >= 0.9 * len(rows)


def test_an_unruled_wrapped_table_scan_gives_its_rows_from_word_positions(printed):
    """No rulings at all: columns from the gutters between the body words under the centred
    header, rows from the gaps between them, row numbers (centred, some missed by OCR) put in
    their rows."""
    rows, _, folder = printed
    pdf = write_wrapped_task_pdf(folder / "unruled.pdf", PLAN, rows, ruled=False)
    right = _leads_read(write_image_pdf(folder / "unruled-scan.pdf", scan_pages(pdf)), rows)
    print(f"\nunruled wrapped annex scanned at 1°: {len(right)}/{len(rows)} rows with the leads")
    assert len(right) >= 0.9 * len(rows)


# --------------------------------------------------------------------------- word positions
class _Page:
    """A scanned page as :func:`unruled_table` sees it: words, and horizontal rulings."""

    def __init__(self, words, rules=()):
        self.words, self.row_rules = words, list(rules)

    def extract_words(self, **_):
        return self.words


def _word(text, x0, top, height=10.0):
    return {"text": text, "x0": x0, "x1": x0 + height * len(text), "top": top,
            "bottom": top + height}


HEADER = [_word("序号", 60, 100), _word("工作任务", 160, 100), _word("牵头单位", 300, 100)]


def test_a_row_number_centred_beside_wrapped_lines_belongs_to_their_row():
    words = HEADER + [
        _word("1", 68, 134), _word("落实困难残疾人生活补", 90, 120),
        _word("贴制度完善重度残疾人", 90, 134), _word("护理补贴", 90, 148),
        _word("区民政局", 300, 134),
        _word("2", 68, 177), _word("开展残疾人家庭无障碍", 90, 170), _word("改造", 90, 184),
        _word("区人力资源", 300, 170), _word("和社会保障局", 300, 184),
        _word("3", 68, 210), _word("建设托养机构", 90, 210), _word("区残联", 300, 210),
    ]
    region, columns = unruled_table(_Page(words))
    assert [r[0] for r in region.rows] == ["序号", "1", "2", "3"]
    assert region.rows[1][1] == "落实困难残疾人生活补贴制度完善重度残疾人护理补贴"
    assert [r[2] for r in region.rows[1:]] == ["区民政局", "区人力资源和社会保障局", "区残联"]


def test_horizontal_rulings_tell_rows_apart_where_gaps_would_not():
    # the first task has a paragraph gap inside it, wider than the gaps between rows
    words = HEADER + [
        _word("1", 68, 120), _word("落实困难残疾人生活补", 90, 120),
        _word("贴制度", 90, 142), _word("区民政局", 300, 120),
        _word("2", 68, 160), _word("开展无障碍改造", 90, 160), _word("区残联", 300, 160),
        _word("3", 68, 176), _word("建设托养机构", 90, 176), _word("区财政局", 300, 176),
    ]
    region, _ = unruled_table(_Page(words, rules=[114, 156, 173, 190]))
    assert [r[:2] for r in region.rows[1:]] == [
        ["1", "落实困难残疾人生活补贴制度"], ["2", "开展无障碍改造"], ["3", "建设托养机构"]]


class _TablePage:
    """A scanned page holding one table (rows of cell texts) and nothing else."""

    width, height, row_rules = 600.0, 800.0, []

    def __init__(self, rows):
        self.rows = rows

    def find_tables(self):
        rows = self.rows

        class Table:
            bbox = (50.0, 100.0, 550.0, 700.0)

            def extract(self):
                return rows

        return [Table()]

    def crop(self, bbox):
        return self

    def extract_text(self):
        return ""


def test_a_header_repeated_with_a_cell_misread_is_dropped_and_a_missed_number_filled():
    header = ["序号", "工作任务", "牵头单位", "责任单位"]
    first = _TablePage([header, ["1", "完善补贴制度", "区民政局", "区残联"],
                        ["2", "推进无障碍\n改造", "区残联", "区民政局"]])
    # OCR misreads 牵头单位 on the next page, and misses the number of row 3
    second = _TablePage([["序号", "工作任务", "牵头单价", "责任单位"],
                         ["", "建设托养机构", "区人力资源\n和社会保障局", "区财政局"],
                         ["4", "开展技能竞赛", "区教育委员会", "区残联"]])
    text = "\n".join(pages_text([first, second]))
    assert text.splitlines() == [
        "序号\t工作任务\t牵头单位\t责任单位",
        "1\t完善补贴制度\t区民政局\t区残联",
        "2\t推进无障碍改造\t区残联\t区民政局",
        "3\t建设托养机构\t区人力资源和社会保障局\t区财政局",
        "4\t开展技能竞赛\t区教育委员会\t区残联",
    ]


# --------------------------------------------------------------------------- the grid finder
def _drawn_table(merged: bool = True) -> Image.Image:
    """A page (200 dpi) with a ruled table of 4 rows and 3 columns; with ``merged``, the
    ruling between the second and third columns stops short of the third row (one cell
    over two columns there). Some text in cells and a speck or two, as a page has."""
    image = Image.new("L", (1200, 900), 255)
    draw = ImageDraw.Draw(image)
    ys, xs = [150, 250, 350, 450, 550], [100, 300, 700, 1000]
    for y in ys:
        draw.line([(xs[0], y), (xs[-1], y)], fill=0, width=2)
    for i, x in enumerate(xs):
        if merged and i == 2:
            draw.line([(x, ys[0]), (x, ys[2])], fill=0, width=2)
            draw.line([(x, ys[3]), (x, ys[-1])], fill=0, width=2)
        else:
            draw.line([(x, ys[0]), (x, ys[-1])], fill=0, width=2)
    for y in ys[:-1]:
        draw.text((xs[0] + 20, y + 30), "12", fill=0)
        draw.text((xs[1] + 20, y + 30), "text in a cell", fill=0)
    draw.text((100, 60), "a heading above the table", fill=0)
    for x, y in [(400, 700), (800, 80), (650, 300)]:
        draw.point((x, y), fill=0)
    return image


@pytest.mark.parametrize("merged,cells", [(False, 12), (True, 11)])
def test_the_grid_finder_counts_the_cells_of_a_drawn_table(merged, cells):
    grids = find_grids(np.array(_drawn_table(merged)), 72 / 200)
    assert len(grids) == 1
    grid = grids[0]
    assert (len(grid.ys), len(grid.xs), len(grid.cells)) == (5, 4, cells)
    if merged:
        assert (2, 1, 3, 3) in grid.cells  # the third row's cell over two columns
    # same image, same grid
    assert find_grids(np.array(_drawn_table(merged)), 72 / 200) == grids


def test_the_grid_of_a_skewed_table_is_found_once_the_page_is_level():
    skewed = _drawn_table().rotate(1.5, resample=Image.BICUBIC, fillcolor=255)
    centre = (skewed.width / 2, skewed.height / 2)
    # the page turned 1.5° counter-clockwise reads as a text slope of -1.5°: level turns it back
    grid = find_grids(level(np.array(skewed), math.radians(-1.5), centre), 72 / 200)
    assert [len(g.cells) for g in grid] == [11]


@pytest.mark.parametrize("degrees", [-2.0, 0.7, 2.0])
def test_the_image_is_turned_as_the_words_are(degrees):
    """A mark on the page lands, once the image is levelled, where the words' turn puts it."""
    from compare.read.ocr import _deskew

    image = np.full((900, 1200), 255, np.uint8)
    image[200:206, 1000:1006] = 0
    centre = (600.0, 450.0)
    turned = level(image, math.radians(degrees), centre)
    ys, xs = np.nonzero(turned < 128)
    x, y = _deskew(math.radians(degrees), *centre)((1002.5, 202.5))
    assert abs(xs.mean() - x) < 1 and abs(ys.mean() - y) < 1


def test_a_page_without_a_table_has_no_grid():
    image = Image.new("L", (1200, 900), 255)
    draw = ImageDraw.Draw(image)
    draw.rectangle([100, 100, 1000, 600], outline=0, width=2)  # a framed box is not a table
    draw.line([(100, 700), (1000, 700)], fill=0, width=2)  # nor is a rule under a heading
    draw.text((120, 120), "some text", fill=0)
    assert find_grids(np.array(image), 72 / 200) == []


def test_a_cell_joins_its_wrapped_lines_and_a_box_read_across_a_ruling_is_cut():
    grid = Grid((0.0, 20.0, 80.0), (0.0, 30.0, 130.0, 180.0),
                ((0, 0, 1, 1), (0, 1, 1, 2), (0, 2, 1, 3), (1, 0, 2, 1), (1, 1, 2, 2),
                 (1, 2, 2, 3)))

    def word(text, x0, x1, top):
        return {"text": text, "x0": x0, "x1": x1, "top": top, "bottom": top + 10}

    words = [
        word("序号", 2, 22, 5), word("工作任务", 40, 80, 5), word("牵头单位", 135, 175, 5),
        word("1", 12, 17, 45),  # centred against the three lines beside it
        word("完善困难残疾", 35, 95, 25), word("人生活补贴", 35, 85, 40),
        word("制度", 35, 55, 55),
        # a task line and the lead cell's first line read as one box across the ruling
        word("一二区民政", 110, 160, 25),
        word("区残联", 135, 165, 40),
    ]
    rows = ScanTable(grid, words).extract()
    assert rows[0] == ["序号", "工作任务", "牵头单位"]
    assert rows[1][0] == "1"
    assert rows[1][1].split("\n") == ["完善困难残疾一二", "人生活补贴", "制度"]
    assert rows[1][2].split("\n") == ["区民政", "区残联"]
