"""OCR of scanned plans: speed, memory and accuracy on a generated scan.

    .venv/bin/python benchmarks/ocr.py [--pages-per-table 29]

A plan is printed to PDF with a ruled annex over pages (tests/helpers.py), scanned at 180 dpi
with a small skew, speckle and blur into an image-only PDF, and read as a user would read it
(``read_document``). Printed: pages per second, peak memory, the body text's character
accuracy against the source, and the annex rows read with their exact lead agencies.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from compare.extract.tasks import extract_tasks
    from compare.read import read_document
    from compare.read.ocr import engine
    from tests.conftest import SAMPLE_PLAN
    from tests.helpers import ruled_task_rows, write_ruled_pdf, write_scanned_pdf
    from tests.read.test_ocr import character_accuracy

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=29, help="rows of the annex table")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = ruled_task_rows(args.rows)
        printed = write_ruled_pdf(Path(tmp) / "printed.pdf", SAMPLE_PLAN, rows, split_row=12)
        scan = write_scanned_pdf(Path(tmp) / "scan.pdf", printed)
        start = time.perf_counter()
        engine()
        load = time.perf_counter() - start
        start = time.perf_counter()
        doc = read_document(scan)
        seconds = time.perf_counter() - start
    tasks, _, _ = extract_tasks(doc.text, "scan")
    leads = dict(zip(tasks["task_no"], tasks["lead_agencies"]))
    right = sum(leads.get(int(n)) == [lead] for n, _, lead, _, _ in rows)
    pages = len([n for n in doc.warnings if "page(s) read by OCR" in n]) and int(
        next(n for n in doc.warnings if "page(s) read by OCR" in n).split()[0]
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(f"engine loaded in {load:.1f} s")
    print(
        f"{pages} scanned pages read in {seconds:.1f} s: {pages / seconds:.2f} pages per second "
        f"(ONNX Runtime threads on every core); peak RSS {peak:.2f} GiB"
    )
    body = doc.text.split("附件")[0]
    print(
        f"body text character accuracy {character_accuracy(SAMPLE_PLAN, body):.3f}; "
        f"mean OCR confidence {doc.ocr_confidence}"
    )
    print(f"annex rows with the exact lead agencies: {right}/{len(rows)}")


if __name__ == "__main__":
    main()
