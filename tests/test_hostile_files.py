"""Files that declare far more work than they hold (pixels, pages, unpacked bytes, elements):
each is refused by name from what it declares, before it is decoded, rendered or parsed, so
the batch goes on and the machine is not exhausted. Cases 1–5 of the hostile-input probe."""

import io
import os
import resource
import signal

import pytest

from compare.read.limits import LimitExceeded, Limits, check_pdf
from tests.hostile import (
    big_page_tiff,
    image_pdf,
    prefixed_paragraph_docx,
    run_bomb_docx,
    stream_bomb_pdf,
)
from tests.test_hostile_inputs import GOOD, _batch, _message


def test_a_tiny_image_declaring_two_dpi_is_read_at_its_own_size(tmp_path):
    from PIL import Image

    status, _, _ = _batch(
        tmp_path, {"two_dpi.png": lambda p: Image.new("L", (600, 600), 255).save(p, dpi=(2, 2))}
    )
    state, message = _message(status, "two_dpi.png")
    # not enlarged 100 times over (60,000² pixels): read as the blank page it is
    assert state == "error" and "no text could be read" in message, message


@pytest.mark.parametrize(
    "page,side",
    [((28_800, 28_800), "80,000 × 80,000"), ((7_200, 7_200), "20,000 × 20,000")],
)
def test_a_huge_pdf_page_drawing_a_huge_image_is_refused_before_it_is_rendered(
    tmp_path, page, side
):
    status, _, _ = _batch(tmp_path, {"huge.pdf": lambda p: image_pdf(p, (60_000, 60_000), page)})
    state, message = _message(status, "huge.pdf")
    assert state == "error" and f"rendered at 200 dpi to {side} pixels" in message, message
    assert "page_pixels" in message


def test_scans_over_their_pixels_are_refused_before_the_first_page_is_read(
    tmp_path, monkeypatch
):
    """A TIFF of blank pages and a PDF of image-only pages over their pixels (the probe's were
    1,000 and 2,000 pages against 2 billion pixels: tests/test_hostile_folder.py; here a tenth
    against a tenth), and a TIFF of pages each over ``page_pixels``: all refused from their
    declared page sizes, before OCR reads a single page (so no clock is needed)."""
    from compare.read import ocr

    read = []
    monkeypatch.setattr(ocr, "engine", lambda: read.append(1) or pytest.fail("OCR was run"))
    status, _, _ = _batch(
        tmp_path,
        {
            "blank.tiff": lambda p: big_page_tiff(p, 100, 2_000),  # 4 million pixels a page
            # A4 pages rendered at 200 dpi: 1,653 × 2,339 pixels
            "image_only.pdf": lambda p: image_pdf(p, (1_000, 1_400), pages=200),
            "big_pages.tiff": lambda p: big_page_tiff(p, 60, 9_000),
        },
        limits=Limits(pixels=200_000_000),
    )
    for name, page in (("blank.tiff", "51"), ("image_only.pdf", "52")):
        state, message = _message(status, name)
        assert state == "error" and f"up to page {page}" in message, message
        assert "limit: pixels = 200,000,000" in message
    state, message = _message(status, "big_pages.tiff")
    assert state == "error" and "page 1 is 9,000 × 9,000 pixels" in message, message
    assert not read


def test_a_blank_scanned_page_is_not_given_to_ocr(tmp_path, monkeypatch):
    from compare.read import ocr

    monkeypatch.setattr(ocr, "engine", lambda: pytest.fail("OCR was run on a blank page"))
    status, _, _ = _batch(tmp_path, {"grey.pdf": lambda p: image_pdf(p, (60_000, 60_000))})
    state, message = _message(status, "grey.pdf")
    assert state == "error" and "no text could be read" in message, message


@pytest.mark.parametrize(
    "name,write",
    [
        ("nested_parms.pdf", lambda p: stream_bomb_pdf(p, 300, dictionary=b"/DecodeParms << >>")),
        ("double_flate.pdf", lambda p: stream_bomb_pdf(p, 1_500, layers=2)),
        ("long_dict.pdf",
         lambda p: stream_bomb_pdf(p, 300, dictionary=b"/P (" + b"x" * 700 + b")")),
        ("escaped_name.pdf", lambda p: stream_bomb_pdf(p, 300).write_bytes(
            p.read_bytes().replace(b"/FlateDecode", b"/Flate#44ecode"))),
        ("fake_end.pdf", lambda p: stream_bomb_pdf(p, 300, dictionary=b"/X (endobj stream)")),
    ],
)
def test_stream_bombs_written_any_way_are_refused(tmp_path, name, write):
    status, _, _ = _batch(tmp_path, {name: write})
    state, message = _message(status, name)
    assert state == "error" and "stream bomb" in message, message
    assert (tmp_path / "raw" / "plans" / name).stat().st_size < 400_000


def test_the_stream_check_counts_what_a_pdf_library_unpacks(tmp_path):
    """On real PDFs (text with a CJK font, a scan), the check's count of unpacked bytes is the
    count pdfminer's own decoding gives."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import PDFStream

    from compare.read.pdf_streams import streams, unpacked_size
    from tests.helpers import write_pdf

    for text in (GOOD * 3, None):
        data = write_pdf(tmp_path / "plan.pdf", text).read_bytes()
        ours = [unpacked_size(data, s, 1 << 40) for s in streams(data) if s.filters]
        document = PDFDocument(PDFParser(io.BytesIO(data)))
        theirs = [
            len(obj.get_data())
            for xref in document.xrefs
            for oid in xref.get_objids()
            if isinstance(obj := document.getobj(oid), PDFStream) and obj.get("Filter")
        ]
        assert ours and sorted(ours) == sorted(theirs)
    check_pdf(data, Limits())  # within the limit
    with pytest.raises(LimitExceeded, match="stream bomb"):
        check_pdf(data, Limits(unpacked_bytes=sum(ours) - 1))


@pytest.mark.parametrize(
    "name,write,words",
    [
        ("q_prefix.docx", lambda p: prefixed_paragraph_docx(p, 3_000_000),
         "3,000,001 paragraphs and table rows (limit: paragraphs = 500,000)"),
        ("many_runs.docx", lambda p: run_bomb_docx(p, 4_000_000),
         "4,000,001 runs of text (limit: runs = 1,000,000)"),
    ],
)
def test_word_files_are_counted_whatever_their_prefix(tmp_path, name, write, words):
    status, _, _ = _batch(tmp_path, {name: write})
    state, message = _message(status, name)
    assert state == "error" and words in message, message


def test_the_runs_limit_refuses_a_real_plan_only_when_set_below_it(tmp_path):
    from tests.helpers import write_docx

    files = {"plan.docx": lambda p: write_docx(p, GOOD.replace("良好区", "文档区"))}
    status, _, _ = _batch(tmp_path / "default", files)
    assert status["plans/plan.docx"].status == "ok"
    status, _, _ = _batch(tmp_path / "low", files, limits=Limits(runs=5))
    state, message = _message(status, "plan.docx")
    assert state == "error" and "(limit: runs = 5)" in message and "--limit" in message, message


def test_a_file_past_every_check_that_takes_too_much_memory_fails_alone(tmp_path):
    """A Word file within every declared limit whose parsed tree is large: under a memory
    ceiling it is refused by name and the good plan (read under the same ceiling) is built. The
    build runs as a user runs it, in a fresh process: the ceiling counts memory a process
    newly takes, and this one's heap is already grown by the tests before."""
    import json

    from tests.conftest import run_build
    from tests.hostile import heavy_docx

    raw = tmp_path / "raw"
    (raw / "plans").mkdir(parents=True)
    (raw / "plans" / "good.txt").write_text(GOOD, encoding="utf-8")
    heavy_docx(raw / "plans" / "heavy.docx")
    done = run_build(raw, tmp_path / "out", "--jobs", "1", "--limit", f"memory={64 * 2**20}")
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads((tmp_path / "out" / "build_report.json").read_text(encoding="utf-8"))
    status = {f["source_file"]: f for f in report["files"]}
    assert status["plans/good.txt"]["status"] == "ok"
    message = " ".join(status["plans/heavy.docx"]["messages"])
    assert status["plans/heavy.docx"]["status"] == "error", message
    assert "needs more than 64 MB of memory (limit: memory)" in message and "--limit" in message


def test_the_memory_ceiling_is_lifted_after_each_file(tmp_path):
    from compare.read import read_document

    before = resource.getrlimit(resource.RLIMIT_DATA)
    plan = tmp_path / "plan.txt"
    plan.write_text(GOOD, encoding="utf-8")
    assert read_document(plan, limits=Limits(memory=256 * 2**20)).meta["title"]
    assert resource.getrlimit(resource.RLIMIT_DATA) == before


def test_a_worker_that_stops_costs_only_its_own_item():
    """When a worker process dies in the middle of a batch (a native library crashing, or the
    system stopping it for its memory), the items not done are done again one to a worker:
    only the item that stops its worker again is lost, and it is named."""
    from compare.parallel import run_batches

    results = run_batches(
        _die_on_seven, list(range(12)), lambda batch: (), jobs=2, min_parallel=1,
        batch_size=3, crashed=lambda item: f"item {item} stopped its worker",
    )
    assert [r if isinstance(r, str) else r[0] for r in results] == [
        *range(7), "item 7 stopped its worker", *range(8, 12)
    ]
    assert os.getpid() not in {r[1] for r in results if not isinstance(r, str)}


def _die_on_seven(batch):
    out = []
    for item in batch:
        if item == 7:
            os.kill(os.getpid(), signal.SIGKILL)
        out.append((item, os.getpid()))
    return out
