"""Build every table from a folder of raw documents; write and load them.

Reading files and writing tables happen here (and in the CLI) only; every stage in
between is a pure function of text or DataFrames. One bad file never stops a build: it is
reported in the build report and the rest go on.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from compare import frames, schema
from compare.analysis.dating import estimate_columns, issue_windows
from compare.analysis.references import FitChoice
from compare.analysis.target_changes import target_changes_table
from compare.config import IGNORED_NAMES, MANIFEST_NAMES, RAW_DATA_DIR, SUPPORTED_SUFFIXES
from compare.cache import Cache
from compare.errors import CompareError, DocumentError, printable, printable_path
from compare.inputs import file_sha256
from compare.parallel import MIN_PARALLEL, StageClock, no_cycle_collection, release_memory, \
    run_batches
from compare.read import Document, read_document
from compare.read.formats import NATIVE_SUFFIXES
from compare.read.limits import DEFAULT_LIMITS, Limits
from compare.read.manifest import find_manifests, load_manifest
from compare.read.metadata import doc_number_parts, document_places, strip_place_suffix
from compare.exports import write_tables  # noqa: F401  (the build's two ends)
from compare.store import load_tables  # noqa: F401

__all__ = [
    "BuildReport",
    "FileStatus",
    "build_tables",
    "read_corpus",
    "load_tables",
    "write_tables",
]


@dataclass
class FileStatus:
    """What happened to one raw file."""

    source_file: str
    status: str  # ok | duplicate | skipped | error
    doc_id: str | None = None
    messages: list[str] = field(default_factory=list)


@dataclass
class BuildReport:
    """Machine-readable account of a build (also written as ``build_report.json``)."""

    raw_dir: str
    files: list[FileStatus] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)
    figures: dict[str, dict] = field(
        default_factory=dict
    )  # measured quality figures (reconstruction recall …)
    # the fitted references used: id, date, plans fitted on, reused or fitted (and why)
    references: dict = field(default_factory=dict)
    # a key of everything the tables depend on (compare.inputs): the next build with the same key
    # has nothing to do
    inputs: str = ""
    # wall time per stage and cache use: shown to people, never written (the report stays
    # reproducible)
    timings: dict[str, float] = field(default_factory=dict, compare=False)
    cache: dict[str, dict[str, int]] = field(default_factory=dict, compare=False)
    # per table kept per document: a key per doc_id of what its rows follow from, so that the
    # store replaces only changed documents' rows (compare.store.commit_build); never written
    row_keys: dict[str, dict[str, str]] = field(default_factory=dict, compare=False)
    # an incremental build's tables hold only what changed since the build in this folder's
    # store: they may be committed there only (compare.exports.write_tables checks)
    partial_for: str | None = field(default=None, compare=False)

    @property
    def n_ok(self) -> int:
        return sum(f.status == "ok" for f in self.files)

    @property
    def problems(self) -> list[FileStatus]:
        return [f for f in self.files if f.status in {"error", "skipped"}]

    def to_json(self) -> str:
        data = asdict(self)
        for kept_out in ("timings", "cache", "row_keys", "partial_for"):
            data.pop(kept_out)
        # the fit is named by its id; when it was made is shown to people, never written
        data["references"] = {k: v for k, v in self.references.items() if k != "fitted_at"}
        data["summary"] = {
            s: sum(f.status == s for f in self.files)
            for s in ("ok", "duplicate", "skipped", "error")
        }
        return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"

    def summary(self) -> str:
        """A short account for people: counts, then every file that was not built and why."""
        counts = json.loads(self.to_json())["summary"]
        lines = [
            f"Read {len(self.files)} file(s) from {self.raw_dir}: {counts['ok']} document(s) "
            f"built, {counts['duplicate']} duplicate(s), {counts['skipped']} skipped, "
            f"{counts['error']} failed."
        ]
        for f in self.files:
            if f.status != "ok":
                lines += [f"  {f.status.upper():9} {m}" for m in f.messages]
        if self.tables:
            lines.append("Tables: " + ", ".join(f"{k} ({v} rows)" for k, v in self.tables.items()))
        if self.references:
            lines.append(references_line(self.references))
        for name, values in self.figures.items():
            lines.append(f"  {name}: " + ", ".join(f"{k} {v}" for k, v in values.items()))
        for w in self.warnings:
            lines.append(f"  note: {w}")
        return "\n".join(lines)


def references_line(used: dict) -> str:
    """The build report's sentence on the fitted references (inferred ancestors, related plans)."""
    action = {"reused": "reused", "fitted": "fitted now", "given": "given (--references)"}
    line = (
        f"References (inferred ancestors, related plans): fit {used['fit_id']} of "
        f"{used['fitted_at'][:10]} on {used['plans']} plan(s), "
        f"{action.get(used['action'], used['action'])}"
    )
    if used.get("reason"):
        line += f" ({used['reason']})"
    if used.get("note"):
        line += f"; note: {used['note']}"
    return line


def discover(raw_dir: Path, *, follow_links: bool = False) -> tuple[list[Path], list[FileStatus]]:
    """Every file under ``raw_dir`` that could be a document, in a stable order, and what was
    refused on the way: links that lead out of the raw folder (unless ``follow_links``), links
    that lead nowhere or round in a circle, and things that are not files (pipes, devices)."""
    skip = set(IGNORED_NAMES) | set(MANIFEST_NAMES)
    root = raw_dir.resolve()
    found, refused = [], []
    for p in sorted(raw_dir.rglob("*"), key=lambda p: p.relative_to(raw_dir).as_posix()):
        if p.name in skip or p.name.startswith("."):
            continue
        rel = printable_path(p.relative_to(raw_dir))
        if p.is_symlink():
            circle = link_circle(p, raw_dir)
            if circle is not None:
                refused.append(FileStatus(rel, "skipped", messages=[f"{rel}: {circle}"]))
                continue
            target = p.resolve()
            inside = target == root or root in target.parents
            if not p.exists():
                refused.append(
                    FileStatus(
                        rel,
                        "skipped",
                        messages=[f"{rel}: is a link to nothing (its target does not exist)"],
                    )
                )
                continue
            if (
                target.is_dir()
            ):  # never walked: a link could lead round in a circle or anywhere on the disk
                refused.append(
                    FileStatus(
                        rel,
                        "skipped",
                        messages=[
                            f"{rel}: is a link to a folder ({printable_path(target)}); "
                            "links to folders are not followed "
                            "(copy the folder into the raw folder)"
                        ],
                    )
                )
                continue
            if not inside and not follow_links:
                refused.append(
                    FileStatus(
                        rel,
                        "skipped",
                        messages=[
                            f"{rel}: is a link to a file outside the raw folder "
                            f"({printable_path(target)}); not read "
                            "(copy the file into the raw folder, or build with --follow-links)"
                        ],
                    )
                )
                continue
        if p.is_dir():
            continue
        if not p.is_file():
            refused.append(
                FileStatus(
                    rel,
                    "skipped",
                    messages=[f"{rel}: is not a regular file (a pipe, socket or device); not read"],
                )
            )
            continue
        found.append(p)
    return found, refused


def link_circle(link: Path, raw_dir: Path) -> str | None:
    """Why ``link`` cannot be read when it leads round in a circle (to itself, or through other
    links back to one it passed), naming the links on the way; None for any other link.

    Each step is read from the link's own text (never resolved, which a circle stops), e.g.
    ``is a link that leads round in a circle (a.txt → b.txt → a.txt); not read``."""
    try:
        os.stat(link)
        return None
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            return None  # a link to nothing, or to what cannot be seen: said elsewhere
    here, way = os.path.abspath(link), []
    try:
        while here not in way and len(way) < 40 and os.path.islink(here):
            way.append(here)
            here = os.path.normpath(os.path.join(os.path.dirname(here), os.readlink(here)))
    except OSError:
        pass  # a link changed under the walk: it is still one the system would not follow
    if way == [here]:
        return "is a link to itself; not read"
    if here not in way:  # the system gave up on a long chain, or on a folder link on the way
        return "is a link through too many links to be followed; not read"
    names = [_shown_under(step, raw_dir) for step in way + [here]]
    return ("is a link that leads round in a circle (" + " → ".join(names) + "); not read "
            "(put the file it should lead to in its place)")


def _shown_under(path: str, raw_dir: Path) -> str:
    """``path`` as shown: under the raw folder when it is in it, else in full."""
    top = os.path.abspath(raw_dir)
    inside = os.path.commonpath([top, path]) == top
    return printable_path(os.path.relpath(path, top) if inside else path)


def read_corpus(
    raw_dir: str | Path = RAW_DATA_DIR,
    *,
    progress: bool = False,
    jobs: int = 1,
    cache: Cache | None = None,
    limits: Limits = DEFAULT_LIMITS,
    follow_links: bool = False,
) -> tuple[list[Document], BuildReport]:
    """Read every document under ``raw_dir``; return the good ones and a report on all files.

    With ``jobs`` > 1 files are read in worker processes; with a ``cache``, a file whose bytes,
    path and manifest entry are unchanged is not read again. ``limits`` bound what one file may
    cost (see :class:`~compare.read.limits.Limits`); ``follow_links``: read files that links in
    the raw folder point to outside it (refused by default).
    """
    raw_dir = Path(raw_dir)
    report = BuildReport(raw_dir=printable_path(raw_dir.as_posix()))
    if not raw_dir.is_dir():
        raise CompareError(f"{printable_path(raw_dir)}: the raw folder does not exist")
    manifest: dict = {}
    for mpath in find_manifests(raw_dir):
        try:
            entries, warnings = load_manifest(mpath, raw_dir)
        except DocumentError as exc:
            report.warnings.append(str(exc))
            continue
        manifest.update(entries)
        report.warnings += warnings
    docs: list[Document] = []
    by_hash: dict[str, Document] = {}
    files, refused = discover(raw_dir, follow_links=follow_links)
    report.files += refused
    readable = []
    for path in files:
        rel = printable_path(path.relative_to(raw_dir))
        if path.suffix.lower() not in SUPPORTED_SUFFIXES + (".doc", ".wps") and path.suffix:
            report.files.append(
                FileStatus(
                    rel,
                    "skipped",
                    messages=[
                        f"{rel}: not a document type compare reads "
                        f"({printable(path.suffix)}); supported: " + ", ".join(SUPPORTED_SUFFIXES)
                    ],
                )
            )
            continue
        readable.append((path, rel, manifest.get(path.resolve())))
    results = _cached_batches(
        _read_batch,
        readable,
        lambda item: _read_key(item, limits),
        cache,
        "read",
        context=lambda batch: (raw_dir, limits),
        jobs=jobs,
        progress=progress,
        desc="Reading documents",
        unit="file",
        shape=lambda v: isinstance(v, Document),
        # native libraries decode PDFs and images: with more than one job, they are read in
        # worker processes however few files there are, so a crash stops one worker, not the build
        min_parallel=1 if any(p.suffix.lower() in NATIVE_SUFFIXES for p, _, _ in readable)
        else MIN_PARALLEL,
        crashed=_reader_stopped,
    )
    for (path, rel, _), doc in zip(readable, results):
        if isinstance(doc, str):
            report.files.append(FileStatus(rel, "error", messages=[doc]))
            continue
        doc.source_file = rel  # the name under the raw folder, as every message gives it
        key = doc.content_sha256
        text_key = "text:" + doc.text
        twin = by_hash.get(key) or by_hash.get(text_key)
        if twin is not None:
            report.files.append(
                FileStatus(
                    rel,
                    "duplicate",
                    messages=[
                        f"{rel}: same text as {twin.source_file}; analysed once, under that file"
                    ],
                )
            )
            continue
        by_hash[key] = by_hash[text_key] = doc
        docs.append(doc)
        report.files.append(FileStatus(rel, "ok", messages=[f"{rel}: {w}" for w in doc.warnings]))
    report.files.sort(key=lambda f: f.source_file)
    assign_doc_ids(docs)
    status = {f.source_file: f for f in report.files if f.status == "ok"}
    for doc in docs:
        status[doc.source_file].doc_id = doc.meta["doc_id"]
    return docs, report


def _read_batch(batch, raw_dir: Path, limits: Limits = DEFAULT_LIMITS) -> list:
    out = []
    for path, rel, entry in batch:
        try:
            out.append(read_document(path, raw_root=raw_dir, manifest=entry, limits=limits))
        except DocumentError as exc:
            out.append(str(exc))
        except (
            RecursionError
        ):  # a limit should have caught it first: refuse the file, keep the batch
            out.append(str(DocumentError(rel, "is nested too deeply to be read")))
    return out


def _reader_stopped(item) -> str:
    """The error of a file whose reading stopped the worker process reading it."""
    _, rel, _ = item
    return str(DocumentError(
        rel, "stopped the program reading it (it crashed, or the system stopped it for the "
        "memory it took); not read",
        hint="if it is a real plan, open and save it again, or send it as text",
    ))


def _read_key(item, limits: Limits = DEFAULT_LIMITS) -> str:
    path, rel, entry = item
    digest = file_sha256(path)
    if digest is None:
        return ""  # unreadable: never cached, read (and reported) every time
    # the entry's own file path is absolute: left out, so a moved raw folder keeps its cache
    fields = None if entry is None else {k: v for k, v in vars(entry).items() if k != "file"}
    return Cache.key("read", rel, digest, fields, limits)


def _cached_batches(
    func,
    items: list,
    key_of,
    cache: Cache | None,
    stage: str,
    *,
    context,
    jobs: int,
    progress: bool,
    desc: str,
    unit: str,
    shape=None,
    record: type | None = None,
    min_parallel: int = MIN_PARALLEL,
    crashed=None,
) -> list:
    """``func`` over ``items`` (see :func:`compare.parallel.run_batches`), reusing cached results by
    key; ``shape`` checks a cached result's kind (see :meth:`compare.cache.Cache.get`). With a
    ``record`` (a NamedTuple class), a cached result must be a tuple of its fields with
    well-formed frames (:func:`_record_of`), and every result is given back as one (the cache
    keeps plain tuples)."""
    cache = cache or Cache(None)
    if record is not None:
        shape = _record_of(record)
    keys = [key_of(item) if cache.folder else "" for item in items]
    results = cache.get_many(stage, keys, shape=shape)
    todo = [i for i, r in enumerate(results) if r is None]
    fresh = run_batches(
        func, [items[i] for i in todo], context, jobs=jobs, progress=progress, desc=desc,
        unit=unit, min_parallel=min_parallel, crashed=crashed,
    )
    for i, value in zip(todo, fresh):
        results[i] = value
        if keys[i] and not isinstance(
            value, str
        ):  # errors are not cached: the user may fix the file
            cache.put(stage, keys[i], value)
    if record is not None:
        return [value if isinstance(value, str) else record(*value) for value in results]
    return results


def base_doc_id(meta: dict) -> str:
    """Readable id before de-duplication, always opening with the issuer's place.

    A county's plan: ``dongcheng-2017``; a city's or province's document with a number:
    ``nanjing-2022-52``, ``beijing-2016-8`` (the number keeps two documents of one place and
    year apart); a national document: its number (``guofa-2015-7``) or its issuer
    (``guowuyuan-2016``). A document whose place cannot be found: ``unplaced-2025``, never a
    generic word made from a body's name (``shirenminzhengfu``).
    """
    from pypinyin import lazy_pinyin

    def pinyin(name: str) -> str:
        stem, suffix = strip_place_suffix(name)
        syllables = lazy_pinyin(
            name
        )  # the full name gives the right reading (东城区 → dong cheng qu)
        syllables = syllables[: len(syllables) - len(suffix)] if suffix else syllables
        return "".join(s for s in syllables if s.isascii() and s.isalnum()).lower() or "unplaced"

    year = None
    if meta.get("issued_date") is not None:
        year = meta["issued_date"].year
    parts = doc_number_parts(meta["doc_number"]) if meta.get("doc_number") else None
    if year is None and parts:
        year = parts[1]
    if year is None:
        year = meta.get("period_start_year")
    place = meta.get("county") or meta.get("prefecture") or meta.get("province")
    if place:
        slug = pinyin(place)
        if meta.get("level") != "county" and parts:
            return f"{slug}-{parts[1]}-{parts[2]}"
    elif meta.get("level") == "national":
        if parts:
            return f"{pinyin(parts[0])}-{parts[1]}-{parts[2]}"
        slug = pinyin(meta["issuer"]) if meta.get("issuer") else "national"
    else:
        slug = "unplaced"
    return f"{slug}-{year}" if year else slug


def assign_doc_ids(docs: list[Document]) -> None:
    """Give every document a unique id; clashes get ``-2``, ``-3`` … in file order."""
    seen: dict[str, int] = {}
    for doc in sorted(docs, key=lambda d: d.source_file):
        base = base_doc_id(doc.meta)
        seen[base] = seen.get(base, 0) + 1
        doc.meta["doc_id"] = base if seen[base] == 1 else f"{base}-{seen[base]}"


def documents_table(docs: list[Document]) -> pd.DataFrame:
    """The ``documents`` table: one row per document, plans first, then templates, by id."""
    rows = []
    for doc in docs:
        m = doc.meta
        rows.append(
            {
                "doc_id": m["doc_id"],
                "source_file": doc.source_file,
                "role": doc.role,
                "title": m["title"],
                "notice_title": m.get("notice_title"),
                "issuer": m["issuer"],
                "province": m["province"],
                "prefecture": m["prefecture"],
                "county": m["county"],
                "level": m["level"],
                "doc_number": m["doc_number"],
                "issued_date": m["issued_date"],
                "issued_date_source": m["issued_date_source"],
                # the issue window is estimated with the whole corpus (build_tables)
                "issued_earliest": m["issued_date"],
                "issued_latest": m["issued_date"],
                "issued_estimate_source": None,
                "plan_period": m["plan_period"],
                "period_start_year": m["period_start_year"],
                "period_end_year": m["period_end_year"],
                "cites": list(m["cites"]),
                "char_count": len(doc.text),
                "is_partial": m["is_partial"],
                "partial_reason": m.get("partial_reason"),
                "manifest_fields": list(m["manifest_fields"]),
                "format": doc.format,
                "text_source": doc.text_source,
                "ocr_confidence": doc.ocr_confidence,
                "encoding": doc.encoding,
                "original_script": doc.script,
                "content_sha256": doc.content_sha256,
            }
        )
    df = pd.DataFrame(rows, columns=schema.TABLES["documents"].columns)
    if df.empty:
        return schema.empty_frame("documents")
    df["_role"] = df["role"].map({"plan": 0, "template": 1})
    df = df.sort_values(["_role", "doc_id"], kind="stable").drop(columns="_role")
    return schema.validate(df, "documents")


def texts_table(docs: list[Document], order: pd.Series) -> pd.DataFrame:
    by_id = {d.meta["doc_id"]: d for d in docs}
    rows = [
        {"doc_id": i, "text": by_id[i].text, "original_text": by_id[i].original_text} for i in order
    ]
    return schema.validate(pd.DataFrame(rows, columns=schema.TABLES["texts"].columns), "texts")


class ToSegment(NamedTuple):
    """A document to segment: its id, text and the place names its jurisdiction goes by."""

    doc_id: str
    text: str
    places: tuple[str, ...]


class Segmented(NamedTuple):
    """One document segmented (as the cache keeps it): sections and measures (Arrow bytes, see
    :mod:`compare.frames`), the line → section map, and the clauses' own fields (see
    :func:`~compare.analysis.index.clause_columns`; ids and texts are the measures')."""

    sections: bytes | None
    measures: bytes | None
    section_at: list
    clauses: tuple
    #: the share of the text landed in a heading, clause, table or named discard, and the
    #: lines that landed nowhere (:class:`~compare.segment.Accounting`)
    accounted_share: float
    leftovers: tuple

    FRAMES = ("sections", "measures")  # fields held as Arrow bytes, each of its table


class ToExtract(NamedTuple):
    """A segmented document to read tasks, targets and coverage from."""

    doc_id: str
    text: str
    places: tuple[str, ...]
    plan_end: int | None
    role: str | None
    measures: bytes | None
    section_at: list


class Extracted(NamedTuple):
    """One document's tasks, agencies, targets (Arrow bytes, see :mod:`compare.frames`), notes
    for the build report, and (a plan's) coverage rows, as the cache keeps them."""

    tasks: bytes | None
    agencies: bytes | None
    targets: bytes | None
    notes: list
    coverage: bytes | None

    FRAMES = ("tasks", "agencies", "targets", "coverage")  # fields held as Arrow bytes, ditto


def _segment_batch(batch: list[ToSegment]) -> list[Segmented]:
    """Per document: its :class:`Segmented` parts."""
    from compare.analysis.index import clause_columns, clauses_of
    from compare.segment import segmentation

    out = []
    for item in batch:
        parts = segmentation(item.text, item.doc_id)
        out.append(
            Segmented(
                frames.encode(parts.sections, "sections"),
                frames.encode(parts.measures, "measures"),
                parts.section_at,
                clause_columns(clauses_of(parts.measures, item.places)),
                parts.accounting.share,
                parts.accounting.leftovers,
            )
        )
    return out


def _extract_batch(batch: list[ToExtract]) -> list[Extracted]:
    """Per document: its :class:`Extracted` parts. Coverage is matched over the whole batch at
    once (one regular expression per word group), then split by plan."""
    from compare.analysis.coverage import coverage_table
    from compare.extract.targets import extract_targets
    from compare.extract.tasks import extract_tasks

    out = []  # frames per document: (tasks, agencies, targets, notes)
    for it in batch:
        tasks, agencies, notes = extract_tasks(it.text, it.doc_id, it.places)
        targets, target_notes = extract_targets(
            it.text,
            it.doc_id,
            frames.gather([it.measures], "measures", typed=False),
            it.plan_end,
            section_at=it.section_at,
        )
        out.append(Extracted(tasks, agencies, targets, notes + target_notes, None))
    plans = [(it, o) for it, o in zip(batch, out) if it.role == "plan"]
    coverage = {}
    if plans:
        rows = coverage_table(
            frames.gather([it.measures for it, _ in plans], "measures", typed=False),
            pd.DataFrame({"doc_id": [it.doc_id for it, _ in plans], "role": "plan"}),
            _concat([o.targets for _, o in plans], "targets"),
            _concat([o.tasks for _, o in plans], "tasks"),
            _concat([o.agencies for _, o in plans], "agencies"),
        )
        coverage = {d: g for d, g in rows.groupby("doc_id", sort=False)}
    return [
        Extracted(
            frames.encode(o.tasks, "tasks"),
            frames.encode(o.agencies, "agencies"),
            frames.encode(o.targets, "targets"),
            o.notes,
            frames.encode(coverage.get(it.doc_id), "coverage"),
        )
        for it, o in zip(batch, out)
    ]


#: A document whose text is accounted for below this share is listed in the build report.
ACCOUNTED_MIN = 0.99


def with_accounted_share(documents: pd.DataFrame, accounted: dict) -> pd.DataFrame:
    """``documents`` with each document's ``accounted_share`` (from its segmentation)."""
    out = documents.copy()
    out["accounted_share"] = [accounted.get(d, (None,))[0] for d in out["doc_id"]]
    return out


def unaccounted_notes(documents: pd.DataFrame, accounted: dict, minimum: float = ACCOUNTED_MIN,
                      shown: int = 3) -> list[str]:
    """A note for every document whose text is accounted for below ``minimum``: its file, the
    share, and the first ``shown`` lines that landed in no heading, clause or table."""
    notes = []
    for doc_id, source in zip(documents["doc_id"], documents["source_file"]):
        share, leftovers = accounted.get(doc_id, (1.0, ()))
        if share is not None and share < minimum:
            cut = [t[:40] + ("…" if len(t) > 40 else "") for t in leftovers[:shown]]
            lines = "; ".join(f"「{t}」" for t in cut)
            more = f" and {len(leftovers) - shown} more line(s)" if len(leftovers) > shown else ""
            notes.append(f"{source}: only {share:.1%} of the text landed in a heading, a clause "
                         f"or a table; not read: {lines}{more}")
    return notes


class DocumentResults(NamedTuple):
    """What the per-document stages give the rest of the build."""

    #: sections, measures, tasks, agencies, targets and coverage, checked against the schema
    tables: dict[str, pd.DataFrame]
    #: each document's clauses for alignment, by doc_id
    clauses: dict[str, list]
    #: notes for the build report
    notes: list[str]
    #: a key naming each document's clauses (its segment key), by doc_id
    clause_keys: dict[str, str]
    #: a key of what each document's tasks, agencies, targets and coverage follow from
    extract_keys: dict[str, str]
    #: the share of each document's text accounted for, and the lines that landed nowhere
    accounted: dict[str, tuple[float, tuple]]
    #: each document's measures as Arrow bytes (:mod:`compare.frames`), by doc_id
    measures_of: dict[str, bytes | None]


def document_stages(
    texts: pd.DataFrame,
    documents: pd.DataFrame,
    *,
    progress: bool = False,
    jobs: int = 1,
    cache: Cache | None = None,
    clock: StageClock | None = None,
    stored: dict[str, dict[str, str]] | None = None,
) -> "DocumentResults":
    """Every per-document table, each document's alignment clauses, notes, and the clause keys
    (:class:`DocumentResults`); documents in parallel batches, unchanged ones from the cache.

    A document's clauses follow from its segment key (its id, text and place names, and the
    code), so that key names them: the alignment stage need not hash every clause again.
    ``stored``: per table, the row keys of the documents whose rows a store holds; a
    document whose key for ``sections`` and ``measures`` (its segment key) or ``tasks`` and
    ``agencies`` (its extraction key) is the stored one is left out of those tables (its rows
    stay in the store; ``targets`` and ``coverage`` are whole, as corpus-wide tables need)."""
    from compare.analysis.index import clauses_from_columns
    from compare.analysis.coverage import in_codebook_order

    cache = cache or Cache(None)
    clock = clock or StageClock()
    places = {row.doc_id: document_places(row) for row in documents.itertuples()}
    role = dict(zip(documents["doc_id"], documents["role"]))
    plan_end = {
        d: (None if pd.isna(e) else int(e))
        for d, e in zip(documents["doc_id"], documents["period_end_year"])
    }
    digest = {
        d: hashlib.sha256(t.encode("utf-8")).hexdigest()
        for d, t in zip(texts["doc_id"], texts["text"])
    }
    items = [ToSegment(d, t, places.get(d, ())) for d, t in zip(texts["doc_id"], texts["text"])]
    # named with or without a cache: the key also names the document's clauses in the per-plan
    # tables' row keys, which must not depend on whether a cache is kept
    seg_key = {
        it.doc_id: Cache.key("segment", it.doc_id, digest[it.doc_id], it.places) for it in items
    }
    with clock("segment"):
        seg = _cached_batches(
            _segment_batch,
            items,
            lambda it: seg_key[it.doc_id],
            cache,
            "segment",
            context=lambda b: (),
            jobs=jobs,
            progress=progress,
            desc="Segmenting",
            unit="doc",
            record=Segmented,
        )
    with clock("extract"):
        items = [
            ToExtract(*it, plan_end.get(it.doc_id), role.get(it.doc_id), s.measures, s.section_at)
            for it, s in zip(items, seg)
        ]
        ext_key = {
            it.doc_id: Cache.key(
                "extract", it.doc_id, digest[it.doc_id], it.places, it.plan_end, it.role
            )
            for it in items
        }
        ext = _cached_batches(
            _extract_batch,
            items,
            lambda it: ext_key[it.doc_id],
            cache,
            "extract",
            context=lambda b: (),
            jobs=jobs,
            progress=progress,
            desc="Reading tasks and targets",
            unit="doc",
            record=Extracted,
        )
        # the per-document tables put together and checked: counted with extraction, the last
        # of them
        stored = stored or {}

        def changed(name: str, keys: dict[str, str]) -> list[int]:
            old = stored.get(name, {})
            return [k for k, it in enumerate(items) if old.get(it.doc_id) != keys[it.doc_id]]

        new_seg = {name: changed(name, seg_key) for name in ("sections", "measures")}
        new_ext = {name: changed(name, ext_key) for name in ("tasks", "agencies")}
        tables = {
            **{name: frames.gather([getattr(seg[k], name) for k in at], name)
               for name, at in new_seg.items()},
            **{name: frames.gather([getattr(ext[k], name) for k in at], name)
               for name, at in new_ext.items()},
            "targets": frames.gather([e.targets for e in ext], "targets"),
            "coverage": in_codebook_order([frames.gather([e.coverage for e in ext], "coverage")]),
        }
        checks: list[str] = []
        tables = {name: checked(df, name, checks) for name, df in tables.items()}
        clauses = {
            it.doc_id: clauses_from_columns(frames.columns(s.measures, CLAUSE_SOURCE), s.clauses)
            for it, s in zip(items, seg)
        }
    accounted = {it.doc_id: (s.accounted_share, tuple(s.leftovers)) for it, s in zip(items, seg)}
    notes = [n for e in ext for n in e.notes] + checks
    measures_of = {it.doc_id: s.measures for it, s in zip(items, seg)}
    return DocumentResults(tables, clauses, notes, seg_key, ext_key, accounted, measures_of)


def checked(table: pd.DataFrame, name: str, notes: list[str]) -> pd.DataFrame:
    """``table`` checked against the schema. When it fails, each document's rows are checked
    on their own: a document whose rows fail is left out of this table with a note naming it
    and the problem, and the other documents' rows are kept (one bad document never stops
    the build)."""
    try:
        return schema.validate(table, name)
    except schema.SchemaError:
        if "doc_id" not in table.columns:
            raise
    kept = []
    for doc_id, rows in table.groupby("doc_id", sort=False):
        try:
            kept.append(schema.validate(rows, name))
        except schema.SchemaError as exc:
            notes.append(f"{doc_id}: its {name} rows were left out, as they could not be "
                         f"checked ({exc})")
    return schema.validate(_concat(kept, name), name)


#: The measures' columns a document's clauses are made from (with their own fields).
CLAUSE_SOURCE = ("measure_id", "doc_id", "text")


def _record_of(record: type):
    """A check that a cached result is a tuple of ``record``'s fields (as a stage returns it),
    whose frames (``record.FRAMES``) are well-formed Arrow bytes or None."""
    n = len(record._fields)
    at = [(record._fields.index(f), f) for f in getattr(record, "FRAMES", ())]
    return lambda value: (
        isinstance(value, tuple)
        and len(value) == n
        and all(frames.readable(value[k], table) for k, table in at)
    )


def _concat(frames: list[pd.DataFrame], table: str) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else schema.empty_frame(table)


@no_cycle_collection()
def build_tables(
    raw_dir: str | Path = RAW_DATA_DIR,
    *,
    progress: bool = False,
    jobs: int = 1,
    cache_dir: str | Path | None = None,
    limits: Limits = DEFAULT_LIMITS,
    follow_links: bool = False,
    references: FitChoice = FitChoice(),
    cache: Cache | None = None,
    incremental: bool = False,
) -> tuple[dict[str, pd.DataFrame], BuildReport]:
    """Read ``raw_dir`` and build every table. Returns ``(tables, report)``; writes nothing but
    the cache.

    ``jobs``: worker processes for per-document stages and alignment (1 = in this process).
    ``cache_dir``: an output folder whose store keeps the results of unchanged raw files
    between builds (none by default); they are kept there when this returns. ``cache``: the
    same, kept by whoever commits the tables (:func:`compare.exports.write_tables`).
    ``incremental`` (with a ``cache``, for a build committed into its store): the tables kept
    per document (``texts``, ``sections``, ``measures``, ``tasks``, ``agencies``) and per plan
    (``alignments``, ``provisions``) hold only the documents whose rows changed since the
    store's build; the others' rows stay in the store.
    ``limits``: what one raw file may cost to read (:class:`~compare.read.limits.Limits`).
    ``follow_links``: read files that links in the raw folder point to outside it.
    ``references``: where the fitted references are kept and when they are fitted again
    (:class:`~compare.analysis.references.FitChoice`; by default fitted on this corpus, kept
    nowhere).
    Wall time per stage is in ``report.timings``.
    """
    clock = StageClock()
    owned = cache is None  # results kept here, not with the tables
    cache = Cache(cache_dir) if cache is None else cache
    with clock("read"):
        docs, report = read_corpus(
            raw_dir,
            progress=progress,
            jobs=jobs,
            cache=cache,
            limits=limits,
            follow_links=follow_links,
        )
        documents = documents_table(docs)
        texts = texts_table(docs, documents["doc_id"])
    del docs
    stored = {}
    if incremental and cache.folder is not None:
        from compare import store

        stored = {name: store.row_keys(cache.folder, name) for name in PER_DOCUMENT}
        report.partial_for = str(Path(cache.folder).resolve())
    per_doc = document_stages(
        texts, documents, progress=progress, jobs=jobs, cache=cache, clock=clock, stored=stored
    )
    clauses = per_doc.clauses
    # undated plans get an issue window from their number, citations, period and deadlines
    # (the deadlines of their own measures)
    undated = documents.loc[documents["issued_date"].isna() & (documents["role"] == "plan"),
                            "doc_id"]
    windows = issue_windows(
        documents, frames.gather([per_doc.measures_of[d] for d in undated], "measures")
    )
    documents = with_accounted_share(estimate_columns(documents, windows), per_doc.accounted)
    documents = schema.validate(documents, "documents")
    keys = document_row_keys(texts, per_doc)
    if stored:  # only the texts that changed: the others stay in the store
        old = stored.get("texts", {})
        texts = texts[[old.get(d) != keys["texts"][d] for d in texts["doc_id"]]]
    tables = {"documents": documents, "texts": texts, **per_doc.tables}
    report.warnings += per_doc.notes + unaccounted_notes(documents, per_doc.accounted)
    with clock("align"):
        release_memory()
        from compare.analysis.lineage import drift_tables

        drift = drift_tables(
            tables["measures"],
            documents,
            progress=progress,
            jobs=jobs,
            clauses=clauses,
            cache=cache,
            clause_keys=per_doc.clause_keys,
            references=references,
            stored=_stored_plan_rows(cache) if incremental else None,
        )
        made, figures, report.references = drift.tables, drift.figures, drift.references
        report.row_keys = {
            **keys,
            **{name: drift.row_keys for name in made if schema.TABLES[name].partition_by},
        }
        del clauses, per_doc, drift
        release_memory()
        for name in list(made):
            frame = made.pop(name)  # the unchecked frame goes as soon as its checked copy exists
            tables[name] = schema.validate(
                frame if not frame.empty else schema.empty_frame(name), name
            )
            del frame
    with clock("align"):  # counted with the lineage it follows from
        tables["target_changes"] = schema.validate(
            target_changes_table(tables["targets"], tables["lineage"], documents), "target_changes"
        )
    report.figures.update({f"reconstruction {k}": v for k, v in figures.items()})
    report.tables = {name: len(df) for name, df in tables.items()}
    report.timings = clock.seconds
    report.cache = cache.use()
    report.warnings += cache.notes
    if owned:
        cache.save()
    return tables, report


#: Tables whose rows the store keeps per document, replaced when the document's key changed
#: (:func:`document_row_keys`), besides those kept per plan.
PER_DOCUMENT = ("texts", "sections", "measures", "tasks", "agencies", "targets")


def _stored_plan_rows(cache: Cache) -> dict[str, str]:
    """The row keys of the plans whose rows of every table kept per plan the cache's store
    holds under one key."""
    from compare import store

    if cache.folder is None:
        return {}
    names = [n for n, spec in schema.TABLES.items() if spec.partition_by]
    keys = [store.row_keys(cache.folder, n) for n in names]
    return {d: k for d, k in keys[0].items() if all(other.get(d) == k for other in keys[1:])}


def document_row_keys(texts: pd.DataFrame, per_doc: DocumentResults) -> dict[str, dict[str, str]]:
    """Per table kept per document, a key per doc_id of everything its rows follow from: the
    text (``texts``), its segmentation (``sections``, ``measures``) and its extraction
    (``tasks``, ``agencies``, ``targets``). The store replaces a document's rows only when its
    key changed (a plan's rows of the tables kept per plan have keys of their own:
    :attr:`~compare.analysis.lineage.DriftTables.row_keys`)."""
    text_keys = {
        d: Cache.key("texts", d, hashlib.sha256(t.encode("utf-8", "surrogatepass")).hexdigest(),
                     hashlib.sha256(o.encode("utf-8", "surrogatepass")).hexdigest())
        for d, t, o in zip(texts["doc_id"], texts["text"], texts["original_text"])
    }
    return {
        "texts": text_keys,
        **{name: per_doc.clause_keys for name in ("sections", "measures")},
        **{name: per_doc.extract_keys for name in ("tasks", "agencies", "targets")},
    }
