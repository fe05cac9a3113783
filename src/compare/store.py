"""The build's single store: every table, and what the next build needs to redo only what
changed, in one DuckDB database (``<out>/compare.duckdb``), written by one commit per build.

What the database holds (all data, never code):

* every table of :data:`compare.schema.TABLES`, declared from the schema (types, comments).
  A table kept per document (``row_keys`` of a build) has each document's rows replaced only
  when the key of what they follow from changed; a small corpus-wide table is replaced when
  its content changed. A hidden ``_seq`` column keeps the rows' order;
* ``results``: each stage's results for each document, by a key of their inputs and the code
  (:class:`compare.cache.Cache`; MessagePack data, decoded by an allow-list);
* ``row_keys``, ``table_keys``: what each stored document's rows and each table follow from;
* ``exported``: which export file holds which rows, so only changed ones are written again;
* ``build``: the build report and the key of everything the tables depend on.

A build computes without the database open for writing and holds it only to commit (one
transaction: a build killed at any point leaves the last committed build whole); the files
researchers read are exported from it after (:mod:`compare.exports`). A second build into
the same folder is refused while one runs (:func:`output_lock`); readers (:func:`load_tables`,
:func:`sql`) read the last committed build, waiting the moment a build commits.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from compare import schema
from compare.config import PROCESSED_DATA_DIR
from compare.errors import CompareError, printable_path

STORE_NAME = "compare.duckdb"
#: What the store's ``store_info`` table says of it: a database without it is not ours.
FORMAT = "compare-store 1"
#: Rows a spreadsheet shows (Excel, WPS: 1,048,576 with the header); a longer CSV opens cut short.
SPREADSHEET_ROWS = 1_048_576
BUILD_LOCK = ".build.lock"
#: How long a reader waits for a build's commit, and a build for readers, before saying so.
WAIT_SECONDS = 600.0
#: What the database may use: its memory beside the build's own (more is spilled to a
#: temporary folder beside the store).
DUCKDB_SETTINGS = {"memory_limit": "1GB", "preserve_insertion_order": False}
#: What the database may hold in memory while a build commits, in MiB, beside the build's
#: frames (the rest waits in the database file), and beside the texts it commits: a table of a
#: few thousand rows is held whole until the commit, and the texts' rows are long.
COMMIT_MEMORY = 384
#: The share of a table's stored rows that may be deleted ones before a commit compacts it
#: (a compaction rewrites the table; without it, replacing a few plans' rows costs those rows).
DELETED_SHARE = 0.25
#: Rows put into the database at once (their Arrow copy is made a slice at a time).
ROWS_AT_ONCE = 250_000
#: The files and folders of older builds' own bookkeeping, removed by the next build.
OLD_BOOKKEEPING = (".cache", ".tables.lock")

_SQL_TYPES = {
    "string": "VARCHAR",
    "int": "BIGINT",
    "float": "DOUBLE",
    "bool": "BOOLEAN",
    "date": "DATE",
    "list": "VARCHAR[]",
}
#: The store's own tables (besides the schema's).
_BOOKKEEPING = (
    "CREATE TABLE IF NOT EXISTS store_info (name VARCHAR PRIMARY KEY, value VARCHAR)",
    "CREATE TABLE IF NOT EXISTS build (name VARCHAR PRIMARY KEY, value VARCHAR)",
    "CREATE TABLE IF NOT EXISTS results (stage VARCHAR, key VARCHAR, value BLOB)",
    "CREATE TABLE IF NOT EXISTS row_keys (tbl VARCHAR, doc_id VARCHAR, key VARCHAR, n BIGINT)",
    "CREATE TABLE IF NOT EXISTS table_keys (tbl VARCHAR PRIMARY KEY, key VARCHAR, "
    "per_doc BOOLEAN)",
    "CREATE TABLE IF NOT EXISTS exported (file VARCHAR PRIMARY KEY, key VARCHAR, "
    "stamp VARCHAR)",
)


class OutputBusyError(CompareError):
    """Another build is writing to the same output folder."""


class StoreError(CompareError):
    """The store cannot be used: damaged, another program's, or from an older build."""


# --------------------------------------------------------------------------- the build lock
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
    if not _flock(fh):
        fh.seek(0)
        holder = fh.read().strip()
        fh.close()
        raise OutputBusyError(
            f"{printable_path(out_dir)}: another build is writing to this folder"
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
        fh.close()  # closing drops the lock


def _flock(fh) -> bool:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no advisory locks; builds are not guarded
        return True
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


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
    return (f"{printable_path(folder)}: cannot write here ({reason}); nothing that was there "
            "before was changed")


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CompareError(writing_error(folder, exc)) from exc


def _refused(path: Path, why: str) -> StoreError:
    return StoreError(
        f"{printable_path(path)}: {why}; build the tables again with `compare build --rebuild` "
        "(the raw files are not touched)"
    )


# --------------------------------------------------------------------------- connections
@contextmanager
def connect(folder: str | Path, *, write: bool = False):
    """A connection to the store in ``folder``: read-only (the last committed build; SQL cannot
    reach other files), or for writing (made when absent). Waits while another process holds
    it the other way (a build committing, readers reading), up to :data:`WAIT_SECONDS`.
    :class:`StoreError` for a file that is not a compare store, or is damaged."""
    import duckdb

    path = Path(folder) / STORE_NAME
    if not write and not path.is_file():
        raise CompareError(
            f"{printable_path(folder)}: no tables found; run `compare build` first"
            + (" (the tables there are from an older version of compare)"
               if (Path(folder) / "documents.parquet").exists() else "")
        )
    config = {**DUCKDB_SETTINGS, **({"memory_limit": f"{COMMIT_MEMORY}MiB", "max_vacuum_tasks": 0}
                                    if write else {"enable_external_access": False})}
    waited = 0.0
    while True:
        try:
            con = duckdb.connect(str(path), read_only=not write, config=config)
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or waited >= WAIT_SECONDS:
                raise _refused(path, _why_unreadable(exc)) from exc
        except duckdb.Error as exc:
            raise _refused(path, _why_unreadable(exc)) from exc
        time.sleep(0.1)
        waited += 0.1
    try:
        _quiet(con)
        _check(con, path, write)
        yield con
    finally:
        con.close()


def _quiet(con) -> None:
    """No progress bar of the database's own in a terminal's output. (In a Jupyter kernel the
    setting cannot be changed without ipywidgets, nor is a bar printed there without it.)"""
    import duckdb

    try:
        con.execute("SET enable_progress_bar = false")
    except duckdb.Error:
        pass


def _why_unreadable(exc) -> str:
    text = str(exc).lower()
    if "lock" in text:
        return ("is held by another program for longer than "
                f"{WAIT_SECONDS:.0f} s (a build, or a notebook reading it); try again later")
    return "is damaged or is not a compare store"


def _check(con, path: Path, write: bool) -> None:
    """Refuse a database that is not a compare store; make a new one's bookkeeping."""
    import duckdb

    try:
        names = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        if not names and write:
            for statement in _BOOKKEEPING:
                con.execute(statement)
            con.execute("INSERT INTO store_info VALUES ('format', ?)", [FORMAT])
            return
        info = dict(con.execute("SELECT name, value FROM store_info").fetchall()) \
            if "store_info" in names else {}
    except duckdb.Error as exc:
        raise _refused(path, "is damaged or is not a compare store") from exc
    if info.get("format") != FORMAT:
        raise _refused(path, "is not a compare store (another program's database, or an "
                             "older format)")


def remove(folder: str | Path) -> None:
    """Delete the store in ``folder`` (``compare build --rebuild``); exports stay until the
    build replaces them."""
    for name in (STORE_NAME, STORE_NAME + ".wal"):
        (Path(folder) / name).unlink(missing_ok=True)


def check(folder: str | Path) -> None:
    """Raise :class:`StoreError` when ``folder`` holds a store that cannot be used."""
    if (Path(folder) / STORE_NAME).exists():
        with connect(folder):
            pass


# --------------------------------------------------------------------------- results (cache)
def results(folder: Path, stage: str, keys: list[str]) -> dict[str, bytes]:
    """The stored results of ``stage`` under ``keys`` (those present)."""
    if not keys or not (Path(folder) / STORE_NAME).is_file():
        return {}
    with connect(folder) as con:
        return _fetch(con, stage, keys)


def _fetch(con, stage: str, keys: list[str]) -> dict[str, bytes]:
    # through Arrow: a tenth of the time of fetching each value as a Python object
    rows = con.execute(
        "SELECT key, value FROM results WHERE stage = ? AND key IN (SELECT unnest(?))",
        [stage, sorted(set(keys))],
    ).to_arrow_table()
    return dict(zip(rows.column("key").to_pylist(), rows.column("value").to_pylist()))


def row_keys(folder: Path, name: str) -> dict[str, str]:
    """The stored row keys of table ``name``: doc_id → key of what its rows follow from ({}
    without a store)."""
    if not (Path(folder) / STORE_NAME).is_file():
        return {}
    with connect(folder) as con:
        return dict(con.execute("SELECT doc_id, key FROM row_keys WHERE tbl = ?",
                                [name]).fetchall())


def spill(folder: Path, pending: dict) -> None:
    """Set results made by a build aside in its scratch folder ``folder``, one Arrow file per
    call, until the build commits them (:func:`_keep_results`). Plain files: the database
    would write them twice (its log, then its file) for results it holds only until the
    commit."""
    import pyarrow as pa

    folder.mkdir(exist_ok=True)
    path = folder / f"{len(list(folder.glob('*.arrow'))):06d}.arrow"
    table = _results_table(pending)
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)


def _results_table(pending: dict):
    import pyarrow as pa

    stages, keys, values = zip(*[(s, k, v) for (s, k), v in sorted(pending.items())])
    return pa.table({"stage": pa.array(stages, pa.string()), "key": pa.array(keys, pa.string()),
                     "value": pa.array(values, pa.binary())})


def _set_aside(folder: Path | None):
    """The results a build set aside in ``folder``: one Arrow table per file, a file at a
    time."""
    import pyarrow as pa

    if folder is None or not folder.is_dir():
        return
    for path in sorted(folder.glob("*.arrow")):
        with pa.OSFile(str(path)) as source:  # read, not mapped: a file's pages then leave
            yield pa.ipc.open_file(source).read_all()  # memory with its table


def spilled(folder: Path, stage: str, keys: list[str]) -> dict[str, bytes]:
    """Results of ``stage`` under ``keys`` a build set aside in ``folder`` (those present)."""
    from pyarrow import compute

    wanted, out = set(keys), {}
    for table in _set_aside(folder):
        rows = table.filter(compute.equal(table["stage"], stage))
        for key, value in zip(rows["key"].to_pylist(), rows["value"].to_pylist()):
            if key in wanted:
                out[key] = value
    return out


def _keep_results(con, cache) -> None:
    """Store the results ``cache`` (:class:`~compare.cache.Cache`) made, from memory and from
    its scratch folder; drop those no key of this build names."""
    import pyarrow as pa

    tables = _set_aside(cache.spill_folder)
    if cache.pending:
        tables = [*tables, _results_table(cache.pending)]
    for table in tables:
        con.register("new_results", table)
        con.execute("DELETE FROM results WHERE (stage, key) IN "
                    "(SELECT (stage, key) FROM new_results)")
        con.execute("INSERT INTO results SELECT stage, key, value FROM new_results")
        con.unregister("new_results")
    kept = sorted(cache.used | cache.made)
    names = pa.table({"stage": [s for s, _ in kept], "key": [k for _, k in kept]})
    con.register("kept_results", names)
    con.execute("DELETE FROM results WHERE (stage, key) NOT IN "
                "(SELECT (stage, key) FROM kept_results)")
    con.unregister("kept_results")


def save_results(folder: Path, cache) -> None:
    """Commit the results ``cache`` made alone (a build that writes no tables:
    :func:`compare.build.build_tables` called with a ``cache_dir``)."""
    _make_folder(Path(folder))
    with connect(folder, write=True) as con:
        con.execute("BEGIN")
        _keep_results(con, cache)
        con.execute("COMMIT")


# --------------------------------------------------------------------------- committing a build
def table_ddl(name: str) -> list[str]:
    """``CREATE TABLE`` and ``COMMENT ON`` statements of table ``name``, from the schema."""
    spec = schema.TABLES[name]
    cols = ", ".join(f'"{c}" {_SQL_TYPES[schema.FIELDS[c].type]}' for c in spec.columns)
    out = [f'CREATE TABLE "{name}" ({cols}, _seq BIGINT)',
           f"COMMENT ON TABLE \"{name}\" IS {_literal(spec.description)}"]
    out += [f'COMMENT ON COLUMN "{name}"."{c}" IS {_literal(schema.FIELDS[c].description)}'
            for c in spec.columns]
    return out


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def arrow_schema(columns, *, metadata=None):
    """The Arrow types the tables' files hold, from the schema: text as large strings (pandas'
    Arrow-backed text), dates as timestamps in seconds, lists as lists of text."""
    import pyarrow as pa

    kinds = {"string": pa.large_string(), "int": pa.int64(), "float": pa.float64(),
             "bool": pa.bool_(), "date": pa.timestamp("s"), "list": pa.list_(pa.string())}
    return pa.schema([(c, kinds[schema.FIELDS[c].type]) for c in columns], metadata=metadata)


def _arrow(df: pd.DataFrame):
    """A checked frame as Arrow of the declared types (a Categorical's dictionary decoded; a
    column with no value still typed)."""
    import pyarrow as pa

    table = pa.Table.from_pandas(df, preserve_index=False)
    return table.cast(arrow_schema(table.column_names))


def _digest(*parts) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else str(part).encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()


def _frame_key(df: pd.DataFrame) -> str:
    """A key of a small table's content (its Arrow IPC bytes)."""
    import pyarrow as pa

    sink = pa.BufferOutputStream()
    table = _arrow(df)
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return _digest(sink.getvalue().to_pybytes())


def commit_build(
    out_dir: str | Path,
    tables: dict[str, pd.DataFrame],
    report=None,
    *,
    row_keys: dict[str, dict[str, str]] | None = None,
    cache=None,
    release: bool = False,
) -> None:
    """Put a build into the store in one transaction (the files researchers read are then
    exported from it: :func:`compare.exports.export`).

    ``tables``: checked frames. ``row_keys``: per table kept per document, a key per doc_id of
    what its rows follow from; a document whose key is stored keeps its stored rows (its
    rows in ``tables`` are not written again). ``report``: the build report (its key of the
    inputs decides when the next build has nothing to do). ``cache``: the build's
    :class:`~compare.cache.Cache`, whose new results go into the same transaction.
    ``release``: take each frame out of ``tables`` once it is in the transaction (a national
    corpus's frames then leave memory as the database takes them)."""
    import duckdb

    from compare.parallel import code_version, release_memory

    out_dir = Path(out_dir)
    partial = getattr(report, "partial_for", None)
    if partial and partial != str(out_dir.resolve()):
        raise ValueError(f"these tables hold only what changed since the build in {partial}: "
                         "they can be committed there only")
    row_keys = row_keys or {}
    if report is not None:
        report.warnings += [
            f"{name}.csv has {rows:,} rows: a spreadsheet (Excel, WPS) opens only the first "
            f"{SPREADSHEET_ROWS - 1:,}; read {name}.parquet (pandas, R arrow), or filter the "
            f"table, for the whole of it"
            for name, rows in _longest_csv(tables).items()
            if rows >= SPREADSHEET_ROWS
        ]
    version = code_version()
    with output_lock(out_dir):
        _tidy(out_dir)
        try:
            with connect(out_dir, write=True) as con:
                if _worn(con):
                    con.execute("RESET max_vacuum_tasks")  # this commit compacts
                con.execute("BEGIN")
                names = list(tables)
                # the texts last: their few, long rows are held whole until the commit, so the
                # database is given room for them once the other frames have left memory
                for name in sorted(names, key=lambda n: n == "texts"):
                    if name == "texts":
                        size = int(tables[name].memory_usage(deep=True).sum()) >> 20
                        con.execute(f"SET memory_limit = '{COMMIT_MEMORY + 3 * size}MiB'")
                    keys = row_keys.get(name)
                    if keys is None and schema.TABLES[name].partition_by:
                        keys = {}  # exported per plan: kept per plan, keyed by content
                    _put_table(con, name, tables[name], keys, version)
                    if release:
                        del tables[name]
                        release_memory()
                present = {r[0] for r in con.execute("SELECT tbl FROM table_keys").fetchall()}
                for gone in sorted(present - set(names)):
                    _drop_table(con, gone)
                if cache is not None and cache.folder is not None:
                    _keep_results(con, cache)
                if report is not None:  # rows as stored (a build may give changed plans only)
                    report.tables = {name: con.execute(f'SELECT count(*) FROM "{name}"')
                                     .fetchone()[0] for name in names}
                    data = json.loads(report.to_json())
                    data["build_id"] = _build_id(con)
                    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
                    con.execute("INSERT OR REPLACE INTO build VALUES ('report', ?)", [text])
                    con.execute("INSERT OR REPLACE INTO build VALUES ('inputs', ?)",
                                [report.inputs or ""])
                con.execute("COMMIT")
                con.execute("CHECKPOINT")
            if cache is not None:
                cache.discard()
        except OSError as exc:
            raise CompareError(writing_error(out_dir, exc)) from exc
        except duckdb.Error as exc:  # the database's own account of a full disk, and the like
            raise CompareError(
                f"{printable_path(out_dir)}: the build could not be stored "
                f"({str(exc).splitlines()[0][:200]}); the last build's tables are kept"
            ) from exc


def _worn(con) -> bool:
    """Whether more than :data:`DELETED_SHARE` of some table's stored rows are deleted rows
    (a table's stored size counts them until the database compacts it)."""
    for name, stored in con.execute("SELECT table_name, estimated_size FROM duckdb_tables() "
                                    "WHERE schema_name = 'main'").fetchall():
        rows = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
        if stored > rows * (1 + DELETED_SHARE):
            return True
    return False


def _put_table(con, name: str, df: pd.DataFrame, keys: dict[str, str] | None, version) -> None:
    """Replace the stored rows of table ``name`` that differ from ``df``'s (see
    :func:`commit_build`)."""
    exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?",
                         [name]).fetchone()[0]
    if not exists:
        for statement in table_ddl(name):
            con.execute(statement)
    cols = ", ".join(f'CAST("{c}" AS {_SQL_TYPES[schema.FIELDS[c].type]})'
                     for c in schema.columns(name))
    if keys is None:  # a table replaced whole, when its content changed
        key = _digest(version, _frame_key(df))
        if con.execute("SELECT key FROM table_keys WHERE tbl = ?", [name]).fetchone() == (key,):
            return
        con.execute(f'DELETE FROM "{name}"')
        con.execute("DELETE FROM row_keys WHERE tbl = ?", [name])
        _insert(con, name, df, cols, per_doc=False)
    else:
        unkeyed = sorted(set(df["doc_id"].unique()) - set(keys))
        if unkeyed:  # rows no key names: keyed by their content
            keys = {**keys, **{d: _frame_key(df[df["doc_id"] == d]) for d in unkeyed}}
        stored = dict(con.execute("SELECT doc_id, key FROM row_keys WHERE tbl = ?",
                                  [name]).fetchall())
        changed = sorted(d for d, k in keys.items() if stored.get(d) != k)
        gone = sorted(set(stored) - set(keys))
        if changed or gone:
            _delete_docs(con, name, changed + gone)
        if changed:
            rows = df[df["doc_id"].isin(changed)]
            _insert(con, name, rows, cols, per_doc=True)
            counts = rows["doc_id"].value_counts()
            new = pd.DataFrame({"tbl": name, "doc_id": changed,
                                "key": [keys[d] for d in changed],
                                "n": [int(counts.get(d, 0)) for d in changed]})
            con.register("new_keys", new)
            con.execute("INSERT INTO row_keys SELECT tbl, doc_id, key, n FROM new_keys")
            con.unregister("new_keys")
        key = _digest(version, *sorted(f"{d}={k}" for d, k in keys.items()))
    con.execute("INSERT OR REPLACE INTO table_keys VALUES (?, ?, ?)",
                [name, key, keys is not None])


def _delete_docs(con, name: str, doc_ids: list[str]) -> None:
    con.execute(f'DELETE FROM "{name}" WHERE doc_id IN (SELECT unnest(?))', [doc_ids])
    con.execute("DELETE FROM row_keys WHERE tbl = ? AND doc_id IN (SELECT unnest(?))",
                [name, doc_ids])


def _insert(con, name: str, df: pd.DataFrame, cols: str, *, per_doc: bool) -> None:
    """Insert ``df``'s rows with their order: within each document (``per_doc``) or whole.
    Text held once per distinct value (a Categorical) goes in as it is: the database reads the
    dictionary, and no copy per row is made."""
    import pyarrow as pa

    if df.empty:
        return
    if per_doc:
        seq = df.groupby("doc_id", sort=False).cumcount().to_numpy()
    else:
        seq = np.arange(len(df))
    # a slice at a time: a national corpus's alignments are millions of rows, and their Arrow
    # copy would otherwise exist whole beside the frame
    for start in range(0, len(df), ROWS_AT_ONCE):
        part = df.iloc[start:start + ROWS_AT_ONCE]
        table = pa.Table.from_pandas(part, preserve_index=False).replace_schema_metadata(None)
        table = table.append_column("_seq", pa.array(seq[start:start + ROWS_AT_ONCE], pa.int64()))
        con.register("new_rows", table)
        con.execute(f'INSERT INTO "{name}" SELECT {cols}, _seq FROM new_rows')
        con.unregister("new_rows")
        del table


def _drop_table(con, name: str) -> None:
    con.execute(f'DROP TABLE IF EXISTS "{name}"')
    con.execute("DELETE FROM row_keys WHERE tbl = ?", [name])
    con.execute("DELETE FROM table_keys WHERE tbl = ?", [name])


def _build_id(con) -> str:
    """An id of the committed tables: a hash of every table's key (same inputs, same id)."""
    rows = con.execute("SELECT tbl, key FROM table_keys ORDER BY tbl").fetchall()
    return _digest(*[f"{t}={k}" for t, k in rows])[:20]


def _longest_csv(tables: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Rows of each table's longest CSV file (a table exported per plan has one per plan)."""
    out = {}
    for name, df in tables.items():
        key = schema.TABLES[name].partition_by
        out[name] = int(df[key].value_counts().max()) if key and len(df) else len(df)
    return out


def _tidy(out_dir: Path) -> None:
    """Remove what older builds kept of their own (the file cache, staging folders, manifests):
    the store holds it now."""
    import shutil

    for name in OLD_BOOKKEEPING:
        path = out_dir / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        elif path.is_file():
            path.unlink(missing_ok=True)
    for path in out_dir.glob(".staging-*"):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
    for name, spec in schema.TABLES.items():
        if spec.partition_by:
            (out_dir / name / "_manifest.json").unlink(missing_ok=True)


# --------------------------------------------------------------------------- reading
def rows_in_order(con, name: str) -> str:
    """``FROM … ORDER BY`` giving a table's rows in the order they were built: a table kept per
    document in the documents' order, each document's rows in theirs."""
    per_doc = con.execute("SELECT per_doc FROM table_keys WHERE tbl = ?", [name]).fetchone()
    if not per_doc or not per_doc[0]:
        return f'FROM "{name}" t ORDER BY t._seq'
    return (f'FROM "{name}" t LEFT JOIN (SELECT doc_id AS _doc, _seq AS _rank FROM documents) d '
            "ON t.doc_id = d._doc ORDER BY d._rank NULLS LAST, t.doc_id, t._seq")


def _read(con, name: str) -> pd.DataFrame:
    """One stored table as a typed DataFrame, rows in the order they were built."""
    from compare.frames import frame

    cols = ", ".join(f't."{c}"' for c in schema.columns(name))
    arrow = con.execute(f"SELECT {cols} {rows_in_order(con, name)}").to_arrow_table()
    if not arrow.num_rows:
        return schema.empty_frame(name)
    return schema.coerce(frame(arrow), name)


def load_tables(
    processed_dir: str | Path = PROCESSED_DATA_DIR, names: list[str] | None = None
) -> dict[str, pd.DataFrame]:
    """The tables of the last committed build as DataFrames, typed as declared in
    :mod:`compare.schema` (text Arrow-backed). While a build commits, waits for it.

    >>> tables = load_tables()            # doctest: +SKIP
    >>> tables["documents"][["doc_id", "doc_number"]]
    """
    from compare.parallel import no_cycle_collection

    processed_dir = Path(processed_dir)
    with connect(processed_dir) as con, no_cycle_collection():
        present = [n for n, in con.execute("SELECT tbl FROM table_keys").fetchall()]
        present = [n for n in schema.TABLES if n in present]
        names = names or present
        if not names:
            raise CompareError(f"{printable_path(processed_dir)}: no tables found; "
                               "run `compare build` first")
        for name in names:
            if name not in present:
                raise CompareError(
                    f"{printable_path(processed_dir)}: table '{name}' has not been built; "
                    "run `compare build`"
                )
        return {name: _read(con, name) for name in names}


def sql(processed_dir: str | Path, query: str, params=None) -> pd.DataFrame:
    """The result of a read-only SQL ``query`` over the last committed build (DuckDB's SQL;
    every table of :data:`compare.schema.TABLES` by its name), text Arrow-backed. The query
    cannot change the store nor reach files outside it."""
    import duckdb

    from compare.frames import frame

    with connect(processed_dir) as con:
        try:
            return frame(con.execute(query, params or []).to_arrow_table())
        except duckdb.Error as exc:
            raise CompareError(f"the query could not be run: {str(exc).splitlines()[0]}") from exc


def report(processed_dir: str | Path) -> dict | None:
    """The last committed build's report (as ``build_report.json`` holds it), or None."""
    with connect(processed_dir) as con:
        row = con.execute("SELECT value FROM build WHERE name = 'report'").fetchone()
    return None if row is None else json.loads(row[0])


def up_to_date(out_dir: Path, key: str, *, strict: bool = False) -> bool:
    """Whether the committed build was made from inputs with this ``key``. ``strict``: and
    every file was read (else the build must run, to fail as ``--strict`` asks)."""
    if not (Path(out_dir) / STORE_NAME).is_file():
        return False
    with connect(out_dir) as con:
        row = con.execute("SELECT value FROM build WHERE name = 'inputs'").fetchone()
        text = con.execute("SELECT value FROM build WHERE name = 'report'").fetchone()
    if row is None or row[0] != key or text is None:
        return False
    summary = json.loads(text[0]).get("summary") or {}
    return not strict or not (summary.get("error", 1) or summary.get("skipped", 1))
