"""Every hostile file of the probe in one raw folder with two good plans: ``compare build``,
run as a user runs it and held to a memory ceiling, builds the good plans and names every other
file with its reason; the build's largest process stays under a stated bound, and nothing waits
for a clock (there is none)."""

import json
import resource
import subprocess
import sys

from compare.store import load_tables
from tests.conftest import tree_hashes
from tests.hostile import hostile_folder
from tests.test_hostile_inputs import GOOD

#: The memory ceiling the build runs under (each process's private memory, RLIMIT_DATA).
CEILING = 4 * 2**30
#: The most memory (resident) any one process of the build may reach: generous, against the
#: 18.6 GiB a single hostile PDF once took.
PEAK_BOUND = 3 * 2**30


def _under_ceiling():
    resource.setrlimit(resource.RLIMIT_DATA, (CEILING, CEILING))


def test_a_folder_of_every_hostile_file_builds_its_good_plans(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    second = GOOD.replace("良好区", "友好区").replace("良政发", "友政发")
    expected = hostile_folder(raw, (GOOD, second))
    before = tree_hashes(raw)
    command = [sys.executable, "-m", "compare.cli", "build", "--raw", str(raw), "--out",
               str(out), "--no-progress", "--jobs", "2"]
    # the timeout only keeps a broken build from hanging the suite: no limit is a clock
    done = subprocess.run(command, capture_output=True, text=True, timeout=900,
                          preexec_fn=_under_ceiling, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    assert peak < PEAK_BOUND, f"a process of the build reached {peak / 2**30:.1f} GiB"

    report = json.loads((out / "build_report.json").read_text(encoding="utf-8"))
    files = {f["source_file"]: f for f in report["files"]}
    assert set(files) == set(expected)
    for name, (status, words) in expected.items():
        said = " ".join(files[name]["messages"])
        assert not status or files[name]["status"] == status, (name, files[name])
        assert words in said, (name, said)
        if files[name]["status"] != "ok":
            assert said.startswith(name), said  # named by the file, in its message
    built = set(load_tables(out)["documents"]["source_file"])
    assert {"plans/good_1.txt", "plans/good_2.txt", "plans/残疾人规划.txt"} <= built
    assert tree_hashes(raw) == before
