"""Field accuracy on the real-world test set: openings of other local plans from public pages.

    .venv/bin/python benchmarks/real_world.py

Builds ``tests/data/real/`` as a user would (every page text in a raw folder), then prints, for
the files the reader was tuned on and apart for the held-out files (``heldout/``, read after the
tuning), how many were built or refused as the gold says, the share of gold fields right
(issuer, doc number, signature date, cites, title, place, partial, targets), and every field
that is wrong with what was found; then each plan's accounted-for share
(``documents.accounted_share``) and the lines the build report says landed nowhere.
"""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.realworld import HELD_OUT, gold, score, write_raw  # noqa: E402


def main() -> None:
    from compare.build import build_tables

    with tempfile.TemporaryDirectory() as tmp:
        raw = write_raw(Path(tmp) / "raw")
        tables, report = build_tables(raw)
    expected = gold()
    built = {Path(f.source_file).name for f in report.files if f.status == "ok"}
    for label, held_out in (("tuned on", False), ("held out", True)):
        group = {n: g for n, g in expected.items() if n.startswith(HELD_OUT) == held_out}
        n_plans = sum(g["status"] == "ok" for g in group.values())
        built_plans = sum(Path(n).name in built for n, g in group.items() if g["status"] == "ok")
        result = score(tables, report, held_out=held_out)
        print(
            f"{label}: {len(group)} files ({n_plans} plans, {len(group) - n_plans} not plans); "
            f"plans built {built_plans}/{n_plans}; gold fields right {result.right}/{result.total} "
            f"= {result.accuracy:.1%}"
        )
        by_field = Counter(key for _, key, _, _ in result.wrong)
        if result.wrong:
            print("  wrong, by field: " + ", ".join(f"{k} {v}" for k, v in by_field.most_common()))
            for name, key, want, found in result.wrong:
                print(f"    {name} {key}: gold {want!r}, found {found!r}")
    shares = tables["documents"].set_index("source_file")["accounted_share"]
    print(f"accounted for: {len(shares)} plans, lowest {shares.min():.4f}, "
          f"{int((shares >= 0.99).sum())} at 0.99 or above")
    for source, share in shares.sort_values(kind="stable").items():
        print(f"  {share:.4f}  {Path(source).name}")
    for note in report.warnings:
        if "landed in a heading" in note:
            print(f"  note: {note}")


if __name__ == "__main__":
    main()
