"""Notebooks run top to bottom under papermill with parameters, and charts draw Chinese."""

import base64
import warnings

import nbformat
import pytest

from compare.config import NOTEBOOKS_DIR


@pytest.fixture(scope="module")
def processed(built, tmp_path_factory):
    from compare.build import write_tables

    out = tmp_path_factory.mktemp("processed")
    write_tables(built[0], out, built[1])
    return out


def run(name, tmp_path, **parameters):
    import papermill

    out = tmp_path / f"out-{name}"
    from compare.report.kernel import PAPERMILL_OPTIONS

    papermill.execute_notebook(
        str(NOTEBOOKS_DIR / name),
        str(out),
        parameters=parameters,
        progress_bar=False,
        kernel_name="python3",
        **PAPERMILL_OPTIONS,
    )
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    text = "\n".join(
        o.get("text", "")
        if o.get("output_type") == "stream"
        else str(o.get("data", {}).get("text/html", o.get("data", {}).get("text/plain", "")))
        for o in outputs
    )
    images = [
        base64.b64decode(o["data"]["image/png"])
        for o in outputs
        if "image/png" in o.get("data", {})
    ]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert "missing from" not in text  # matplotlib's warning for a glyph the font lacks
    return text, images


def test_coverage_notebook_defaults(processed, tmp_path):
    text, images = run("coverage.ipynb", tmp_path, processed_dir=str(processed))
    assert "承诺覆盖 · 5个方案" in text and "同江市承诺了53项中的41项" in text
    assert len(images) == 2 and all(img[:8] == b"\x89PNG\r\n\x1a\n" for img in images)
    assert "200张床位" in text


def test_coverage_notebook_parameters(processed, tmp_path):
    text, _ = run(
        "coverage.ipynb",
        tmp_path,
        processed_dir=str(processed),
        plans='["朝阳区", "haidian"]',
        commitments="bed_200_facility, home_accessibility_retrofit",
        lang="en",
        custom_keywords=["免费乘车"],
    )
    assert "Coverage of commitments: 朝阳区、海淀区" in text
    assert "朝阳区 commits to 2 of 2 commitments" in text
    assert "Barrier-free retrofit" in text and "免费乘车" in text
    # the ad-hoc commitment too is shown for the chosen plans only
    assert "丰台区" not in text and "巴南区" not in text


def test_charts_have_every_chinese_glyph(built):
    from compare.analysis.coverage import select
    from compare.report.plots import coverage_heatmap, use_cjk_font

    assert use_cjk_font().startswith("Noto Sans CJK")  # the bundled font, not a system one
    tables = built[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph … missing from font" would fail here
        fig = coverage_heatmap(select(tables["coverage"], tables["documents"]), tables["documents"])
        fig.canvas.draw()
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert "朝阳区" in labels


def test_drift_notebook(processed, tmp_path):
    text, images = run(
        "drift.ipynb",
        tmp_path,
        processed_dir=str(processed),
        plan="丰台区",
        reference="beijing-2016-8",
        section="总体要求",
    )
    assert (
        "对照文件：京政发〔2016〕8号《北京市人民政府关于加快推进残疾人小康进程的实施意见》" in text
    )
    assert len(images) == 3  # lineage diagram, edits by section, similarity map
    assert "仅改地名" in text and "jurisdiction_only" not in text


def test_drift_notebook_defaults_to_the_plans_parent(processed, tmp_path):
    # 巴南's 十四五 plan cites 国发〔2021〕10号: that, not the 2015 opinion, is its reference
    text, _ = run("drift.ipynb", tmp_path, processed_dir=str(processed), plan="巴南区")
    assert "对照文件：国发〔2021〕10号《“十四五”残疾人保障和发展规划》" in text
    text, _ = run(
        "drift.ipynb", tmp_path, processed_dir=str(processed), plan="巴南区", reference="national"
    )
    assert "对照文件：国发〔2015〕7号《国务院关于加快推进残疾人小康进程的意见》" in text


def test_notebooks_run_quietly_in_a_local_socket_kernel(processed, tmp_path, capfd):
    """No transport warning: the kernel listens on Unix sockets, not on TCP."""
    run("plan_profile.ipynb", tmp_path, processed_dir=str(processed))
    err = capfd.readouterr().err
    assert "without encryption" not in err and "WARNING" not in err
    assert "KeyboardInterrupt" not in err + capfd.readouterr().out  # stopped without an interrupt


@pytest.mark.parametrize("name", sorted(p.name for p in NOTEBOOKS_DIR.glob("*.ipynb")))
def test_every_notebook_runs_from_the_notebooks_folder(name, processed, tmp_path):
    """JupyterLab runs a notebook with its own folder as the working folder."""
    import papermill

    from compare.report.kernel import PAPERMILL_OPTIONS

    papermill.execute_notebook(
        str(NOTEBOOKS_DIR / name),
        str(tmp_path / name),
        parameters={"processed_dir": str(processed)},
        progress_bar=False,
        kernel_name="python3",
        cwd=str(NOTEBOOKS_DIR),
        **PAPERMILL_OPTIONS,
    )
    nb = nbformat.read(tmp_path / name, as_version=4)
    assert not [
        o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"
    ]


def test_similarity_clustermap_groups_the_plans_that_copy_each_other(built):
    from compare.analysis.lineage import plan_similarity
    from compare.report.plots import plan_labels, similarity_clustermap

    tables = built[0]
    sim = plan_similarity(tables["drift"])
    sim.index = sim.columns = plan_labels(tables["documents"], list(sim.columns))
    fig = similarity_clustermap(sim)
    heat = next(ax for ax in fig.axes if ax.get_yticklabels() and ax.get_xticklabels())
    rows = [t.get_text() for t in heat.get_yticklabels()]
    assert sorted(rows) == sorted(sim.index)
    assert all(t.get_rotation() == 0 for t in heat.get_yticklabels())  # read across
    beijing = sorted(rows.index(p) for p in ("朝阳区", "丰台区", "海淀区"))
    assert beijing[2] - beijing[0] == 2  # the three Beijing districts side by side
