"""The layout zoo, counted: where each medium stands on three whole plans.

    PYTHONPATH=src .venv/bin/python benchmarks/zoo.py [--only county] [--no-scans]

Each plan of tests/zoo (a county 实施意见, a city 十四五 规划, a provincial 实施方案) is made
in every medium of the zoo (Word, web page, Chromium and reportlab PDFs, text copies, scans),
built on its own, and checked against its gold (tests/zoo/zoo.py). One line per rendering:
numbered items read as clauses, headings that are sentences, indicator rows read as targets
with value, comparator, unit and binding (and those whose row also became a clause), task
rows with their exact lead agencies, whether the document number, issuer and date are right,
the accounted-for share of the body and the build's seconds.
A scan counts only the gold printed on its scanned pages.
"""
from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))  # this checkout's reader, not an installed one


def _frac(wrong: list, total: int) -> str:
    return f"{total - len(wrong)}/{total}" if total else "-"


def main() -> None:
    from tests.zoo.zoo import RENDERINGS, Zoo, available, check

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", help="one plan: county, city or province")
    ap.add_argument("--no-scans", action="store_true", help="leave out the scans (OCR is slow)")
    args = ap.parse_args()
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    header = (f"{'rendering':32} {'items':>7} {'bad hd':>6} {'indic.':>6} {'as cl.':>6} "
              f"{'tasks':>7} {'meta':>5} {'junk':>4} {'acct':>5} {'s':>6}")
    print(header)
    print("-" * len(header))
    notes = []
    with tempfile.TemporaryDirectory(prefix="zoo-") as tmp:
        zoo = Zoo(Path(tmp))
        for rid, rendering in RENDERINGS.items():
            if args.only and rendering.plan != args.only:
                continue
            if args.no_scans and rendering.is_scan:
                continue
            why = available(rendering)
            if why:
                print(f"{rid:32} skipped: {why}")
                continue
            built = zoo.build(rid)
            c = check(built)
            meta = "-" if not (built.gold.doc_number or built.gold.date) else (
                "ok" if not c.metadata else "WRONG")
            acct = "n/a" if c.accounted_share is None else f"{c.accounted_share:.3f}"
            print(f"{rid:32} {_frac(c.items_missing, c.items_total):>7} "
                  f"{len(c.bad_headings):>6} {_frac(c.indicators_wrong, c.indicators_total):>6} "
                  f"{len(c.indicators_as_clauses):>6} {_frac(c.tasks_wrong, c.tasks_total):>7} "
                  f"{meta:>5} {len(c.furniture):>4} {acct:>5} {built.seconds:>6.1f}", flush=True)
            if c.metadata:
                notes.append(f"{rid}: {'; '.join(c.metadata)}")
    print("\nitems: numbered items read as clauses; bad hd: headings over 40 characters or "
          "ending with 。;\nindic.: indicator rows read as targets with value, comparator, unit "
          "and binding;\nas cl.: indicator rows whose text is also a clause; tasks: task rows "
          "with their exact lead agencies;\nmeta: document number, issuer and date; junk: clauses "
          "or headings holding the web page's navigation or footer; acct: "
          "documents.accounted_share (n/a until the reader gives it).")
    for note in notes:
        print(note)


if __name__ == "__main__":
    main()
