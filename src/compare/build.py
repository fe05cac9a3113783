"""Build every table from a folder of raw documents; write and load them.

Reading files and writing tables happen here (and in the CLI) only; every stage in
between is a pure function of text or DataFrames. One bad file never stops a build: it is
reported in the build report and the rest go on.
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from compare import schema
from compare.config import IGNORED_NAMES, MANIFEST_NAMES, PROCESSED_DATA_DIR, RAW_DATA_DIR, SUPPORTED_SUFFIXES
from compare.errors import CompareError, DocumentError
from compare.read import Document, read_document
from compare.read.manifest import find_manifests, load_manifest
from compare.read.metadata import doc_number_parts, jurisdiction_places, strip_place_suffix

REPORT_NAME = "build_report.json"


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
    figures: dict[str, dict] = field(default_factory=dict)  # measured quality figures (reconstruction recall …)

    @property
    def n_ok(self) -> int:
        return sum(f.status == "ok" for f in self.files)

    @property
    def problems(self) -> list[FileStatus]:
        return [f for f in self.files if f.status in {"error", "skipped"}]

    def to_json(self) -> str:
        data = asdict(self)
        data["summary"] = {s: sum(f.status == s for f in self.files) for s in ("ok", "duplicate", "skipped", "error")}
        return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"

    def summary(self) -> str:
        """A short account for people: counts, then every file that was not built and why."""
        counts = json.loads(self.to_json())["summary"]
        lines = [f"Read {len(self.files)} file(s) from {self.raw_dir}: {counts['ok']} document(s) built, "
                 f"{counts['duplicate']} duplicate(s), {counts['skipped']} skipped, {counts['error']} failed."]
        for f in self.files:
            if f.status != "ok":
                lines += [f"  {f.status.upper():9} {m}" for m in f.messages]
        if self.tables:
            lines.append("Tables: " + ", ".join(f"{k} ({v} rows)" for k, v in self.tables.items()))
        for name, values in self.figures.items():
            lines.append(f"  {name}: " + ", ".join(f"{k} {v}" for k, v in values.items()))
        for w in self.warnings:
            lines.append(f"  note: {w}")
        return "\n".join(lines)


def discover(raw_dir: Path) -> list[Path]:
    """Every file under ``raw_dir`` that could be a document, in a stable order."""
    skip = set(IGNORED_NAMES) | set(MANIFEST_NAMES)
    return sorted((p for p in raw_dir.rglob("*") if p.is_file() and p.name not in skip and not p.name.startswith(".")),
                  key=lambda p: p.relative_to(raw_dir).as_posix())


def read_corpus(raw_dir: str | Path = RAW_DATA_DIR, *, progress: bool = False) -> tuple[list[Document], BuildReport]:
    """Read every document under ``raw_dir``; return the good ones and a report on all files."""
    raw_dir = Path(raw_dir)
    report = BuildReport(raw_dir=raw_dir.as_posix())
    if not raw_dir.is_dir():
        raise CompareError(f"{raw_dir}: the raw folder does not exist")
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
    files = discover(raw_dir)
    for path in _progress(files, progress, "Reading documents"):
        rel = path.relative_to(raw_dir).as_posix()
        if path.suffix.lower() not in SUPPORTED_SUFFIXES + (".doc", ".wps") and path.suffix:
            report.files.append(FileStatus(rel, "skipped", messages=[
                f"{rel}: not a document type compare reads ({path.suffix}); supported: "
                + ", ".join(SUPPORTED_SUFFIXES)]))
            continue
        try:
            doc = read_document(path, raw_root=raw_dir, manifest=manifest.get(path.resolve()))
        except DocumentError as exc:
            report.files.append(FileStatus(rel, "error", messages=[str(exc)]))
            continue
        key = doc.content_sha256
        text_key = "text:" + doc.text
        twin = by_hash.get(key) or by_hash.get(text_key)
        if twin is not None:
            report.files.append(FileStatus(rel, "duplicate", messages=[
                f"{rel}: same text as {twin.source_file}; analysed once, under that file"]))
            continue
        by_hash[key] = by_hash[text_key] = doc
        docs.append(doc)
        report.files.append(FileStatus(rel, "ok", messages=[f"{rel}: {w}" for w in doc.warnings]))
    assign_doc_ids(docs)
    status = {f.source_file: f for f in report.files}
    for doc in docs:
        status[doc.source_file].doc_id = doc.meta["doc_id"]
    return docs, report


def _progress(items, enabled: bool, desc: str):
    if not enabled:
        return items
    from tqdm import tqdm

    return tqdm(items, desc=desc, unit="file", leave=False)


def base_doc_id(meta: dict) -> str:
    """Readable id before de-duplication: ``dongcheng-2017``, ``guofa-2015-7``, ``beijing-2016``."""
    from pypinyin import lazy_pinyin

    def pinyin(name: str) -> str:
        stem, suffix = strip_place_suffix(name)
        syllables = lazy_pinyin(name)  # the full name gives the right reading (东城区 → dong cheng qu)
        syllables = syllables[: len(syllables) - len(suffix)] if suffix else syllables
        return "".join(s for s in syllables if s.isascii() and s.isalnum()).lower() or "doc"

    year = None
    if meta.get("issued_date") is not None:
        year = meta["issued_date"].year
    parts = doc_number_parts(meta["doc_number"]) if meta.get("doc_number") else None
    if year is None and parts:
        year = parts[1]
    if year is None:
        year = meta.get("period_start_year")
    if meta.get("level") == "county" and meta.get("county"):
        slug = pinyin(meta["county"])
    elif parts:
        return f"{pinyin(parts[0])}-{parts[1]}-{parts[2]}"
    elif meta.get("prefecture") or meta.get("province"):
        slug = pinyin(meta.get("prefecture") or meta["province"])
    elif meta.get("issuer"):
        slug = pinyin(meta["issuer"])
    else:
        slug = "doc"
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
        rows.append({
            "doc_id": m["doc_id"], "source_file": doc.source_file, "role": doc.role, "title": m["title"],
            "issuer": m["issuer"], "province": m["province"], "prefecture": m["prefecture"],
            "county": m["county"], "level": m["level"], "doc_number": m["doc_number"],
            "issued_date": m["issued_date"], "issued_date_source": m["issued_date_source"],
            "plan_period": m["plan_period"], "period_start_year": m["period_start_year"],
            "period_end_year": m["period_end_year"], "cites": list(m["cites"]), "char_count": len(doc.text),
            "is_partial": m["is_partial"], "manifest_fields": list(m["manifest_fields"]), "format": doc.format,
            "encoding": doc.encoding, "original_script": doc.script, "content_sha256": doc.content_sha256,
        })
    df = pd.DataFrame(rows, columns=schema.TABLES["documents"].columns)
    if df.empty:
        return schema.empty_frame("documents")
    df["_role"] = df["role"].map({"plan": 0, "template": 1})
    df = df.sort_values(["_role", "doc_id"], kind="stable").drop(columns="_role")
    return schema.validate(df, "documents")


def texts_table(docs: list[Document], order: pd.Series) -> pd.DataFrame:
    by_id = {d.meta["doc_id"]: d for d in docs}
    rows = [{"doc_id": i, "text": by_id[i].text, "original_text": by_id[i].original_text} for i in order]
    return schema.validate(pd.DataFrame(rows, columns=schema.TABLES["texts"].columns), "texts")


def segment_tables(texts: pd.DataFrame, *, progress: bool = False,
                   section_at: dict[str, dict[int, str]] | None = None) -> dict[str, pd.DataFrame]:
    """``sections`` and ``measures`` for every document, in document order.

    When ``section_at`` is given, it is filled with each document's line → section number map
    (used by :func:`target_table`, so no document is segmented twice).
    """
    from compare.segment import segment_document_lines

    pairs = list(zip(texts["doc_id"], texts["text"]))
    parts = [segment_document_lines(text, doc_id) for doc_id, text in _progress(pairs, progress, "Segmenting")]
    if section_at is not None:
        section_at.update({doc_id: p[2] for (doc_id, _), p in zip(pairs, parts)})
    sections, clauses = [p[0] for p in parts], [p[1] for p in parts]
    return {
        "sections": schema.validate(_concat(sections, "sections"), "sections"),
        "measures": schema.validate(_concat(clauses, "measures"), "measures"),
    }


def task_tables(texts: pd.DataFrame, documents: pd.DataFrame, *,
                progress: bool = False) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """``tasks`` and ``agencies`` from every document's task table, and notes for the build report."""
    from compare.extract.tasks import extract_tasks

    places = {row.doc_id: doc_places(row) for row in documents.itertuples()}
    tasks, agencies, notes = [], [], []
    pairs = list(zip(texts["doc_id"], texts["text"]))
    for doc_id, text in _progress(pairs, progress, "Reading task tables"):
        t, a, n = extract_tasks(text, doc_id, places.get(doc_id, ()))
        tasks.append(t)
        agencies.append(a)
        notes += n
    return {
        "tasks": schema.validate(_concat(tasks, "tasks"), "tasks"),
        "agencies": schema.validate(_concat(agencies, "agencies"), "agencies"),
    }, notes


def target_table(texts: pd.DataFrame, documents: pd.DataFrame, measures: pd.DataFrame, *,
                 progress: bool = False, section_at: dict[str, dict[int, str]] | None = None
                 ) -> tuple[pd.DataFrame, list[str]]:
    """``targets`` from every document's clauses and indicator tables, and notes for the build report."""
    from compare.extract.targets import extract_targets

    plan_end = dict(zip(documents["doc_id"], documents["period_end_year"]))
    by_doc = {doc_id: g for doc_id, g in measures.groupby("doc_id", sort=False)}
    frames, notes = [], []
    for doc_id, text in _progress(list(zip(texts["doc_id"], texts["text"])), progress, "Reading targets"):
        end = plan_end.get(doc_id)
        frame, n = extract_targets(text, doc_id, by_doc.get(doc_id, measures.iloc[0:0]),
                                   None if pd.isna(end) else int(end),
                                   section_at=(section_at or {}).get(doc_id))
        frames.append(frame)
        notes += n
    return schema.validate(_concat(frames, "targets"), "targets"), notes


def doc_places(row) -> tuple[str, ...]:
    """Short names of a document's own jurisdictions (东城, 北京), longest first."""
    return jurisdiction_places(row.county, row.prefecture, row.province)


def _concat(frames: list[pd.DataFrame], table: str) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else schema.empty_frame(table)


def build_tables(raw_dir: str | Path = RAW_DATA_DIR, *, progress: bool = False) -> tuple[dict[str, pd.DataFrame], BuildReport]:
    """Read ``raw_dir`` and build every table. Returns ``(tables, report)``; writes nothing."""
    docs, report = read_corpus(raw_dir, progress=progress)
    documents = documents_table(docs)
    texts = texts_table(docs, documents["doc_id"])
    section_at: dict[str, dict[int, str]] = {}
    tables = {"documents": documents, "texts": texts,
              **segment_tables(texts, progress=progress, section_at=section_at)}
    task_frames, notes = task_tables(texts, documents, progress=progress)
    tables.update(task_frames)
    report.warnings += notes
    tables["targets"], notes = target_table(texts, documents, tables["measures"], progress=progress,
                                            section_at=section_at)
    report.warnings += notes
    from compare.analysis.coverage import coverage_table

    tables["coverage"] = schema.validate(coverage_table(tables["measures"], documents, tables["targets"],
                                                        tables["tasks"], tables["agencies"]), "coverage")
    from compare.analysis.lineage import drift_tables

    frames, figures = drift_tables(tables["measures"], documents, progress=progress)
    for name, frame in frames.items():
        tables[name] = schema.validate(frame if not frame.empty else schema.empty_frame(name), name)
    report.figures.update({f"reconstruction {k}": v for k, v in figures.items()})
    report.tables = {name: len(df) for name, df in tables.items()}
    return tables, report


def write_tables(tables: dict[str, pd.DataFrame], out_dir: str | Path = PROCESSED_DATA_DIR,
                 report: BuildReport | None = None) -> list[Path]:
    """Validate then write each table as ``<name>.parquet`` and ``<name>.csv`` (UTF-8 with BOM).

    All tables are validated before the first file is written, and each file is written to
    a temporary name and renamed, so a failed build never leaves a half-written table.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    checked = {name: schema.validate(df, name) for name, df in tables.items()}
    written = []
    for name, df in checked.items():
        written.append(_atomic(out_dir / f"{name}.parquet", lambda p, df=df: df.to_parquet(p, index=False)))
        csv_df = schema.to_csv_frame(df, name)
        written.append(_atomic(out_dir / f"{name}.csv",
                               lambda p, d=csv_df: d.to_csv(p, index=False, encoding="utf-8-sig", lineterminator="\n")))
    if report is not None:
        written.append(_atomic(out_dir / REPORT_NAME, lambda p: Path(p).write_text(report.to_json(), encoding="utf-8")))
    return written


def _atomic(target: Path, write) -> Path:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def load_tables(processed_dir: str | Path = PROCESSED_DATA_DIR, names: list[str] | None = None) -> dict[str, pd.DataFrame]:
    """The built tables as DataFrames, typed as declared in :mod:`compare.schema`.

    >>> tables = load_tables()            # doctest: +SKIP
    >>> tables["documents"][["doc_id", "doc_number"]]
    """
    processed_dir = Path(processed_dir)
    names = names or [n for n in schema.TABLES if (processed_dir / f"{n}.parquet").exists()]
    if not names:
        raise CompareError(f"{processed_dir}: no tables found; run `compare build` first")
    out = {}
    for name in names:
        path = processed_dir / f"{name}.parquet"
        if not path.exists():
            raise CompareError(f"{path}: table '{name}' has not been built; run `compare build`")
        df = pd.read_parquet(path)
        for col in schema.TABLES[name].columns:
            if schema.FIELDS[col].type == "list":
                df[col] = df[col].map(lambda v: [str(x) for x in v] if v is not None else [])
        out[name] = schema.coerce(df, name)
    return out
