"""The processed folder: tables written all-or-nothing, one build at a time, read consistently.

A build writes every table (``<name>.parquet`` and ``<name>.csv``) and ``build_report.json``
into a staging folder inside the output folder first, then moves them into place while
holding the folder's table lock, so a reader never sees half of a build. Every Parquet file
and the report carry the build's id; :func:`load_tables` refuses a folder whose tables come
from different builds (a build killed while moving its files, a disk that filled up) and
names them. A second build into the same folder is refused while the first runs
(:func:`output_lock`). Staging folders and temporary files left by a killed build are removed
by the next one.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from compare import partitions, schema
from compare.config import PROCESSED_DATA_DIR
from compare.errors import CompareError

REPORT_NAME = "build_report.json"
#: Rows a spreadsheet shows (Excel, WPS: 1,048,576 with the header); a longer CSV opens cut short.
SPREADSHEET_ROWS = 1_048_576
#: Parquet metadata key holding the id of the build that wrote the table.
BUILD_ID_KEY = b"compare.build_id"
BUILD_LOCK = ".build.lock"
TABLES_LOCK = ".tables.lock"
STAGING_PREFIX = ".staging-"


class OutputBusyError(CompareError):
    """Another build is writing to the same output folder."""


# --------------------------------------------------------------------------- locks
_held: dict[str, list] = {}  # lock path → [file object, depth]: re-entrant within this process
_held_guard = threading.Lock()


@contextmanager
def output_lock(out_dir: str | Path):
    """Hold the output folder for one build: a second build (another process) is refused at once
    with :class:`OutputBusyError`. Re-entrant within a process; released when the holder exits,
    also when it is killed (the operating system drops the lock)."""
    out_dir = Path(out_dir)
    _make_folder(out_dir)
    path = str((out_dir / BUILD_LOCK).resolve())
    with _held_guard:
        entry = _held.get(path)
        if entry:
            entry[1] += 1
    if entry:
        try:
            yield
        finally:
            with _held_guard:
                entry[1] -= 1
        return
    try:
        fh = open(path, "a+", encoding="utf-8")
    except OSError as exc:
        raise CompareError(writing_error(out_dir, exc)) from exc
    if not _flock(fh, exclusive=True, wait=False):
        fh.seek(0)
        holder = fh.read().strip()
        fh.close()
        raise OutputBusyError(
            f"{out_dir}: another build is writing to this folder"
            + (f" ({holder})" if holder else "")
            + "; wait for it to finish, or build into another folder with --out"
        )
    fh.seek(0)
    fh.truncate()
    fh.write(f"process {os.getpid()}")
    fh.flush()
    with _held_guard:
        _held[path] = [fh, 1]
    try:
        yield
    finally:
        with _held_guard:
            del _held[path]
        _unlock(fh)
        fh.close()


@contextmanager
def _tables_lock(out_dir: Path, *, exclusive: bool):
    """Readers share the table lock; a build moving its files in holds it alone (milliseconds)."""
    path = out_dir / TABLES_LOCK
    try:
        fh = open(path, "a+" if exclusive else "r", encoding="utf-8")
    except OSError:
        if exclusive:
            raise
        yield  # a folder written before locks existed, or one this user cannot write: read as it is
        return
    try:
        _flock(fh, exclusive=exclusive, wait=True)
        yield
    finally:
        _unlock(fh)
        fh.close()


def _flock(fh, *, exclusive: bool, wait: bool) -> bool:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no advisory locks; builds are not guarded
        return True
    flags = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | (0 if wait else fcntl.LOCK_NB)
    try:
        fcntl.flock(fh.fileno(), flags)
    except BlockingIOError:
        return False
    return True


def _unlock(fh) -> None:
    try:
        import fcntl

        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    except (ImportError, OSError, ValueError):  # pragma: no cover
        pass


# --------------------------------------------------------------------------- errors people read
def writing_error(folder: Path, exc: OSError) -> str:
    """Why ``folder`` cannot be written, in a sentence (no stack trace)."""
    reasons = {
        errno.EACCES: "permission denied: choose a folder you can write to (--out)",
        errno.EPERM: "permission denied: choose a folder you can write to (--out)",
        errno.EROFS: "the folder is on a read-only disk: choose another folder (--out)",
        errno.ENOSPC: "the disk is full: free some space and run the command again",
        errno.EDQUOT: "the disk quota is used up: free some space and run the command again",
    }
    reason = reasons.get(exc.errno, exc.strerror or type(exc).__name__)
    return f"{folder}: cannot write here ({reason}); nothing that was there before was changed"


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CompareError(writing_error(folder, exc)) from exc


def tidy(out_dir: str | Path) -> int:
    """Remove staging folders and temporary files that a killed build left in ``out_dir``
    (only while holding :func:`output_lock`). Returns how many were removed."""
    out_dir = Path(out_dir)
    removed = 0
    if not out_dir.is_dir():
        return 0
    for path in out_dir.iterdir():
        if path.name.startswith(STAGING_PREFIX) and path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
        elif path.name.startswith(".") and path.name.endswith(".tmp") and path.is_file():
            path.unlink(missing_ok=True)
            removed += 1
    return removed


# --------------------------------------------------------------------------- writing
def build_id(tables: dict[str, pd.DataFrame], report=None) -> str:
    """An id of the build that made ``tables``: a hash of the code, the raw files' contents and
    what became of each, and the tables' sizes. Same inputs, same id (tables stay byte-identical
    from build to build); another build's tables carry another id."""
    from compare.parallel import code_version

    h = hashlib.sha256(code_version().encode())
    for name in sorted(tables):
        h.update(f"\0{name}:{len(tables[name])}".encode())
    docs = tables.get("documents")
    if docs is not None and "content_sha256" in docs:
        h.update(
            "\0".join(
                docs["doc_id"].astype(str) + "=" + docs["content_sha256"].astype(str)
            ).encode()
        )
    if report is not None:
        h.update(
            json.dumps(
                [(f.source_file, f.status, f.doc_id) for f in report.files], ensure_ascii=False
            ).encode()
        )
        # the fitted references are an input too: another fit, another build
        h.update(str(getattr(report, "references", {}).get("fit_id", "")).encode())
    return h.hexdigest()[:20]


def write_tables(
    tables: dict[str, pd.DataFrame],
    out_dir: str | Path = PROCESSED_DATA_DIR,
    report=None,
    *,
    validated: bool = False,
) -> list[Path]:
    """Validate, then write each table as ``<name>.parquet`` and ``<name>.csv`` (UTF-8 with BOM;
    text cells quoted; text that begins like a formula neutralised), and ``report`` as
    ``build_report.json``. Returns the paths written.

    All or nothing: every table is validated, then every file written into a staging folder,
    then all are moved into place at once; a failure at any step leaves the folder as it was
    (and no temporary file behind). Raises :class:`~compare.errors.CompareError` with a plain
    reason when the folder cannot be written (read-only, disk full) or another build holds it.
    """
    from compare.parallel import no_cycle_collection, release_memory

    out_dir = Path(out_dir)
    # tables straight from build_tables are validated already; anything else is checked here
    checked = (
        tables if validated else {name: schema.validate(df, name) for name, df in tables.items()}
    )
    if report is not None:
        report.warnings += [
            f"{name}.csv has {rows:,} rows: a spreadsheet (Excel, WPS) opens only the first "
            f"{SPREADSHEET_ROWS - 1:,}; read {name}.parquet (pandas, R arrow), or filter the "
            f"table, for the whole of it"
            for name, rows in _longest_csv(checked).items()
            if rows >= SPREADSHEET_ROWS
        ]
    stamp = build_id(checked, report)
    release_memory()  # what building and validating freed, before the files' Arrow copies
    with output_lock(out_dir), no_cycle_collection():
        tidy(out_dir)
        staging = out_dir / f"{STAGING_PREFIX}{os.getpid()}"
        try:
            try:
                staging.mkdir()
                row_keys = getattr(report, "row_keys", None) or {}
                names, staged = _write_staged(checked, staging, stamp, out_dir, row_keys)
                if report is not None:
                    data = json.loads(report.to_json())
                    data["build_id"] = stamp
                    (staging / REPORT_NAME).write_text(
                        json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                        encoding="utf-8",
                    )
                    names.append(REPORT_NAME)
                with _tables_lock(out_dir, exclusive=True):
                    _swap_in(names, staging, out_dir)
                    for part in staged:  # plans no longer built; a table once stored whole
                        partitions.remove_stale(out_dir, part)
                        for old in (f"{part.name}.parquet", f"{part.name}.csv"):
                            (out_dir / old).unlink(missing_ok=True)
            except OSError as exc:
                raise CompareError(writing_error(out_dir, exc)) from exc
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return [out_dir / name for name in names]


def _longest_csv(tables: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Rows of each table's longest CSV file (a partitioned table has one per plan)."""
    out = {}
    for name, df in tables.items():
        key = schema.TABLES[name].partition_by
        out[name] = int(df[key].value_counts().max()) if key and len(df) else len(df)
    return out


def _swap_in(names: list[str], staging: Path, out_dir: Path) -> None:
    """Move the staged files into ``out_dir``; if a move fails, put every earlier file back.
    (A build killed here leaves a mix, which :func:`load_tables` recognises and refuses.)"""
    backup = staging / ".previous"
    backup.mkdir()
    done: list[tuple[str, bool]] = []  # (name, whether an older file was kept aside)
    try:
        for name in names:
            (out_dir / name).parent.mkdir(parents=True, exist_ok=True)  # a partition's folder
            (backup / name).parent.mkdir(parents=True, exist_ok=True)
            had = (out_dir / name).exists()
            if (
                had
            ):  # a second name for the old file: the folder never lacks a table, even for a moment
                try:
                    os.link(out_dir / name, backup / name)
                except OSError:
                    shutil.copy2(out_dir / name, backup / name)
            done.append((name, had))
            os.replace(staging / name, out_dir / name)
    except OSError:
        for name, had in reversed(done):
            if had:
                os.replace(backup / name, out_dir / name)
            else:
                (out_dir / name).unlink(missing_ok=True)
        raise


def _write_staged(
    checked: dict[str, pd.DataFrame],
    staging: Path,
    stamp: str,
    out_dir: Path,
    row_keys: dict[str, dict[str, str]] | None = None,
) -> tuple[list[str], list[partitions.Staged]]:
    """Write every table into ``staging``; the files to move into place (partitions first, so
    a folder left half-moved is recognised) and what each partitioned table staged.
    ``row_keys``: per partitioned table, a key per plan of what its rows follow from (see
    :func:`compare.partitions.stage`)."""
    import pyarrow as pa
    from pyarrow import parquet

    names, staged = [], []
    # a table's parquet and CSV files are written at once, in two threads (Arrow's writers do
    # not hold the interpreter lock); one table at a time, so memory holds one Arrow copy
    with ThreadPoolExecutor(max_workers=2) as pool:
        for name, df in checked.items():
            if schema.TABLES[name].partition_by:
                keys = (row_keys or {}).get(name)
                staged.append(
                    partitions.stage(df, name, staging, out_dir, stamp, _write_csv, pool, keys)
                )
                names = staged[-1].files + names
                continue
            table = pa.Table.from_pandas(df, preserve_index=False)  # once for both files
            table = partitions.plain_text(table).replace_schema_metadata(
                {**(table.schema.metadata or {}), BUILD_ID_KEY: stamp.encode()}
            )
            files = [
                pool.submit(parquet.write_table, table, str(staging / f"{name}.parquet")),
                pool.submit(_write_csv, table, name, staging / f"{name}.csv"),
            ]
            for f in files:
                f.result()
            names += [f"{name}.parquet", f"{name}.csv"]
            del table, files
    return names, staged


def _write_csv(table, name: str, path) -> None:
    """One table (an Arrow table) as CSV for spreadsheets: UTF-8 with a byte-order mark (Excel then
    reads Chinese correctly), a header row, text cells in double quotes, list cells joined with
    、, dates as YYYY-MM-DD, empty cells for missing values, and text that a spreadsheet would run
    as a formula neutralised (:func:`csv_safe`). Arrow's CSV writer: a national corpus has
    millions of alignment rows."""
    import pyarrow as pa
    from pyarrow import compute, csv

    table = table.replace_schema_metadata(None)
    for k, col in enumerate(table.column_names):
        kind, column = schema.FIELDS[col].type, table[col]
        if pa.types.is_null(column.type):  # every cell missing (or no rows): stays empty
            continue
        if kind == "list":  # (a column of only empty lists has no item type: strings, then)
            column = compute.binary_join(column.cast(pa.list_(pa.string())), schema.LIST_SEPARATOR)
        elif kind == "date":
            column = compute.strftime(column, format="%Y-%m-%d")
        if kind in ("list", "string"):
            column = csv_safe(column)
        table = table.set_column(k, col, column)
    with pa.OSFile(str(path), "wb") as sink:
        sink.write("\ufeff".encode("utf-8"))
        csv.write_csv(table, sink)


def csv_safe(column):
    """A text column (Arrow) with every cell that begins like a formula prefixed with ``'``, as
    OWASP recommends (:data:`compare.schema.FORMULA_START`): ``=HYPERLINK(…)`` is shown as text,
    never run. Parquet keeps the exact text."""
    import pyarrow as pa
    from pyarrow import compute

    starts = compute.match_substring_regex(column, schema.FORMULA_START)
    if not compute.any(starts).as_py():
        return column  # nearly every column: no copy (a national corpus's texts are gigabytes)
    quote, empty = pa.scalar("'", type=column.type), pa.scalar("", type=column.type)
    return compute.if_else(starts, compute.binary_join_element_wise(quote, column, empty), column)


# --------------------------------------------------------------------------- reading
def load_tables(
    processed_dir: str | Path = PROCESSED_DATA_DIR, names: list[str] | None = None
) -> dict[str, pd.DataFrame]:
    """The built tables as DataFrames, typed as declared in :mod:`compare.schema`.

    Refuses (:class:`~compare.errors.CompareError`) a folder whose tables come from different
    builds, naming them; while a build is moving its files into place, waits for it.

    >>> tables = load_tables()            # doctest: +SKIP
    >>> tables["documents"][["doc_id", "doc_number"]]
    """
    from compare.parallel import no_cycle_collection

    processed_dir = Path(processed_dir)
    with _tables_lock(processed_dir, exclusive=False), no_cycle_collection():
        present = [n for n in schema.TABLES if stored(processed_dir, n)]
        names = names or present
        if not names:
            raise CompareError(f"{processed_dir}: no tables found; run `compare build` first")
        for name in names:
            if name not in present:
                raise CompareError(
                    f"{processed_dir / (name + '.parquet')}: table '{name}' has not been built; "
                    "run `compare build`"
                )
        check_one_build(processed_dir, present)
        return {name: _read_table(processed_dir, name) for name in names}


def stored(processed_dir: Path, name: str) -> bool:
    """Whether table ``name`` is in ``processed_dir`` (whole, or as a partitioned dataset)."""
    if schema.TABLES[name].partition_by:
        return (processed_dir / name / partitions.MANIFEST).is_file()
    return (processed_dir / f"{name}.parquet").exists()


def check_one_build(processed_dir: Path, present: list[str]) -> str | None:
    """The id of the build that wrote every table in ``processed_dir`` (None for tables written
    before builds were stamped); :class:`~compare.errors.CompareError` when they differ."""
    from pyarrow import parquet

    ids: dict[str | None, list[str]] = {}
    for name in present:
        if schema.TABLES[name].partition_by:
            ids.setdefault(partitions.stamp(processed_dir, name), []).append(name)
            continue
        try:
            meta = parquet.read_schema(processed_dir / f"{name}.parquet").metadata or {}
        except Exception as exc:  # a file cut short by a full disk or a killed copy
            raise CompareError(
                f"{processed_dir / (name + '.parquet')}: the table file is damaged "
                f"({type(exc).__name__}); run `compare build` again"
            ) from exc
        stamp = meta.get(BUILD_ID_KEY)
        ids.setdefault(stamp.decode() if stamp else None, []).append(name)
    report = processed_dir / REPORT_NAME
    if report.exists() and ids and next(iter(ids)) is not None:
        try:
            data = json.loads(report.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {"build_id": "damaged"}
        stamp = data.get("build_id")
        if stamp not in ids:
            ids.setdefault(stamp, []).append(REPORT_NAME.removesuffix(".json"))
        missing = [t for t in data.get("tables", {}) if t in schema.TABLES and t not in present]
        if missing:
            raise CompareError(
                f"{processed_dir}: the last build wrote {', '.join(missing)}, which "
                f"{'is' if len(missing) == 1 else 'are'} missing; run `compare build` again"
            )
    if len(ids) > 1:
        groups = sorted(ids.values(), key=len, reverse=True)
        parts = [", ".join(groups[0]) + " from one build"] + [
            ", ".join(g) + " from another" for g in groups[1:]
        ]
        raise CompareError(
            f"{processed_dir}: the tables come from {len(ids)} different builds ("
            + "; ".join(parts)
            + "), as when a build was interrupted while writing; run `compare build` again"
        )
    return next(iter(ids), None)


def _read_table(processed_dir: Path, name: str) -> pd.DataFrame:
    """One stored table (whole, or gathered from its partitions) as a typed DataFrame."""
    from pyarrow import parquet

    from compare.frames import frame

    if schema.TABLES[name].partition_by:
        arrow = partitions.read(processed_dir, name)
        if arrow is None:
            return schema.empty_frame(name)
    else:
        arrow = parquet.read_table(processed_dir / f"{name}.parquet")
    return schema.coerce(frame(arrow), name)
