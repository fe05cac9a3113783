"""Work over many documents: batches, worker processes, stage clocks (the cache:
:mod:`compare.cache`).

Parallel work goes through joblib, never hand-made processes: loky worker processes on this
machine, or a Dask distributed cluster (:func:`workers`, ``compare build --scheduler``).
"""

from __future__ import annotations

import gc
import hashlib
import os
import time
import warnings
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path


#: Fewer items than this are done in this process: starting workers costs more than it saves.
MIN_PARALLEL = 40


def default_jobs() -> int:
    """Worker processes for a build: the machine's cores (at least 1)."""
    return max(1, os.cpu_count() or 1)


def run_batches(
    func,
    work: list,
    context,
    *,
    jobs: int = 1,
    progress: bool = False,
    desc: str = "",
    unit: str = "item",
    batch_size: int | None = None,
    release: bool = False,
    min_parallel: int = MIN_PARALLEL,
    crashed=None,
) -> list:
    """``func(batch, *context(batch))`` over ``work`` in batches; results in ``work`` order.

    Serial when ``jobs`` is 1 or there are fewer than ``min_parallel`` items; otherwise
    joblib workers. ``release``: stop the workers afterwards (the last parallel stage of a
    build: idle workers would hold their memory while the tables are put together).
    ``crashed``: when a worker process stops in the middle of a batch (a crash in a native
    library, or the system stopping it for its memory), the batches not done are done again
    one item to a worker, and an item whose worker stops again gets ``crashed(item)`` as its
    result; without it, the error stops the stage.
    """
    if not work:
        return []
    jobs = max(1, jobs)
    parallel = jobs > 1 and len(work) >= min_parallel
    size = batch_size or max(1, min(64, -(-len(work) // (4 * jobs))))
    batches = [work[i : i + size] for i in range(0, len(work), size)]
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(work), desc=desc, unit=unit, leave=False)
    out: list = []
    if not parallel:
        results = (_without_cycle_collection(func, b, *context(b)) for b in batches)
    else:
        from joblib import Parallel, delayed

        results = Parallel(n_jobs=jobs, return_as="generator")(
            delayed(_without_cycle_collection)(func, b, *context(b)) for b in batches
        )
    with warnings.catch_warnings():
        # loky replaces a worker whose memory grew (its caches of compared wordings) and warns
        # that it did; the worker leaves between two batches, so no work is lost: readers are
        # not alarmed by a warning about memory leaks
        warnings.filterwarnings(
            "ignore", message="A worker stopped while some jobs were given to the executor"
        )
        done = 0
        try:
            for b, result in zip(batches, results):
                out += result
                done += 1
                if bar is not None:
                    bar.update(len(b))
        except _worker_stopped():
            if crashed is None:
                raise
            for b in batches[done:]:
                for item in b:
                    out += _alone(func, item, context, crashed)
                    if bar is not None:
                        bar.update(1)
    if bar is not None:
        bar.close()
    if parallel and release:
        _release_workers()
    return out


def _worker_stopped() -> tuple[type[BaseException], ...]:
    """The errors joblib raises when a worker process stops in the middle of its work."""
    from concurrent.futures.process import BrokenProcessPool

    from joblib.externals.loky.process_executor import TerminatedWorkerError

    return (TerminatedWorkerError, BrokenProcessPool)


def _alone(func, item, context, crashed) -> list:
    """``func`` over the one ``item`` in a worker process of its own (so a crash stops only
    that worker), or ``[crashed(item)]`` when that worker stops too."""
    from joblib import Parallel, delayed

    try:
        # two jobs for one task: joblib runs it in a worker process, never in this one
        return Parallel(n_jobs=2)(
            [delayed(_without_cycle_collection)(func, [item], *context([item]))]
        )[0]
    except _worker_stopped():
        return [crashed(item)]


@contextmanager
def workers(scheduler: str | None = None):
    """Where a build's parallel batches run: this machine's worker processes (joblib's loky), or,
    with ``scheduler`` (``tcp://host:8786``), a Dask distributed cluster through joblib's dask
    backend. Yields the number of parallel slots (the cluster's worker threads; None locally).

    Nothing else changes: the same batches, in the same order, give the same tables."""
    if not scheduler:
        yield None
        return
    import joblib
    from dask.distributed import Client

    from compare.errors import CompareError

    try:
        client = Client(scheduler, timeout="10s")
    except OSError as exc:
        raise CompareError(
            f"no Dask scheduler answers at {scheduler} ({exc}); start one with `dask scheduler` "
            "and `dask worker ADDRESS`, or build without --scheduler"
        ) from exc
    try:
        with joblib.parallel_config(backend="dask"):
            yield max(1, sum(client.nthreads().values()))
    finally:
        client.close()


@contextmanager
def no_cycle_collection():
    """Pause Python's cyclic garbage collector for the duration of a heavy stage.

    A build holds millions of small long-lived objects (clauses, cached per-document results,
    alignment rows) and makes almost no reference cycles, yet the collector walks the whole
    heap again each time enough new objects have survived: on a cached rebuild of 2,000 plans
    that was a third of the time. Unused objects are still freed at once (reference counting);
    only cycles, which the build barely makes, wait until the collector runs again afterwards.
    """
    if not gc.isenabled():  # already paused (a build inside a build, or the user's choice)
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _without_cycle_collection(func, *args):
    """``func(*args)`` (a batch, in a worker process or not) with :func:`no_cycle_collection`."""
    with no_cycle_collection():
        return func(*args)


def _release_workers() -> None:
    """Stop joblib's idle local worker processes (under another backend, such as Dask, nothing)."""
    from joblib._parallel_backends import LokyBackend
    from joblib.parallel import get_active_backend

    if isinstance(get_active_backend()[0], LokyBackend):
        from joblib.externals.loky import get_reusable_executor

        get_reusable_executor().shutdown(wait=True)


def release_memory() -> None:
    """Give memory that freed Python objects leave in the C heap back to the system (glibc's
    ``malloc_trim``; elsewhere nothing). Called between the large stages of a build, so the
    next stage's peak does not sit on top of the last one's leftovers."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):
        pass


@lru_cache(maxsize=1)
def code_version() -> str:
    """A hash of the package's code and resources: cached results are reused only by the same
    code."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(
        p for p in root.rglob("*") if p.is_file() and p.suffix in (".py", ".yaml", ".csv", ".json")
    ):
        h.update(path.relative_to(root).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


class StageClock:
    """Wall time per named stage, in the order the stages ran."""

    def __init__(self):
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, stage: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] = round(
                self.seconds.get(stage, 0.0) + time.perf_counter() - start, 3
            )
