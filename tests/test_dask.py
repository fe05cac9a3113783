"""compare build --scheduler: the same build on a Dask distributed cluster, here started on the
loopback address, gives byte-identical tables to a build on this machine's workers."""


import pytest

from compare.synth import generate
from tests.conftest import compare_build, run_build, tree_hashes

pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def corpus(raw_dir, tmp_path_factory):
    work = tmp_path_factory.mktemp("dask")
    generate(raw_dir, work, 45, seed=3)  # more plans than a build does in its own process
    return work


def _build(raw, out, *extra):
    return compare_build(raw, out, "--jobs", "2", *extra)


def test_a_build_on_a_dask_cluster_gives_the_same_tables(corpus):
    from distributed import Client, LocalCluster, get_task_stream

    _build(corpus / "raw", corpus / "local")
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            host="127.0.0.1",
            processes=True,
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        with get_task_stream(client) as stream:
            _build(corpus / "raw", corpus / "cluster", "--scheduler", cluster.scheduler_address)
    assert len(stream.data) > 0  # the batches ran on the cluster's workers
    assert tree_hashes(corpus / "cluster") == tree_hashes(corpus / "local")
    assert len(tree_hashes(corpus / "local")) >= 25


def test_no_scheduler_at_the_address_is_said_plainly(corpus, tmp_path):
    done = run_build(
        corpus / "raw", tmp_path / "out", "--scheduler", "tcp://127.0.0.1:9", timeout=120
    )
    assert done.returncode == 1 and "no Dask scheduler answers at tcp://127.0.0.1:9" in done.stderr
    assert "Traceback" not in done.stderr
