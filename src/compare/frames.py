"""One document's rows of a table as Arrow IPC bytes: how a worker hands a document's
sections, measures, tasks … to the build, and how the build cache keeps them.

Bytes rather than Python lists: thousands of documents' rows are gathered into one table by
Arrow (:func:`gather`) without a Python object per cell, so a national build neither spends
seconds making millions of strings nor leaves its memory full of the holes they leave when
freed. The bytes are data only: a cached entry is checked (:func:`readable`) before use.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from compare import schema

#: Arrow text as pandas' Arrow-backed text, the tables' declared kind (no copy per cell).
_TEXT = {pa.string(): pd.StringDtype("pyarrow"), pa.large_string(): pd.StringDtype("pyarrow")}


def encode(df: pd.DataFrame | None, table: str) -> bytes | None:
    """``df`` (rows of ``table``, as a stage made them) as Arrow IPC bytes; None stays None.
    A column whose cells Arrow cannot type as one kind is cast to the declared kind first."""
    if df is None:
        return None
    try:
        arrow = pa.Table.from_pandas(df, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
        arrow = pa.Table.from_pandas(schema.coerce(df, table), preserve_index=False)
    arrow = arrow.replace_schema_metadata(None)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, arrow.schema) as writer:
        writer.write_table(arrow)
    return sink.getvalue().to_pybytes()


def decode(data: bytes) -> pa.Table:
    """The Arrow table in ``data`` (from :func:`encode`)."""
    return pa.ipc.open_stream(pa.py_buffer(data)).read_all()


def readable(data, table: str) -> bool:
    """Whether ``data`` is None or bytes that hold a well-formed Arrow table with the columns
    of ``table`` (a cached result is checked with this before it is used: a damaged or
    foreign one is made again)."""
    if data is None:
        return True
    if not isinstance(data, bytes):
        return False
    try:
        arrow = decode(data)
        arrow.validate(full=True)
    except (pa.ArrowException, OSError, ValueError, TypeError):  # cut short: an OSError
        return False
    return not arrow.num_rows or sorted(arrow.column_names) == sorted(schema.columns(table))


def gather(parts: list[bytes | None], table: str, *, typed: bool = True) -> pd.DataFrame:
    """One frame of ``table`` from many documents' :func:`encode` bytes, in order (cast to the
    declared types later, by :func:`compare.schema.validate`). ``typed``: text as pandas'
    Arrow-backed text; else as Python strings (what the extraction code reads)."""
    tables = [decode(p) for p in parts if p is not None]
    tables = [t for t in tables if t.num_rows]
    if not tables:
        return schema.empty_frame(table)
    return frame(pa.concat_tables(tables, promote_options="permissive"), typed=typed)


def frame(arrow: pa.Table, *, typed: bool = True) -> pd.DataFrame:
    """An Arrow table as a DataFrame: list cells as Python lists of strings, text as pandas'
    Arrow-backed text (``typed``) or Python strings, other columns as Arrow gives them."""
    lists = [f.name for f in arrow.schema if _is_list(f.type)]
    df = arrow.drop_columns(lists).to_pandas(types_mapper=_TEXT.get if typed else None)
    for name in lists:
        df[name] = [[] if v is None else v for v in arrow.column(name).to_pylist()]
    return df[arrow.column_names]


def _is_list(kind: pa.DataType) -> bool:
    return pa.types.is_list(kind) or pa.types.is_large_list(kind)


def columns(data: bytes | None, names: tuple[str, ...]) -> dict[str, list]:
    """Some columns of one document's rows as Python lists ({} when it has none)."""
    if data is None:
        return {}
    arrow = decode(data)
    return {name: arrow.column(name).to_pylist() for name in names} if arrow.num_rows else {}
