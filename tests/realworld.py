"""The real-world test set (``tests/data/real/``): load it, build it, score the build against
the hand-read gold. Used by the tests and by ``benchmarks/real_world.py``."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

REAL_DIR = Path(__file__).resolve().parent / "data" / "real"
HEADER_END = "=====\n"


def gold() -> dict[str, dict]:
    from compare.config import load_yaml

    return load_yaml((REAL_DIR / "gold.yaml").read_text(encoding="utf-8"))


def body(name: str) -> str:
    """A file's text as it was on the page (below its source header)."""
    return (REAL_DIR / name).read_text(encoding="utf-8").split(HEADER_END, 1)[1]


def write_raw(folder: Path) -> Path:
    """The set as a raw folder a user would build: every file's page text under ``plans/``."""
    plans = folder / "plans"
    shutil.rmtree(folder, ignore_errors=True)
    plans.mkdir(parents=True)
    for name in gold():
        (plans / Path(name).name).write_text(body(name), encoding="utf-8")
    return folder


def _norm(value):
    from compare.normalize import comparison_text

    if value is None or (not isinstance(value, (list, str)) and pd.isna(value)):
        return None
    if isinstance(value, (dt.date, pd.Timestamp)):
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    return comparison_text(str(value), jurisdiction=False).replace("、", "")


@dataclass
class Score:
    """Fields right and wrong, with what was found for each wrong one."""

    right: int = 0
    wrong: list[tuple[str, str, object, object]] = field(
        default_factory=list
    )  # (file, field, gold, found)

    @property
    def total(self) -> int:
        return self.right + len(self.wrong)

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 1.0

    def check(self, name: str, key: str, expected, found) -> None:
        if key in ("cites", "targets"):  # lists compared whole
            ok = [_norm(c) for c in found or []] == [_norm(c) for c in expected or []]
        else:  # a list of gold values: any of them is right
            options = expected if isinstance(expected, list) else [expected]
            ok = _norm(found) in [_norm(o) for o in options]
        if ok:
            self.right += 1
        else:
            self.wrong.append((name, key, expected, found))


HELD_OUT = "heldout/"


def score(tables: dict[str, pd.DataFrame], report, *, held_out: bool | None = None) -> Score:
    """Every gold field of every file against the built tables and the build report; with
    ``held_out`` True or False, only the held-out files (read after the reader was tuned) or
    only the others."""
    out = Score()
    status = {Path(f.source_file).name: f for f in report.files}
    docs = tables["documents"].assign(
        _file=[Path(s).name for s in tables["documents"]["source_file"]]
    )
    docs = docs.set_index("_file")
    targets = tables["targets"]
    for name, expected in gold().items():
        if held_out is not None and name.startswith(HELD_OUT) != held_out:
            continue
        short = Path(name).name
        built = status[short].status == "ok"
        out.check(name, "status", expected["status"], "ok" if built else "refused")
        if not built or expected["status"] != "ok":
            continue
        row = docs.loc[short]
        place = next(
            (row[c] for c in ("county", "prefecture", "province") if isinstance(row[c], str)), None
        )
        found = {
            "title": row["title"],
            "issuer": row["issuer"],
            "place": place,
            "doc_number": row["doc_number"],
            "issued_date": row["issued_date"],
            "cites": list(row["cites"]),
            "is_partial": bool(row["is_partial"]) if not pd.isna(row["is_partial"]) else False,
        }
        for key, value in found.items():
            if key in expected:
                out.check(name, key, expected[key], value)
        if "targets" in expected:
            _check_targets(
                out,
                name,
                expected["targets"],
                targets[(targets["doc_id"] == row["doc_id"]) & (targets["kind"] == "target")],
            )
    return out


def _check_targets(out: Score, name: str, expected, found: pd.DataFrame) -> None:
    if expected == "none":
        described = [f"{r.indicator} {r.value:g}{r.unit or ''}" for r in found.itertuples()]
        out.check(name, "targets", [], described)
        return
    left = found.copy()
    for t in expected:
        hit = left[(left["value"] == t["value"]) & (left["unit"].fillna("") == t["unit"])]
        if "deadline_year" in t:
            hit = hit[hit["deadline_year"] == t["deadline_year"]]
        if "comparator" in t:
            hit = hit[hit["comparator"] == t["comparator"]]
        if len(hit):
            left = left.drop(hit.index[0])
            out.right += 1
        else:
            out.wrong.append((name, "target", t, None))
