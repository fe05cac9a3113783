"""A build of a raw folder holding every hostile file of the probe plus two good plans, under a
memory ceiling on the whole build: prints what became of each file, the build's time and its
peak memory.

    .venv/bin/python benchmarks/hostile.py [--ceiling-gib 4] [--jobs 2]

The ceiling is a memory cgroup (v1 or v2) holding the build and its worker processes, whose
peak the kernel records; where no cgroup can be made (not root, no cgroup file system), each
process gets ``prlimit --data`` instead and the peak is the sum of the processes' resident
memory, sampled every 0.05 s.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.hostile import hostile_folder
from tests.test_hostile_inputs import GOOD


def _cgroup(ceiling: int) -> tuple[Path, str] | None:
    """A new memory cgroup limited to ``ceiling`` bytes and the name of its peak file."""
    for base, limit, peak in (
        (Path("/sys/fs/cgroup/memory"), "memory.limit_in_bytes", "memory.max_usage_in_bytes"),
        (Path("/sys/fs/cgroup"), "memory.max", "memory.peak"),
    ):
        group = base / f"compare-hostile-{os.getpid()}"
        try:
            group.mkdir()
            (group / limit).write_text(str(ceiling))
            if limit == "memory.limit_in_bytes":
                try:  # no swap either, where the kernel counts it
                    (group / "memory.memsw.limit_in_bytes").write_text(str(ceiling))
                except OSError:
                    pass
            return group, peak
        except OSError:
            if group.exists():
                group.rmdir()
    return None


def _tree_rss(pid: int) -> int:
    import psutil

    try:
        proc = psutil.Process(pid)
        return sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)])
    except psutil.Error:
        return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ceiling-gib", type=float, default=4.0)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    ceiling = int(args.ceiling_gib * 2**30)
    with tempfile.TemporaryDirectory() as work:
        raw, out = Path(work) / "raw", Path(work) / "out"
        second = GOOD.replace("良好区", "友好区").replace("良政发", "友政发")
        expected = hostile_folder(raw, (GOOD, second))
        size = sum(p.stat().st_size for p in raw.rglob("*") if p.is_file() and not p.is_symlink())
        print(f"{len(expected)} files, {size / 2**20:.1f} MB on disk; ceiling "
              f"{args.ceiling_gib:g} GiB; jobs {args.jobs}")
        command = [str(ROOT / ".venv/bin/compare"), "build", "--raw", str(raw), "--out", str(out),
                   "--no-progress", "--jobs", str(args.jobs)]
        group = _cgroup(ceiling)
        if group is None:
            command = ["prlimit", f"--data={ceiling}", *command]
        start = time.perf_counter()
        enter = None
        if group is not None:  # the build joins the group before it starts: workers inherit it
            procs = group[0] / "cgroup.procs"
            enter = lambda: procs.write_text(str(os.getpid()))
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, preexec_fn=enter)
        sampled = 0
        while proc.poll() is None:
            sampled = max(sampled, _tree_rss(proc.pid))
            time.sleep(0.05)
        _, stderr = proc.communicate()
        seconds = time.perf_counter() - start
        if group is not None:
            peak, how = int((group[0] / group[1]).read_text()), f"cgroup {group[1]}"
            group[0].rmdir()
        else:
            peak, how = sampled, "sum of resident memory, sampled"
        print(f"exit {proc.returncode}; {seconds:.1f} s; peak memory {peak / 2**30:.2f} GiB "
              f"({how}; sampled resident {sampled / 2**30:.2f} GiB)")
        if proc.returncode:
            print(stderr[-2000:])
            return
        report = json.loads((out / "build_report.json").read_text(encoding="utf-8"))
        for entry in report["files"]:
            said = " ".join(entry["messages"])[:150]
            print(f"  {entry['status']:9} {entry['source_file']:28} {said}")


if __name__ == "__main__":
    main()
