"""Time one report and the full report batch (prints figures; never asserts on them).

    .venv/bin/python benchmarks/reports.py            # uses data/processed (run `make all` first)
    .venv/bin/python benchmarks/reports.py --jobs 1 2 # batch time for each job count
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from compare.config import PROCESSED_DATA_DIR
from compare.report.runner import run_reports


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--processed", type=Path, default=PROCESSED_DATA_DIR)
    parser.add_argument("--jobs", type=int, nargs="*", default=[1, os.cpu_count() or 1])
    args = parser.parse_args()
    print(f"cores available: {os.cpu_count()}")
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        jobs = run_reports(args.processed, Path(tmp) / "one", reports="plan_profile",
                           plans="chaoyang-2017", jobs=1)
        print(f"one report (plan_profile, chaoyang-2017): {time.perf_counter() - start:.1f} s "
              f"[{jobs[0].status}]")
        for n in args.jobs:
            start = time.perf_counter()
            done = run_reports(args.processed, Path(tmp) / f"batch{n}", jobs=n)
            took = time.perf_counter() - start
            ok = sum(j.status == "ok" for j in done)
            print(f"full batch, {n} job(s): {took:.1f} s for {len(done)} reports ({ok} ok), "
                  f"{took / max(len(done), 1):.1f} s per report")
        # what the embedded fonts and the PDFs cost, with the most jobs asked for
        n = max(args.jobs)
        for label, options in (("HTML and Excel only", {"pdf": False, "embed_font": False}),
                               ("+ embedded fonts", {"pdf": False, "embed_font": True})):
            start = time.perf_counter()
            done = run_reports(args.processed, Path(tmp) / f"parts{label}", jobs=n, **options)
            print(f"full batch, {n} job(s), {label}: {time.perf_counter() - start:.1f} s")
        pages = sorted(Path(tmp, f"batch{n}").glob("*/*.html"))
        sizes = [p.stat().st_size / 1024 for p in pages]
        if sizes:
            print(f"page size with its font: {min(sizes):.0f}-{max(sizes):.0f} KiB "
                  f"({len(pages)} pages)")


if __name__ == "__main__":
    main()
