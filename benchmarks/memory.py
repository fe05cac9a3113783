"""Where a build's memory peaks: resident memory of the build and its worker processes, sampled
every 0.1 s and labelled with the step running (prints figures; never asserts on them).

    .venv/bin/python benchmarks/memory.py                        # data/raw
    .venv/bin/python benchmarks/memory.py --raw /tmp/national/raw --jobs 2

The build runs in this process through ``build_tables`` (then ``write_tables``, into the store
of a temporary folder), as ``compare build`` runs it, without kept per-document results
(``--no-cache``). Steps are named by the functions they run in: reading, the per-document
stages, the reference fit, the alignment workers, each table's assembly and each table's check
(``validate``). Printed: the highest total of each step, with the build's
own share and its workers'.
"""
from __future__ import annotations

import argparse
import functools
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--raw", type=Path, default=ROOT / "data" / "raw")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--top", type=int, default=15, help="steps printed, highest first")
    args = parser.parse_args()

    import compare.analysis.lineage as lineage
    import compare.build as build
    import compare.parallel as parallel
    import compare.schema as schema

    step = ["start-up"]
    peaks: dict[str, tuple[int, int, int]] = {}

    def label(module, name: str, shown: str | None = None) -> None:
        func = getattr(module, name)

        @functools.wraps(func)
        def wrapped(*a, **k):
            before, step[0] = step[0], shown or name
            try:
                return func(*a, **k)
            finally:
                step[0] = before

        setattr(module, name, wrapped)

    for module, name in [(build, "read_corpus"), (build, "document_stages"),
                         (build, "issue_windows"), (build, "target_changes_table"),
                         (lineage, "choose"), (lineage, "related_plans"),
                         (lineage, "alignments_table"), (lineage, "provisions_table"),
                         (lineage, "drift_table"), (lineage, "lineage_table"),
                         (lineage, "reconstruction")]:
        label(module, name)
    label(parallel, "run_batches", "workers")
    build.run_batches = parallel.run_batches
    validate = schema.validate

    def checked(df, table):
        before, step[0] = step[0], f"{step[0]} / validate {table}"
        try:
            return validate(df, table)
        finally:
            step[0] = before

    schema.validate = checked
    me = psutil.Process()

    def watch() -> None:
        while True:
            try:
                own = me.memory_info().rss
                workers = sum(c.memory_info().rss for c in me.children(recursive=True))
            except psutil.Error:
                continue
            if own + workers > peaks.get(step[0], (0,))[0]:
                peaks[step[0]] = (own + workers, own, workers)
            time.sleep(0.1)

    threading.Thread(target=watch, daemon=True).start()
    start = time.perf_counter()
    step[0] = "build_tables"  # between the steps named below
    with tempfile.TemporaryDirectory() as out:
        tables, report = build.build_tables(args.raw, jobs=args.jobs)
        step[0] = "write"
        build.write_tables(tables, out, report, validated=True)
        time.sleep(0.3)
    gib = 2 ** 30
    print(f"{report.n_ok} documents from {args.raw}, {args.jobs} job(s): "
          f"{time.perf_counter() - start:.1f} s")
    for name, (total, own, workers) in sorted(peaks.items(), key=lambda kv: -kv[1][0])[:args.top]:
        print(f"  {total / gib:5.2f} GiB (build {own / gib:.2f}, workers {workers / gib:.2f})  {name}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
