"""When each document was issued, as a window: its signature date when the text gives one,
else the earliest and latest dates the rest of the evidence allows.

A lineage must never make a document the ancestor of one issued before it. Many texts found
online have lost their signature date (a re-post, an essay-site copy), so each undated
document gets an estimate, and the estimate says where it came from:

* ``doc_number``: the year in its own number (国发〔2015〕7号 → issued in 2015);
* ``cites``: issued after everything it cites (the cited document's window in the corpus,
  else the year in the cited number);
* ``plan_period``: a plan for 2021–2025 is issued from the year before its period starts
  to the end of it;
* ``deadlines``: a commitment "到2018年完成…" outside a review of the past is made before
  the end of 2018.

A window may stay open at either end (``None``): nothing bounds it there.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple

import pandas as pd

#: Where an estimate's bounds came from, in the order they are named.
SOURCES = ("doc_number", "cites", "plan_period", "deadlines")

#: A commitment's deadline in a clause: 到2018年, 到2020年底, 至2025年末.
_DEADLINE = re.compile(r"(?:到|至)(20\d\d)年(?:底|末|前)?")


class Window(NamedTuple):
    """The dates a document may have been issued on (both ends included; None: open), and
    where the bounds came from (None: the signature date itself)."""

    earliest: dt.date | None
    latest: dt.date | None
    source: str | None

    @property
    def exact(self) -> bool:
        return self.source is None and self.earliest is not None

    def before(self, other: "Window") -> bool:
        """Whether this document was certainly issued before ``other`` (a later day)."""
        return (
            self.latest is not None and other.earliest is not None and self.latest < other.earliest
        )

    def after(self, other: "Window") -> bool:
        """Whether this document was certainly issued after ``other``."""
        return other.before(self)


def issue_windows(
    documents: pd.DataFrame, measures: pd.DataFrame | None = None
) -> dict[str, Window]:
    """Each document's :class:`Window`, by doc_id. ``measures`` (with ``section_path``) give the
    deadlines an undated plan commits to; without them that bound is not used."""
    from compare.extract.targets import in_review_section
    from compare.read.metadata import doc_number_parts

    number_of = doc_ids_by_number(documents)
    deadline: dict[str, int] = {}
    if measures is not None and len(measures):
        for doc, text, path in zip(measures["doc_id"], measures["text"], measures["section_path"]):
            if in_review_section(path if isinstance(path, str) else None):
                continue
            for m in _DEADLINE.finditer(text):
                year = int(m.group(1))
                deadline[doc] = min(deadline.get(doc, year), year)

    own: dict[str, tuple] = {}  # doc_id → (earliest, latest, {source: bound kind}) before cites
    for row in documents.itertuples():
        if given(row.issued_date):
            day = pd.Timestamp(row.issued_date).date()
            own[row.doc_id] = (day, day, None)
            continue
        lo, hi, used = None, None, set()
        parts = doc_number_parts(row.doc_number) if isinstance(row.doc_number, str) else None
        if parts:
            lo, hi = dt.date(parts[1], 1, 1), dt.date(parts[1], 12, 31)
            used.add("doc_number")
        start, end = _int(row.period_start_year), _int(row.period_end_year)
        if start is not None and end is not None and row.role == "plan":
            lo2, hi2 = dt.date(start - 1, 1, 1), dt.date(end, 12, 31)
            lo, hi, used = _narrow(lo, hi, used, lo2, hi2, "plan_period")
        if row.doc_id in deadline and row.role == "plan":
            lo, hi, used = _narrow(
                lo, hi, used, None, dt.date(deadline[row.doc_id], 12, 31), "deadlines"
            )
        own[row.doc_id] = (lo, hi, used)

    cites = dict(zip(documents["doc_id"], documents["cites"]))
    windows = {d: (lo, hi, used) for d, (lo, hi, used) in own.items()}
    for _ in range(len(windows)):  # cited documents' bounds pass on: until nothing changes
        changed = False
        for doc, (lo, hi, used) in windows.items():
            if used is None:
                continue
            floor = None
            for number in cites.get(doc) or []:
                cited = number_of.get(number)
                if cited is not None and cited != doc:
                    bound = windows[cited][0]
                else:
                    parts = doc_number_parts(number)
                    bound = dt.date(parts[1], 1, 1) if parts else None
                if bound is not None and (floor is None or bound > floor):
                    floor = bound
            new = _narrow(lo, hi, used, floor, None, "cites")
            if new[:2] != (lo, hi):
                windows[doc] = new
                changed = True
        if not changed:
            break
    return {
        d: Window(
            lo, hi, None if used is None else (", ".join(s for s in SOURCES if s in used) or "none")
        )
        for d, (lo, hi, used) in windows.items()
    }


def estimate_columns(documents: pd.DataFrame, windows: dict[str, Window]) -> pd.DataFrame:
    """``documents`` with the window columns filled: ``issued_earliest``, ``issued_latest``,
    ``issued_estimate_source`` (empty when the signature date is known)."""
    out = documents.copy()
    w = [windows.get(d, Window(None, None, "none")) for d in out["doc_id"]]
    out["issued_earliest"] = pd.to_datetime(pd.Series([x.earliest for x in w], dtype="object"))
    out["issued_latest"] = pd.to_datetime(pd.Series([x.latest for x in w], dtype="object"))
    out["issued_estimate_source"] = [x.source for x in w]
    return out


def _narrow(lo, hi, used: set, lo2, hi2, source: str) -> tuple:
    """The window narrowed by another source's bounds, unless they contradict it (then the
    document's own evidence stands and the other source is not used)."""
    new_lo = lo2 if lo is None or (lo2 is not None and lo2 > lo) else lo
    new_hi = hi2 if hi is None or (hi2 is not None and hi2 < hi) else hi
    if new_lo is not None and new_hi is not None and new_lo > new_hi:
        return lo, hi, used
    if (new_lo, new_hi) == (lo, hi):
        return lo, hi, used
    return new_lo, new_hi, used | {source}


def given(value) -> bool:
    """Whether a table cell holds a value (not None, NaN, NA or NaT)."""
    return value is not None and not pd.isna(value)


def doc_ids_by_number(documents: pd.DataFrame) -> dict[str, str]:
    """Each document number of ``documents`` → the doc_id of its document."""
    return {
        n: d for d, n in zip(documents["doc_id"], documents["doc_number"]) if isinstance(n, str)
    }


def _int(value) -> int | None:
    return int(value) if given(value) else None
