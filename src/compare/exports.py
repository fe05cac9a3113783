"""The files researchers read, exported from the store (:mod:`compare.store`):
``<table>.parquet`` and ``<table>.csv`` (UTF-8 with BOM, formula-safe cells), and for the
tables that grow with plans × references one pair of files per plan
(``alignments/doc_id=<id>/part-0.parquet``, ``alignments_csv/<id>.csv``), plus
``build_report.json``.

The store records which rows each file holds and the file's size and times as written, so
only files whose rows changed, or that were changed or removed since, are written again;
each is replaced whole (a reader sees the old file or the new).
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pandas as pd

from compare import schema
from compare.cache import ended
from compare.config import PROCESSED_DATA_DIR
from compare.errors import CompareError
from compare.store import rows_in_order, arrow_schema, commit_build, connect, writing_error

REPORT_NAME = "build_report.json"
PART = "part-0.parquet"
#: Plans whose files are exported from one query (a national corpus: millions of rows).
PLANS_AT_ONCE = 100


def write_tables(
    tables: dict[str, pd.DataFrame],
    out_dir: str | Path = PROCESSED_DATA_DIR,
    report=None,
    *,
    validated: bool = False,
    cache=None,
) -> list[Path]:
    """Check ``tables`` against the schema (unless ``validated``: straight from
    :func:`compare.build.build_tables`) and commit them, with ``report`` (its per-document
    row keys: :attr:`~compare.build.BuildReport.row_keys`) and the ``cache``'s new results, as
    one build (:func:`compare.store.commit_build`), then export the files researchers read
    (:func:`export`). Returns the files exported."""
    checked = (
        tables if validated else {name: schema.validate(df, name) for name, df in tables.items()}
    )
    keys = getattr(report, "row_keys", None) or {}
    commit_build(out_dir, checked, report, row_keys=keys, cache=cache)
    return export(out_dir)


def partition_paths(name: str, value: str) -> tuple[str, str]:
    """Paths (relative to the output folder) of one plan's Parquet file and CSV file of a table
    exported per plan. The value is percent-encoded, as Hive-style readers expect."""
    safe = quote(str(value), safe="")
    if safe in ("", ".", ".."):  # never a path that leaves the folder
        safe = quote(safe, safe="").replace(".", "%2E") or "%00"
    key = schema.TABLES[name].partition_by
    return f"{name}/{key}={safe}/{PART}", f"{name}_csv/{safe}.csv"


def export(out_dir: str | Path) -> list[Path]:
    """Bring the files researchers read up to date with the committed build: each table whose
    key changed (or whose file is missing) is written again, and of the tables exported per
    plan only the changed plans' files; files of removed plans are deleted. Each file is
    replaced whole; what was exported is recorded, so a build killed while exporting is
    finished by the next. Returns the files written."""
    out_dir = Path(out_dir)
    written: list[Path] = []
    _remove_leftovers(out_dir)
    # the files are written with the store open for reading (readers go on reading), then
    # recorded with it open for writing a moment
    with connect(out_dir) as con, _Writer() as writer:
        done = {f: (k, s) for f, k, s in con.execute("SELECT * FROM exported").fetchall()}
        wanted = _wanted(con)
        # a file changed or removed since it was exported (saved from a spreadsheet, deleted)
        # is written again, as is every file whose rows changed
        todo = {file: entry for file, entry in wanted.items()
                if done.get(file) != (entry[2], _stamp(out_dir / file))}
        jobs = dict.fromkeys((name, doc_id) for name, doc_id, _ in todo.values())
        for name in dict.fromkeys(name for name, doc_id in jobs if doc_id is None):
            _export_table(con, out_dir, name, writer)
        for name in dict.fromkeys(name for name, doc_id in jobs if doc_id is not None):
            plans = sorted(d for n, d in jobs if n == name and d is not None)
            for start in range(0, len(plans), PLANS_AT_ONCE):  # memory holds a few plans' rows
                _export_plans(con, out_dir, name, plans[start:start + PLANS_AT_ONCE], writer)
        written += writer.finish()
        gone = sorted(set(done) - set(wanted))
        for file in gone:
            _remove_export(out_dir, file)
        report = con.execute("SELECT value FROM build WHERE name = 'report'").fetchone()
        if report is not None:
            path = out_dir / REPORT_NAME
            if not path.is_file() or path.read_bytes() != report[0].encode("utf-8"):
                _replace(path, report[0].encode("utf-8"))
                written.append(path)
    if todo or gone:
        with connect(out_dir, write=True) as con:
            con.execute("BEGIN")
            con.execute("DELETE FROM exported")
            files = sorted(wanted)
            con.register("now", pd.DataFrame({"file": files,
                                               "key": [wanted[f][2] for f in files],
                                               "stamp": [_stamp(out_dir / f) for f in files]}))
            con.execute("INSERT INTO exported SELECT file, key, stamp FROM now")
            con.unregister("now")
            con.execute("COMMIT")
    return written


def _remove_leftovers(out_dir: Path) -> None:
    """Remove the half-written files an export killed while writing left (``.<file>.<pid>.tmp``
    of a process that has ended)."""
    for tmp in out_dir.rglob(".*.tmp"):
        if ended(tmp.name.rsplit(".", 2)[-2]):
            tmp.unlink(missing_ok=True)


def _stamp(path: Path) -> str | None:
    """A file's size and change time, as exported (None when it is not there)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"


def _wanted(con) -> dict[str, tuple[str, str | None, str]]:
    """Every export file the committed build has: file → (table, plan or None, key)."""
    out = {}
    for name, key in con.execute("SELECT tbl, key FROM table_keys ORDER BY tbl").fetchall():
        if not schema.TABLES.get(name) or not schema.TABLES[name].partition_by:
            out[f"{name}.parquet"] = out[f"{name}.csv"] = (name, None, key)
            continue
        rows = con.execute("SELECT doc_id, key FROM row_keys WHERE tbl = ? AND n > 0 "
                           "ORDER BY doc_id", [name]).fetchall()
        for doc_id, row_key in rows:
            for file in partition_paths(name, doc_id):
                out[file] = (name, doc_id, row_key)
    return out


class _Writer:
    """Files written by two threads (Arrow's writers leave the interpreter lock) while the
    next rows are fetched: the rows of the query before the last are written before a new
    query's files are taken on, so memory holds two queries' rows at most."""

    def __init__(self):
        self.pool = ThreadPoolExecutor(max_workers=2)
        self.last: list = []  # the writes of the latest query
        self.earlier: list = []
        self.written: list[Path] = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.pool.shutdown(wait=True, cancel_futures=exc[0] is not None)

    def query_done(self) -> None:
        """A query's rows are fetched (its files about to be submitted): the files of the
        query before it are finished first."""
        self.written += [future.result() for future in self.earlier]
        self.earlier, self.last = self.last, []

    def write(self, path: Path, write) -> None:
        """Replace ``path`` whole with what ``write(tmp)`` writes, in a thread."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.last.append(self.pool.submit(_replace_with, path, write))

    def finish(self) -> list[Path]:
        """Wait for every file (those of the last two queries); the files written."""
        self.query_done()
        self.query_done()
        return self.written


def _export_table(con, out_dir: Path, name: str, writer: _Writer) -> None:
    """Write one whole table's Parquet and CSV files, from the store's Arrow data as it is (no
    DataFrame made); Parquet with pandas' metadata, so ``pd.read_parquet`` gives the dtypes
    :func:`load_tables` gives."""
    cols = ", ".join(f't."{c}"' for c in schema.columns(name))
    arrow = con.execute(f"SELECT {cols} {rows_in_order(con, name)}").to_arrow_table()
    table = arrow.cast(arrow_schema(arrow.column_names, metadata=_pandas_metadata(name)))
    writer.query_done()
    _write_pair(writer, table, table, [out_dir / f"{name}.parquet", out_dir / f"{name}.csv"])


def _pandas_metadata(name: str) -> dict:
    """The pandas metadata of table ``name``'s frame (as ``pa.Table.from_pandas`` writes it)."""
    import pyarrow as pa

    meta = pa.Schema.from_pandas(schema.empty_frame(name), preserve_index=False).metadata
    data = json.loads(meta[b"pandas"])
    for column in data["columns"]:
        if schema.FIELDS.get(column["name"]) and schema.FIELDS[column["name"]].type == "list":
            column["pandas_type"] = "list[unicode]"  # (an empty frame's says "empty")
    return {**meta, b"pandas": json.dumps(data).encode("utf-8")}


def _export_plans(con, out_dir: Path, name: str, doc_ids: list[str], writer: _Writer) -> None:
    """Write the files of ``doc_ids``' rows of a table exported per plan: rows fetched at once,
    then one Parquet file (the plan's id is in the folder's name, as in a Hive layout, so not
    in the file) and one CSV file per plan."""
    key = schema.TABLES[name].partition_by
    cols = ", ".join(f'"{c}"' for c in schema.columns(name))
    rows = con.execute(
        f'SELECT {cols} FROM "{name}" WHERE doc_id IN (SELECT unnest(?)) ORDER BY doc_id, _seq',
        [doc_ids],
    ).to_arrow_table()
    rows = rows.cast(arrow_schema(rows.column_names))
    codes = rows.column(key).combine_chunks().dictionary_encode()
    ids = np.asarray(codes.indices)
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]]) if len(ids) else []

    writer.query_done()
    for start, end in zip(starts, [*starts[1:], len(ids)]):
        part = rows.slice(int(start), int(end - start))
        paths = [out_dir / p for p in partition_paths(name, codes.dictionary[ids[start]].as_py())]
        _write_pair(writer, part.drop_columns([key]), part, paths)


def _write_pair(writer: _Writer, parquet_table, csv_table, paths: list[Path]) -> None:
    """Write a Parquet file and a CSV file (``paths``), each replaced whole."""
    from pyarrow import parquet

    writer.write(paths[0], lambda tmp: parquet.write_table(parquet_table, str(tmp)))
    writer.write(paths[1], lambda tmp: write_csv(csv_table, tmp))


def _remove_export(out_dir: Path, file: str) -> None:
    """Delete one export file of a plan no longer built (only inside the tables' folders)."""
    parts = Path(file).parts
    if ".." in parts or Path(file).is_absolute():
        return
    target = out_dir / file
    target.unlink(missing_ok=True)
    if len(parts) == 3 and "=" in parts[1]:
        try:
            target.parent.rmdir()
        except OSError:
            pass


def _replace(path: Path, data: bytes) -> None:
    _replace_with(path, lambda tmp: tmp.write_bytes(data))


def _replace_with(path: Path, write) -> None:
    """Write ``path`` whole through a temporary file beside it (a reader sees old or new)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        raise CompareError(writing_error(path.parent, exc)) from exc
    finally:
        tmp.unlink(missing_ok=True)


def write_csv(table, path) -> None:
    """One table (Arrow) as CSV for spreadsheets: UTF-8 with a byte-order mark (Excel then reads
    Chinese correctly), a header row, text cells in double quotes, list cells joined with 、,
    dates as YYYY-MM-DD, empty cells for missing values, and text that a spreadsheet would run
    as a formula neutralised (:func:`csv_safe`)."""
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
    quote_, empty = pa.scalar("'", type=column.type), pa.scalar("", type=column.type)
    return compute.if_else(starts, compute.binary_join_element_wise(quote_, column, empty),
                           column)
