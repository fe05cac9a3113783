"""Tables stored one plan per file: a Parquet dataset partitioned by ``doc_id``, and one CSV
per plan.

A table that grows with plans × references (``alignments``: millions of rows in a national
corpus) is declared with ``partition_by`` in :mod:`compare.schema`. It is written as::

    <out>/alignments/_manifest.json                  build id; partitions in table order
    <out>/alignments/doc_id=<doc_id>/part-0.parquet  one plan's rows (Hive layout)
    <out>/alignments_csv/<doc_id>.csv                the same rows for a spreadsheet

so ``pd.read_parquet("<out>/alignments")`` and Arrow, DuckDB or R arrow read the folder as one
table, a spreadsheet never opens a million-row file, and a rebuild rewrites only the plans
whose rows changed (the manifest keeps each Parquet file's SHA-256, and the same rows give
the same bytes). The same checksums let :func:`stamp` recognise a folder that a killed build left
half-moved, and :func:`read` returns the partitions in the manifest's order, so the table
reads back exactly as it was built.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from compare import schema
from compare.inputs import file_sha256

MANIFEST = "_manifest.json"
PART = "part-0.parquet"


def csv_folder(name: str) -> str:
    """The folder of a partitioned table's per-plan CSV files."""
    return f"{name}_csv"


def partition_paths(name: str, value: str) -> tuple[str, str]:
    """Paths (relative to the output folder) of one partition's Parquet file and CSV file.
    The value is percent-encoded, as Hive-style readers expect (ids are plain slugs)."""
    safe = quote(str(value), safe="")
    if safe in ("", ".", ".."):  # never a path that leaves the folder
        safe = quote(safe, safe="").replace(".", "%2E") or "%00"
    key = schema.TABLES[name].partition_by
    return f"{name}/{key}={safe}/{PART}", f"{csv_folder(name)}/{safe}.csv"


@dataclass
class Staged:
    """What writing a partitioned table staged: files to move into place (relative paths, in
    order, the manifest last) and the files of the previous build no longer listed."""

    name: str
    files: list[str]
    stale: list[str]


def manifest(out_dir: Path, name: str) -> dict | None:
    """The table's manifest in ``out_dir``, or None when absent or unreadable."""
    try:
        data = json.loads((out_dir / name / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("partitions"), list):
        return None
    return data


def groups(table, key: str) -> list[tuple[str, object]]:
    """The table's rows per value of ``key``, in order of first appearance (each group keeps
    its rows' order)."""
    import numpy as np
    import pandas as pd

    codes, values = pd.factorize(table[key].to_pandas(), sort=False)
    if len(codes) and np.all(np.diff(codes) >= 0):  # contiguous already (as built): slices
        starts = np.flatnonzero(np.r_[True, np.diff(codes) != 0])
        ends = np.r_[starts[1:], len(codes)]
        return [(values[k], table.slice(s, e - s)) for k, (s, e) in enumerate(zip(starts, ends))]
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    out = []
    for k, value in enumerate(values):
        lo, hi = np.searchsorted(sorted_codes, [k, k + 1])
        out.append((value, table.take(order[lo:hi])))
    return out


def plain_text(table):
    """``table`` (Arrow) with dictionary-encoded text (a pandas Categorical's) decoded to plain
    text, so files hold the schema's types whatever the frame held in memory."""
    import pyarrow as pa

    fields = [
        f.with_type(pa.large_string()) if pa.types.is_dictionary(f.type) else f
        for f in table.schema
    ]
    if all(f.equals(g) for f, g in zip(fields, table.schema)):
        return table
    return table.cast(pa.schema(fields, metadata=table.schema.metadata))


def stage(
    df,
    name: str,
    staging: Path,
    out_dir: Path,
    stamp: str,
    write_csv,
    pool=None,
    row_keys: dict[str, str] | None = None,
) -> Staged:
    """Write the partitions of ``df`` (a checked frame of table ``name``) whose rows differ from
    the last build's into ``staging``, and a new manifest stamped ``stamp``;
    ``write_csv(table, name, path)`` writes one CSV from Arrow (in ``pool``, an executor, when
    given: Arrow's writers run beside this thread). Unchanged partitions are listed in the
    manifest and left where they are.

    ``row_keys``: per partition value, a key of everything its rows follow from (the build's
    :attr:`~compare.analysis.lineage.DriftTables.row_keys`). A partition whose key is the one
    the manifest lists, with as many rows and its files as listed, is kept without being made
    again; any other is serialised, and kept when its bytes are the stored file's."""
    import pandas as pd
    import pyarrow as pa
    from pyarrow import parquet

    key = schema.TABLES[name].partition_by
    old = manifest(out_dir, name) or {}
    before = {p.get("value"): p for p in old.get("partitions", []) if isinstance(p, dict)}
    counts = df[key].value_counts(sort=False)
    order = list(pd.unique(df[key]))  # the table's order: the manifest lists partitions in it
    row_keys = row_keys or {}
    entries = {
        value: before[value]
        for value in order
        if _current(before.get(value), row_keys.get(value), int(counts[value]), name, out_dir)
    }
    todo = df[~df[key].isin(list(entries))] if entries else df
    table = pa.Table.from_pandas(todo, preserve_index=False)
    files, pending = [], []
    for value, part in groups(table, key):
        part = plain_text(part)  # decoded one plan at a time: never the whole table at once
        parquet_path, csv_path = partition_paths(name, value)
        # the value is in the folder's name (Hive layout); no pandas metadata (it would list it)
        stored = part.drop_columns([key]).replace_schema_metadata(None)
        sink = pa.BufferOutputStream()
        parquet.write_table(stored, sink)
        data = sink.getvalue()  # the same rows give the same bytes: the file is kept
        sha256 = hashlib.sha256(data).hexdigest()
        entry = {
            "value": value,
            "rows": part.num_rows,
            "parquet": parquet_path,
            "csv": csv_path,
            "sha256": sha256,
        }
        if row_keys.get(value):
            entry["inputs"] = row_keys[value]
        entries[value] = entry
        kept = before.get(value)
        if (
            kept
            and {k: v for k, v in kept.items() if k != "inputs"}
            == {k: v for k, v in entry.items() if k != "inputs"}
            and _files_intact(entry, out_dir)
        ):
            continue  # listed with this build's key
        for path in (parquet_path, csv_path):
            (staging / path).parent.mkdir(parents=True, exist_ok=True)
        (staging / parquet_path).write_bytes(data)
        if pool is None:
            write_csv(part, name, staging / csv_path)
        else:
            pending.append(pool.submit(write_csv, part, name, staging / csv_path))
        files += [parquet_path, csv_path]
    for done in pending:
        done.result()
    entries = [entries[value] for value in order]
    listed = {e["parquet"] for e in entries} | {e["csv"] for e in entries}
    stale = sorted(
        {p.get(k) for p in before.values() for k in ("parquet", "csv")} - listed - {None}
    )
    data = {
        "table": name,
        "partition_by": key,
        "build_id": stamp,
        "columns": list(df.columns),
        "partitions": entries,
    }
    (staging / name).mkdir(parents=True, exist_ok=True)
    (staging / name / MANIFEST).write_text(
        json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return Staged(name, files + [f"{name}/{MANIFEST}"], [s for s in stale if _inside(s, name)])


def _current(entry, row_key: str | None, rows: int, name: str, out_dir: Path) -> bool:
    """Whether a partition's manifest ``entry`` holds the rows ``row_key`` names: the same key,
    as many rows, its files where they belong and the Parquet file's bytes as listed."""
    if not isinstance(entry, dict) or not row_key or entry.get("inputs") != row_key:
        return False
    parquet_path, csv_path = partition_paths(name, entry.get("value"))
    return (
        entry.get("rows") == rows
        and entry.get("parquet") == parquet_path
        and entry.get("csv") == csv_path
        and _files_intact(entry, out_dir)
    )


def _files_intact(entry: dict, out_dir: Path) -> bool:
    """Whether a partition's files are in ``out_dir`` as its ``entry`` lists them: the CSV there
    and the Parquet file's bytes those of the listed checksum."""
    return (out_dir / entry["csv"]).is_file() and file_sha256(
        out_dir / entry["parquet"]
    ) == entry.get("sha256")


def _inside(path: str, name: str) -> bool:
    """Only files of this table's own folders are ever removed as stale."""
    parts = Path(path).parts
    return (
        len(parts) >= 2
        and parts[0] in (name, csv_folder(name))
        and ".." not in parts
        and not Path(path).is_absolute()
    )


def remove_stale(out_dir: Path, staged: Staged) -> None:
    """Delete the partitions of plans no longer in the table (and their emptied folders)."""
    for path in staged.stale:
        target = out_dir / path
        target.unlink(missing_ok=True)
        if target.parent.name.startswith(f"{target.parent.name.split('=')[0]}=") and (
            target.parent.is_dir() and not any(target.parent.iterdir())
        ):
            target.parent.rmdir()


def stamp(out_dir: Path, name: str) -> str | None:
    """The build id of a partitioned table, or ``"mixed"`` when the partitions on disk are not
    those its manifest lists (a build killed while moving files); None without a manifest."""
    data = manifest(out_dir, name)
    if data is None:
        return None
    listed = {str(e.get("parquet")) for e in data["partitions"] if isinstance(e, dict)}
    on_disk = {f"{name}/{p.parent.name}/{p.name}" for p in (out_dir / name).glob(f"*=*/{PART}")}
    if on_disk - listed:  # a partition moved in by a build that did not finish
        return "mixed"
    for entry in data["partitions"]:
        if not isinstance(entry, dict) or file_sha256(
            out_dir / str(entry.get("parquet"))
        ) != entry.get("sha256"):
            return "mixed"
    return str(data.get("build_id"))


def read(out_dir: Path, name: str):
    """The whole table as one Arrow table: partitions in the manifest's order, with the key
    column put back where the schema declares it."""
    import pyarrow as pa
    from pyarrow import parquet

    data = manifest(out_dir, name)
    key = schema.TABLES[name].partition_by
    columns = data.get("columns") or schema.columns(name)
    parts = []
    for entry in data["partitions"]:
        part = parquet.read_table(out_dir / entry["parquet"])
        values = pa.array([entry["value"]] * part.num_rows, type=pa.string())
        parts.append(part.append_column(key, values).select(columns))
    if not parts:
        return None
    return pa.concat_tables(parts, promote_options="default")  # an all-empty column is null
