"""The build cache: results of unchanged inputs kept between builds, as data that never runs.

A stored result is as untrusted as the raw files: anyone who can write to the store must not be
able to make the next build run code, drop a plan or crash. So an entry is

* **data only**: MessagePack (``msgpack``), with a few extension types this module decodes
  itself (tuples, dates, NumPy arrays of numbers, pandas frames as typed columns, and the
  package's own records by an allow-list of names). Nothing is unpickled, nothing imported
  but those records' own modules;
* **self-describing**: it carries the key it was stored under, so an entry copied over
  another's is recognised as such;
* **checksummed**: a SHA-256 of its payload, so a damaged entry is never half-read.

An entry that fails any check is treated as missing: the result is made again, and the
reason is kept in :attr:`Cache.notes` for the build report. An entry's bytes are MAGIC, key,
checksum (one line each), then the payload; the store keeps them by stage and key.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import importlib
import os
import shutil
from collections import Counter
from pathlib import Path

MAGIC = b"compare-cache-entry 1\n"
#: Results a build holds in memory before setting them aside in its scratch folder.
SPILL_BYTES = 64 << 20
#: The package's records an entry may hold, by qualified name (nothing else is ever imported).
RECORDS = ("compare.read.Document", "compare.analysis.index.Clause")

_TUPLE, _ARRAY, _DATE, _DATETIME, _RECORD, _FRAME, _SET, _NA = range(1, 9)


class CacheEntryError(ValueError):
    """A cache entry that cannot be used (damaged, foreign, stored under another key)."""


def _record_class(name: str):
    if name not in RECORDS:
        raise CacheEntryError(f"holds a record of an unknown kind ({name[:60]!r})")
    module, _, cls = name.rpartition(".")
    return getattr(importlib.import_module(module), cls)


def _default(value):
    """Encode what MessagePack lacks as extension types (see :func:`_ext_hook`)."""
    import msgpack
    import numpy as np
    import pandas as pd

    pack = _packer().pack
    if isinstance(value, tuple):
        return msgpack.ExtType(_TUPLE, pack(list(value)))
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            raise TypeError(f"an array of {value.dtype} cannot be cached")
        array = np.ascontiguousarray(value)
        return msgpack.ExtType(_ARRAY, pack([array.dtype.str, list(array.shape), array.tobytes()]))
    if isinstance(value, np.generic):
        return value.item()
    for plain in (
        dict,
        list,
        str,
        int,
        float,
    ):  # a subclass (OrderedDict, a str subclass) as its plain kind
        if isinstance(value, plain):
            return plain(value)
    if isinstance(value, dt.datetime) or isinstance(value, pd.Timestamp):
        return msgpack.ExtType(_DATETIME, pack(pd.Timestamp(value).isoformat()))
    if isinstance(value, dt.date):
        return msgpack.ExtType(_DATE, pack(value.isoformat()))
    if isinstance(value, (set, frozenset)):
        return msgpack.ExtType(_SET, pack(sorted(value, key=repr)))
    if value is pd.NA or value is pd.NaT:
        return msgpack.ExtType(_NA, pack("NaT" if value is pd.NaT else "NA"))
    if isinstance(value, pd.DataFrame):  # columns as plain values, with their dtypes
        columns = [str(c) for c in value.columns]
        return msgpack.ExtType(
            _FRAME,
            pack(
                [
                    columns,
                    [str(t) for t in value.dtypes],
                    [value[c].tolist() for c in value.columns],
                ]
            ),
        )
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        name = f"{type(value).__module__}.{type(value).__qualname__}"
        if name not in RECORDS:
            raise TypeError(
                f"{name} is not a record the cache may hold (see compare.cache.RECORDS)"
            )
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        return msgpack.ExtType(_RECORD, pack([name, fields]))
    raise TypeError(f"a {type(value).__name__} cannot be cached")


def _ext_hook(code: int, data: bytes):
    """Decode an extension type: only data is made, never code run."""
    if code == _TUPLE:
        return tuple(_unpack(data))
    if code == _ARRAY:
        import numpy as np

        dtype, shape, raw = _unpack(data)
        dtype = np.dtype(dtype)
        if dtype.kind not in "biuf":
            raise CacheEntryError(f"holds an array of {dtype}")
        return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    if code == _DATE:
        return dt.date.fromisoformat(_unpack(data))
    if code == _DATETIME:
        import pandas as pd

        return pd.Timestamp(_unpack(data))
    if code == _SET:
        return set(_unpack(data))
    if code == _NA:
        import pandas as pd

        return pd.NaT if _unpack(data) == "NaT" else pd.NA
    if code == _FRAME:
        import pandas as pd

        columns, dtypes, values = _unpack(data)
        return pd.DataFrame(
            {c: pd.Series(v, dtype=t) for c, t, v in zip(columns, dtypes, values)}, columns=columns
        )
    if code == _RECORD:
        name, fields = _unpack(data)
        return _record_class(name)(**fields)
    raise CacheEntryError(f"holds a value of an unknown kind (extension {code})")


def _packer():
    import msgpack

    return msgpack.Packer(default=_default, use_bin_type=True, strict_types=True)


def _unpack(data: bytes):
    import msgpack

    return msgpack.unpackb(data, ext_hook=_ext_hook, raw=False, strict_map_key=False, use_list=True)


def encode(key: str, value) -> bytes:
    """An entry's bytes: magic, key, checksum, payload (see the module docstring)."""
    payload = _packer().pack(value)
    return (
        MAGIC
        + key.encode("ascii")
        + b"\n"
        + hashlib.sha256(payload).hexdigest().encode("ascii")
        + b"\n"
        + payload
    )


def decode(key: str, data: bytes):
    """The value stored in an entry's ``data`` under ``key``.

    Raises :class:`CacheEntryError` saying why not."""
    if not data.startswith(MAGIC):
        raise CacheEntryError("is not a compare cache entry (an old or foreign file)")
    head = len(MAGIC)
    stored_key, checksum, payload = (
        data[head : head + 64],
        data[head + 65 : head + 129],
        data[head + 130 :],
    )
    if stored_key != key.encode("ascii"):
        raise CacheEntryError("was stored under another key (copied from another entry)")
    if hashlib.sha256(payload).hexdigest().encode("ascii") != checksum:
        raise CacheEntryError("is damaged (its checksum does not match)")
    try:
        return _unpack(payload)
    except CacheEntryError:
        raise
    except Exception as exc:  # a payload that passes the checksum yet does not decode
        raise CacheEntryError(f"cannot be decoded ({type(exc).__name__})") from exc


class Cache:
    """Results of build stages, kept in the store (:mod:`compare.store`, table ``results``) by a
    hash of their inputs and of the code.

    Unchanged raw files are not read, segmented or extracted again; a changed file, a
    changed manifest entry or changed code gives a new key. Results made by a build are
    kept with that build's tables, in its one commit (:func:`compare.store.commit_build`), or
    by :meth:`save` for a build that writes no tables; results no key of the build named
    are dropped then. An entry that cannot be used is made again, with a note (:attr:`notes`).
    ``folder``: the output folder whose store holds the results (None: nothing is kept).
    """

    def __init__(self, folder: str | Path | None):
        self.folder = Path(folder) if folder else None
        self.hits: Counter = Counter()  # stage → results reused
        self.misses: Counter = Counter()  # stage → results built
        self.notes: list[str] = []  # entries that could not be used, and why
        self.pending: dict[tuple[str, str], bytes] = {}  # made by this build, in memory
        self.made: set[tuple[str, str]] = set()  # every result this build made
        self.used: set[tuple[str, str]] = set()  # stored results this build reused
        # results made beyond SPILL_BYTES wait for the commit in a scratch folder beside the
        # store (a national build's results are gigabytes); one a killed build left is removed
        self.spill_folder = None if self.folder is None else self.folder / f".results-{os.getpid()}"
        self._pending_bytes = 0
        if self.folder is not None:
            remove_scratch(self.folder)

    @staticmethod
    def key(stage: str, *parts) -> str:
        """A 64-character hex key for ``stage`` from its inputs ``parts`` and the code version."""
        from compare.parallel import code_version

        h = hashlib.sha256(code_version().encode() + stage.encode())
        for part in parts:
            h.update(b"\0" + (part if isinstance(part, bytes) else repr(part).encode()))
        return h.hexdigest()

    def get(self, stage: str, key: str, *, count: bool = True, shape=None):
        """The stored value, or None; counted as reused or built unless ``count`` is False.

        ``shape``: a check of the value's kind (``lambda v: isinstance(v, Document)``); a value
        that fails it is treated as a damaged entry."""
        return self.get_many(stage, [key], count=count, shape=shape)[0]

    def get_many(self, stage: str, keys: list[str], *, count: bool = True, shape=None) -> list:
        """The stored values of ``stage`` under ``keys`` (None where there is none, or where a
        key is empty), fetched at once; see :meth:`get`."""
        from compare.store import results, spilled

        if self.folder is None:
            return [None] * len(keys)
        wanted = [k for k in keys if k]
        stored = results(self.folder, stage, wanted)
        if self.spill_folder is not None and any(
            (stage, k) in self.made and (stage, k) not in self.pending for k in wanted
        ):
            stored.update(spilled(self.spill_folder, stage, wanted))
        out = []
        for key in keys:
            data = self.pending.get((stage, key)) or stored.get(key)
            value = None
            if data is not None:
                try:
                    value = decode(key, data)
                    if shape is not None and not shape(value):
                        raise CacheEntryError("holds a value of the wrong kind for this stage")
                    self.used.add((stage, key))
                except CacheEntryError as exc:
                    value = None
                    self.notes.append(
                        f"stored result {stage}/{key[:16]}… {exc}; it was made again"
                    )
            if count and key:
                self.count(stage, reused=value is not None)
            out.append(value)
        return out

    def count(self, stage: str, reused: int | bool = 0, built: int | None = None) -> None:
        """Count results of ``stage`` reused and built: ``count(stage, reused=True)`` is one
        reused, ``reused=False`` one built; or give both numbers."""
        if built is None:
            reused, built = int(bool(reused)), int(not reused)
        self.hits[stage] += reused
        self.misses[stage] += built

    def use(self) -> dict[str, dict[str, int]]:
        """Per stage: how many results were reused and how many built (nothing without a folder)."""
        if self.folder is None:
            return {}
        return {
            stage: {"reused": self.hits[stage], "built": self.misses[stage]}
            for stage in sorted(set(self.hits) | set(self.misses))
        }

    def put(self, stage: str, key: str, value) -> None:
        """Keep ``value`` under ``key`` (in the store when the build commits)."""
        from compare.store import spill

        if self.folder is None:
            return
        data = self.pending[(stage, key)] = encode(key, value)
        self.made.add((stage, key))
        self._pending_bytes += len(data)
        if self._pending_bytes >= SPILL_BYTES and self.spill_folder is not None:
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                spill(self.spill_folder, self.pending)
            except Exception as exc:  # noqa: BLE001 - a full disk: kept in memory from now on
                self.notes.append(f"results could not be set aside on disk ({exc}); "
                                  "they were kept in memory")
                self.discard()
                self.spill_folder = None
                return
            self.pending, self._pending_bytes = {}, 0

    def keep(self, stage: str, key: str) -> None:
        """Keep the stored result under ``key`` without reading it (one this build would
        reuse, were it needed)."""
        if self.folder is not None:
            self.used.add((stage, key))

    def save(self) -> None:
        """Keep this build's results in the store now, and drop those it did not use (for a
        build that writes no tables)."""
        from compare.store import save_results

        if self.folder is not None:
            save_results(self.folder, self)
            self.discard()

    def discard(self) -> None:
        """Remove the scratch folder (once its results are committed, or not wanted)."""
        if self.spill_folder is not None:
            _remove(self.spill_folder)


def remove_scratch(folder: Path) -> None:
    """Remove the scratch folders of builds no longer running (killed ones)."""
    for path in Path(folder).glob(".results-*"):
        if ended(path.name.split("-")[1].split(".")[0]):
            _remove(path)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def ended(pid: str) -> bool:
    """Whether the process whose id a scratch file's name carries (``pid``, as written) has
    ended: its files are left over from a killed build."""
    return pid.isdigit() and not _running(int(pid))


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: running
        return True
    return True
