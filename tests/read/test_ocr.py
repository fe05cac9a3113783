"""Scanned plans read by OCR: a plan printed to PDF with a ruled annex over pages, then scanned
(180 dpi, a small skew, speckle and blur) into an image-only PDF, builds into every table."""

import pytest
from PIL import Image

from compare.build import build_tables
from compare.normalize import comparison_text
from tests.conftest import SAMPLE_PLAN
from tests.helpers import (
    ruled_task_rows,
    scan_images,
    stamp,
    write_mixed_pdf,
    write_ruled_pdf,
    write_scanned_pdf,
)

PLAN = SAMPLE_PLAN.replace("测试区", "扫描区").replace("测政发", "扫政发")


def character_accuracy(source: str, read: str) -> float:
    """1 - edit distance / length, on the texts without spaces and with punctuation folded."""
    from rapidfuzz.distance import Levenshtein

    a, b = comparison_text(source, jurisdiction=False), comparison_text(read, jurisdiction=False)
    return 1 - Levenshtein.distance(a, b) / len(a)


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scans")
    rows = ruled_task_rows(29)
    printed = write_ruled_pdf(folder / "printed.pdf", PLAN, rows, split_row=12)
    raw = folder / "raw"
    (raw / "plans").mkdir(parents=True)
    write_scanned_pdf(raw / "plans" / "scan.pdf", printed)
    scan_images(printed)[0].save(raw / "plans" / "photo.png")
    # a two-page TIFF scanned at 150 dpi: its pages are read one by one, enlarged to 200 dpi
    tiff = scan_images(write_ruled_pdf(folder / "tiff.pdf", PLAN.replace("扫描区", "多页区"), rows),
                       150)[:2]
    tiff[0].save(raw / "plans" / "pages.tif", save_all=True, append_images=tiff[1:], dpi=(150, 150))
    other = write_ruled_pdf(folder / "other.pdf", PLAN.replace("扫描区", "混合区"), rows)
    write_mixed_pdf(
        raw / "plans" / "mixed.pdf", other, write_scanned_pdf(folder / "other-scan.pdf", other)
    )
    Image.new("L", (1240, 1754), 255).save(raw / "plans" / "blank.png")
    # the stamped paper copy: a red seal over the signature and its date, then scanned
    first = scan_images(
        write_ruled_pdf(folder / "stamped.pdf", PLAN.replace("扫描区", "盖章区"), rows)
    )[0]
    width = first.width
    stamp(first, (0.20 * width, 0.415 * first.height), "盖章区人民政府").save(
        raw / "plans" / "stamped.png"
    )
    tables, report = build_tables(raw)
    return rows, tables, report


def _doc(tables, name):
    return tables["documents"].set_index("source_file").loc[f"plans/{name}"]


def test_the_scan_gives_its_metadata(scanned):
    _, tables, _ = scanned
    doc = _doc(tables, "scan.pdf")
    assert doc["text_source"] == "ocr" and doc["format"] == "pdf"
    assert doc["doc_number"] == "扫政发〔2019〕5号"
    assert doc["issued_date"].date().isoformat() == "2019-03-08"
    assert doc["issuer"] == "北京市扫描区人民政府" and doc["ocr_confidence"] > 0.9


def test_the_scanned_annex_gives_its_rows_with_the_exact_lead_agencies(scanned):
    rows, tables, _ = scanned
    tasks = tables["tasks"][tables["tasks"]["doc_id"] == _doc(tables, "scan.pdf")["doc_id"]]
    leads = dict(zip(tasks["task_no"], tasks["lead_agencies"]))
    right = [n for n, _, lead, _, _ in rows if leads.get(int(n)) == [lead]]
    print(f"\nscanned annex: {len(right)}/{len(rows)} rows with the exact lead agencies")
    assert len(right) >= 0.9 * len(rows)


def test_the_body_text_is_read_nearly_character_for_character(scanned):
    _, tables, _ = scanned
    text = tables["texts"].set_index("doc_id").loc[_doc(tables, "scan.pdf")["doc_id"], "text"]
    body = text.split("附件")[0]
    accuracy = character_accuracy(PLAN, body)
    print(f"\ncharacter accuracy of the scanned body text: {accuracy:.3f}")
    assert accuracy >= 0.97


def test_a_photo_of_a_page_is_a_document(scanned):
    _, tables, _ = scanned
    doc = _doc(tables, "photo.png")
    assert doc["format"] == "image" and doc["text_source"] == "ocr"
    assert doc["doc_number"] == "扫政发〔2019〕5号"


def test_a_pdf_of_text_and_scanned_pages_is_mixed(scanned):
    rows, tables, _ = scanned
    doc = _doc(tables, "mixed.pdf")
    assert doc["text_source"] == "mixed"
    tasks = tables["tasks"][tables["tasks"]["doc_id"] == doc["doc_id"]]
    assert len(tasks) >= 0.9 * len(rows)


def test_a_blank_image_is_refused_with_the_reason_and_the_batch_goes_on(scanned):
    _, tables, report = scanned
    status = {f.source_file: f for f in report.files}
    assert status["plans/blank.png"].status == "error"
    assert "no text could be read" in status["plans/blank.png"].messages[0]
    assert len(tables["documents"]) == 5


def test_a_tiff_of_several_pages_is_one_document(scanned):
    _, tables, report = scanned
    doc = _doc(tables, "pages.tif")
    assert doc["format"] == "image" and doc["text_source"] == "ocr"
    assert doc["issuer"] == "北京市多页区人民政府" and "多页区" in doc["title"]
    notes = [m for f in report.files if f.source_file == "plans/pages.tif" for m in f.messages]
    assert any("pages.tif: 2 page(s) read by OCR" in m for m in notes), notes


def test_ocr_notes_reach_the_build_report(scanned):
    _, _, report = scanned
    notes = [m for f in report.files if f.source_file == "plans/scan.pdf" for m in f.messages]
    assert any("page(s) read by OCR (mean confidence" in m for m in notes)


def test_a_seal_over_the_signature_does_not_hide_the_date(scanned):
    _, tables, _ = scanned
    doc = _doc(tables, "stamped.png")
    assert doc["issuer"] == "北京市盖章区人民政府"
    assert doc["issued_date"].date().isoformat() == "2019-03-08"
