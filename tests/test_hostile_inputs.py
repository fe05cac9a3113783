"""Hostile and broken raw files: each is refused by name with its reason, or read with what was
repaired noted, and the rest of the batch is always built. Nothing in the raw folder changes."""

import os
import time

import pytest

from compare.build import build_tables
from compare.read.limits import Limits
from tests.conftest import SAMPLE_PLAN, tree_hashes
from tests.hostile import (
    blank_pdf,
    declared_png,
    deep_html,
    many_page_tiff,
    paragraph_bomb_docx,
    stream_bomb_pdf,
    zip_bomb_docx,
)

GOOD = SAMPLE_PLAN.replace("测试区", "良好区").replace("测政发", "良政发")


def _batch(tmp_path, files: dict, **options):
    """Build a raw folder of one good plan plus ``files`` (name → writer); return the status of
    every file and the tables."""
    raw = tmp_path / "raw"
    (raw / "plans").mkdir(parents=True)
    (raw / "plans" / "good.txt").write_text(GOOD, encoding="utf-8")
    for name, write in files.items():
        write(raw / "plans" / name)
    before = tree_hashes(raw)
    tables, report = build_tables(raw, **options)
    assert tree_hashes(raw) == before
    status = {f.source_file: f for f in report.files}
    assert status["plans/good.txt"].status == "ok"  # the batch goes on
    return status, tables, report


def _message(status, name):
    entry = status[f"plans/{name}"]
    return entry.status, " ".join(entry.messages)


def test_deep_html_is_refused_quickly(tmp_path):
    start = time.perf_counter()
    status, _, _ = _batch(
        tmp_path,
        {
            "deep_div.html": lambda p: p.write_bytes(deep_html(100_000)),
            "deep_span.html": lambda p: p.write_bytes(deep_html(5_000, "span")),
            "deep_table.html": lambda p: p.write_bytes(deep_html(3_000, "td")),
        },
    )
    for name in ("deep_div.html", "deep_span.html"):
        state, message = _message(status, name)
        assert state == "error" and "nests its elements" in message and "html_depth" in message, (
            message
        )
    assert _message(status, "deep_table.html")[0] == "error"
    print(f"three deeply nested pages refused in {time.perf_counter() - start:.1f} s")


def test_a_page_nested_within_the_limit_is_read(tmp_path):
    body = "".join(f"<p>{line}</p>" for line in GOOD.replace("良好区", "嵌套区").splitlines())
    page = f"<html><body>{'<div>' * 200}{body}{'</div>' * 200}</body></html>"
    status, tables, _ = _batch(
        tmp_path, {"nested.html": lambda p: p.write_text(page, encoding="utf-8")}
    )
    assert _message(status, "nested.html")[0] == "ok"
    assert "嵌套区" in " ".join(tables["documents"]["title"])


def test_zip_bomb_and_paragraph_bomb_docx_are_refused(tmp_path):
    status, _, _ = _batch(
        tmp_path,
        {
            "zipbomb.docx": lambda p: zip_bomb_docx(p, 300),
            "parabomb.docx": lambda p: paragraph_bomb_docx(p, 600_000),
        },
    )
    assert os.path.getsize(tmp_path / "raw" / "plans" / "zipbomb.docx") < 2_000_000
    state, message = _message(status, "zipbomb.docx")
    assert state == "error" and "unpacks to 301 MB" in message and "zip bomb" in message
    state, message = _message(status, "parabomb.docx")
    assert state == "error" and "600,0" in message and "paragraphs" in message


def test_pdf_stream_bomb_is_refused_not_called_a_scan(tmp_path):
    status, _, _ = _batch(tmp_path, {"bomb.pdf": lambda p: stream_bomb_pdf(p, 300)})
    state, message = _message(status, "bomb.pdf")
    assert state == "error" and "stream bomb" in message and "OCR" not in message


@pytest.mark.parametrize(
    "limit,words",
    [
        ({"file_bytes": 3000}, "limit: file_bytes"),
        ({"text_chars": 1000}, "limit: text_chars"),
        ({"pages": 1}, "limit: pages"),
        ({"paragraphs": 5}, "limit: paragraphs"),
    ],
)
def test_every_limit_refuses_a_file_over_it(tmp_path, limit, words):
    from tests.helpers import write_docx, write_pdf

    files = {"over.pdf": lambda p: write_pdf(p, GOOD.replace("良好区", "超限区") * 10)}  # 2 pages
    if "paragraphs" in limit:
        files = {"over.docx": lambda p: write_docx(p, GOOD.replace("良好区", "超限区"))}
    name = next(iter(files))
    status, _, _ = _batch(tmp_path, files, limits=Limits(**limit))
    state, message = _message(status, name)
    assert state == "error" and words in message and "--limit" in message, message


def test_limits_can_be_raised_or_lowered(tmp_path):
    status, _, _ = _batch(
        tmp_path,
        {"small_bomb.pdf": lambda p: stream_bomb_pdf(p, 3)},
        limits=Limits(unpacked_bytes=1024 * 1024),
    )
    assert "unpacked_bytes" in _message(status, "small_bomb.pdf")[1]
    options = ["pages=10", "page_pixels=1e6"]
    assert Limits().with_options(options) == Limits(pages=10, page_pixels=1_000_000)
    from compare.errors import CompareError

    with pytest.raises(CompareError, match="no time limit any more"):
        Limits().with_options(["seconds=60"])

    with pytest.raises(CompareError, match="unknown limit 'depth=3'.*html_depth"):
        Limits().with_options(["depth=3"])


def test_oversized_scans_are_refused_by_their_pixels_before_they_are_decoded(tmp_path):
    from PIL import Image

    status, _, _ = _batch(
        tmp_path,
        {
            # headers declaring many pixels over a few bytes of data: decoding would fail
            "huge.png": lambda p: declared_png(p, 9_000, 9_000),
            "enlarged.png": lambda p: declared_png(p, 6_000, 6_000, dpi=120),
            "huge_page.pdf": lambda p: blank_pdf(p, 1, (14_400, 14_400)),
            # a resolution no scanner writes is not obeyed: the image is not enlarged 100 times
            "two_dpi.png": lambda p: Image.new("L", (300, 200), 255).save(p, dpi=(2, 2)),
        },
    )
    state, message = _message(status, "huge.png")
    assert state == "error" and "page 1 is 9,000 × 9,000 pixels" in message, message
    assert "limit: page_pixels = 80,000,000" in message and "--limit" in message
    state, message = _message(status, "enlarged.png")
    assert state == "error" and "stored at 120 dpi" in message, message
    assert "10,000 × 10,000 pixels" in message and "page_pixels" in message
    state, message = _message(status, "huge_page.pdf")
    assert state == "error" and "rendered at 200 dpi to 40,000 × 40,000" in message, message
    state, message = _message(status, "two_dpi.png")
    assert state == "error" and "no text could be read" in message, message


def test_scans_over_their_pages_or_all_their_pixels_are_refused(tmp_path):
    status, _, _ = _batch(
        tmp_path,
        {
            "many.tiff": lambda p: many_page_tiff(p, 41),
            "long_scan.pdf": lambda p: blank_pdf(p, 3),  # A4 pages: 3.9 million pixels each
        },
        limits=Limits(pages=40, pixels=10_000_000),
    )
    state, message = _message(status, "many.tiff")
    assert state == "error" and "more than 40 pages (limit: pages = 40)" in message, message
    state, message = _message(status, "long_scan.pdf")
    assert state == "error" and "up to page 3" in message and "limit: pixels" in message, message


def test_long_scans_and_camera_photos_are_within_the_default_limits(tmp_path):
    from PIL import Image

    from compare.read.limits import PixelBudget
    from compare.read.ocr import DPI, image_pages

    budget = PixelBudget(Limits())
    a4 = (round(595 * DPI / 72), round(842 * DPI / 72))
    for page in range(1, 401):  # a 400-page plan scanned on A4
        budget.take(*a4, page, f"would be rendered at {DPI} dpi to")
    # a phone's photo of a page says 72 dpi: it is read at its own size, not enlarged
    photo = tmp_path / "photo.jpg"
    Image.new("L", (4_000, 3_000), 255).save(photo, dpi=(72, 72))
    pages = image_pages(photo.read_bytes(), PixelBudget(Limits()))
    assert len(pages) == 1 and [page.size for page in pages] == [(4_000, 3_000)]


def test_links_out_of_the_raw_folder_are_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "plan.txt").write_text(GOOD.replace("良好区", "外部区"), encoding="utf-8")

    def link(target):
        return lambda p: p.symlink_to(target)

    files = {
        "to_plan.txt": link(outside / "plan.txt"),
        "to_passwd.txt": link("/etc/passwd"),
        "to_folder": link(outside),
        "dangling.txt": link(tmp_path / "missing.txt"),
    }
    status, tables, _ = _batch(tmp_path, files)
    for name in ("to_plan.txt", "to_passwd.txt"):
        state, message = _message(status, name)
        assert (
            state == "skipped"
            and "outside the raw folder" in message
            and "--follow-links" in message
        )
    assert "links to folders are not followed" in _message(status, "to_folder")[1]
    assert "link to nothing" in _message(status, "dangling.txt")[1]
    assert "外部区" not in " ".join(tables["documents"]["title"])
    followed, tables, _ = _batch(
        tmp_path / "again", {"to_plan.txt": link(outside / "plan.txt")}, follow_links=True
    )
    assert followed["plans/to_plan.txt"].status == "ok"
    assert "外部区" in " ".join(tables["documents"]["title"])


def test_a_link_inside_the_raw_folder_is_a_duplicate_not_a_crash(tmp_path):
    status, _, _ = _batch(tmp_path, {"zz_alias.txt": lambda p: p.symlink_to(p.parent / "good.txt")})
    assert status["plans/zz_alias.txt"].status == "duplicate"


def test_control_characters_are_removed_and_reported(tmp_path):
    dirty = GOOD.replace("良好区", "控制区").replace("加强组织领导", "加强\x00组织\x1b[31m领导\x07")
    name = "esc\x1b[2J.txt"
    status, tables, report = _batch(
        tmp_path, {name: lambda p: p.write_text(dirty, encoding="utf-8")}
    )
    shown = "plans/esc\\x1b[2J.txt"
    assert status[shown].status == "ok"
    assert any("3 control character(s)" in m for m in status[shown].messages)
    for table in tables.values():
        for col in table.columns:
            if table[col].dtype.kind not in "biufM":
                cells = " ".join(map(str, table[col].dropna()))
                assert "\x1b" not in cells and "\x00" not in cells, col
    assert "\x1b" not in report.summary()
    assert any("加强组织[31m领导" in t for t in tables["measures"]["text"])


def test_a_few_invalid_bytes_in_utf8_are_replaced_and_counted(tmp_path):
    text = GOOD.replace("良好区", "损坏区")
    head, rest = text.split("总体要求", 1)
    middle, tail = rest.split("基本公共服务", 1)
    damaged = b"".join(
        [
            head.encode(),
            b"\xff\xfe",
            "总体要求".encode(),
            middle.encode(),
            b"\x80\xc0",
            "基本公共服务".encode(),
            tail.encode(),
        ]
    )
    status, tables, _ = _batch(tmp_path, {"damaged.txt": lambda p: p.write_bytes(damaged)})
    state, message = _message(status, "damaged.txt")
    assert state == "ok" and "4 invalid byte(s)" in message
    doc = tables["documents"].set_index("source_file").loc["plans/damaged.txt"]
    assert doc.encoding == "utf-8" and "损坏区" in doc.title


def test_gbk_text_is_still_read_as_gbk(tmp_path):
    status, tables, _ = _batch(
        tmp_path,
        {"gbk.txt": lambda p: p.write_bytes(GOOD.replace("良好区", "国标区").encode("gbk"))},
    )
    doc = tables["documents"].set_index("source_file").loc["plans/gbk.txt"]
    assert doc.encoding == "gb18030" and "国标区" in doc.title
