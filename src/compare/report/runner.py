"""``compare reports``: run every report notebook with papermill, export HTML and Excel, write an index.

Reports are made from tables already built (``data/processed``); a notebook never parses raw
files. Each (report, plan) job runs in its own kernel; up to ``jobs`` run at once. A failed
job is recorded with its error and the others go on; the index lists both.

Layout::

    reports/index.html
    reports/<report>/<plan>.ipynb   executed notebook
    reports/<report>/<plan>.html    offline HTML (no code, no external resources)
    reports/<report>/<plan>.xlsx    the tables behind the report
"""
from __future__ import annotations

import html
import os
import traceback
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from compare.config import NOTEBOOKS_DIR, PROCESSED_DATA_DIR, REPORTS_DIR
from compare.errors import CompareError
from compare.report import export, views
from compare.report.kernel import PAPERMILL_OPTIONS

OVERVIEW = "overview"


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    per_plan: bool
    parameters: tuple[str, ...]  # notebook parameters the runner sets (besides processed_dir)


REPORTS = {
    "plan_profile": Report("plan_profile", "方案概况 Plan profile", True, ("plan",)),
    "coverage": Report("coverage", "承诺覆盖 Coverage", True, ("plans",)),
    "drift": Report("drift", "文本漂移 Drift", True, ("plan",)),
    OVERVIEW: Report(OVERVIEW, "总览 Overview", False, ()),
}


@dataclass
class Job:
    report: str
    plan: str
    status: str = "pending"   # ok | failed
    error: str | None = None
    summary: str = ""
    files: dict[str, str] = field(default_factory=dict)


def report_frames(report: str, tables: dict[str, pd.DataFrame], plan: str) -> dict[str, pd.DataFrame]:
    """The tables behind a report, as the reader sees them (sheet name → frame)."""
    docs = tables["documents"]
    plans = docs.loc[docs["role"] == "plan", "doc_id"].tolist()
    if report == "plan_profile":
        return {"基本信息": views.metadata_table(docs, plan), "章节结构": views.outline_table(tables["sections"], plan),
                "量化目标": views.targets_table(tables["targets"], plan), "重点任务": views.tasks_table(tables["tasks"], plan)}
    if report == "coverage":
        return {"承诺覆盖": views.coverage_evidence(tables["coverage"], [plan])}
    if report == "drift":
        return {"漂移概况": tables["drift"][tables["drift"]["doc_id"] == plan].reset_index(drop=True),
                "条款对照": views.alignments_table(tables["alignments"], plan)}
    return {"方案": views.plans_table(docs, plans), "模板漂移": views.drift_overview(tables["drift"], plans).reset_index(),
            "谱系": views.lineage_table(tables["lineage"], plans), "承诺覆盖": views.coverage_evidence(tables["coverage"])}


def summary_line(report: str, tables: dict[str, pd.DataFrame], plan: str) -> str:
    """One line for the index: what the report says in brief."""
    if report == "plan_profile":
        n_targets = int(((tables["targets"]["doc_id"] == plan) & (tables["targets"]["kind"] == "target")).sum())
        n_tasks = int((tables["tasks"]["doc_id"] == plan).sum())
        n_measures = int((tables["measures"]["doc_id"] == plan).sum())
        return f"{n_measures} 条款 clauses · {n_targets} 量化目标 targets · {n_tasks} 项任务 tasks"
    if report == "coverage":
        c = tables["coverage"][tables["coverage"]["doc_id"] == plan]
        return f"覆盖 {int(c['is_covered'].sum())}/{len(c)} 项承诺 commitments covered"
    if report == "drift":
        from compare.analysis.parents import default_reference

        docs, drift = tables["documents"], tables["drift"]
        templates = set(docs.loc[docs["role"] == "template", "doc_id"])
        ref = default_reference(tables["lineage"], plan, templates)
        row = drift[(drift["doc_id"] == plan) & (drift["reference_doc_id"] == ref)]
        if ref is None or row.empty:
            return "无模板可比 no template to compare"
        rate = float(row["copy_rate"].iloc[0])
        return f"对照上级文件 reference {ref}，沿用率 copy rate {rate:.0%}"
    return f"{int((tables['documents']['role'] == 'plan').sum())} 个方案 plans side by side"


def plan_jobs(tables: dict[str, pd.DataFrame], plans=None, reports=None) -> list[Job]:
    from compare.analysis.select import as_list, resolve_docs

    names = as_list(reports) or list(REPORTS)
    unknown = [r for r in names if r not in REPORTS]
    if unknown:
        raise CompareError(f"unknown report(s) {', '.join(unknown)}; choose among: {', '.join(REPORTS)}")
    doc_ids = resolve_docs(tables["documents"], plans)
    jobs = [Job(r, d) for r in names if REPORTS[r].per_plan for d in doc_ids]
    return jobs + [Job(r, "all") for r in names if not REPORTS[r].per_plan]


def run_job(job: Job, tables: dict[str, pd.DataFrame], processed_dir: Path, out_dir: Path) -> Job:
    """Execute one notebook, export its HTML and workbook. Never raises: failures are recorded."""
    import papermill

    report = REPORTS[job.report]
    folder = out_dir / job.report
    folder.mkdir(parents=True, exist_ok=True)
    stem = job.plan
    nb_out, html_out, xlsx_out = folder / f"{stem}.ipynb", folder / f"{stem}.html", folder / f"{stem}.xlsx"
    params = {"processed_dir": str(Path(processed_dir).resolve())}
    if "plan" in report.parameters:
        params["plan"] = job.plan
    if "plans" in report.parameters:
        params["plans"] = [job.plan]
    try:
        # no cwd= here: papermill would chdir the whole process, which breaks the other threads
        papermill.execute_notebook(str(NOTEBOOKS_DIR / f"{job.report}.ipynb"), str(nb_out), parameters=params,
                                   progress_bar=False, kernel_name="python3", **PAPERMILL_OPTIONS)
        export.write_workbook(report_frames(job.report, tables, job.plan), xlsx_out)
        title = f"{report.title} · {_plan_name(tables, job.plan)}"
        nav = [("← 报告目录 index", "../index.html"), ("下载数据 Excel", xlsx_out.name)]
        html_out.write_text(export.page(title, export.notebook_body(nb_out), nav=nav,
                                        footer=f"compare · {job.report} · {job.plan}"), encoding="utf-8")
        job.status, job.summary = "ok", summary_line(job.report, tables, job.plan)
        job.files = {"html": html_out.relative_to(out_dir).as_posix(), "xlsx": xlsx_out.relative_to(out_dir).as_posix(),
                     "ipynb": nb_out.relative_to(out_dir).as_posix()}
    except Exception as exc:  # one failed report must not stop the batch
        job.status = "failed"
        job.error = _explain(exc)
        (folder / f"{stem}.error.txt").write_text(traceback.format_exc(), encoding="utf-8")
    return job


def _explain(exc: Exception) -> str:
    """The domain message of a notebook failure (a CompareError inside the kernel), not the stack."""
    text = str(exc)
    for line in reversed(text.splitlines()):
        if line.startswith(("CompareError:", "DocumentError:", "SchemaError:")):
            return line.split(":", 1)[1].strip()
    return text.strip().splitlines()[-1][:300] if text.strip() else type(exc).__name__


def _plan_name(tables, plan: str) -> str:
    if plan == "all":
        return "全部方案 all plans"
    from compare.report.plots import plan_labels

    return f"{plan_labels(tables['documents'], [plan])[0]}（{plan}）"


def run_reports(processed_dir: str | Path = PROCESSED_DATA_DIR, out_dir: str | Path = REPORTS_DIR, *, plans=None,
                reports=None, jobs: int | None = None, progress: bool = False) -> list[Job]:
    """Run the selected reports for the selected plans; write ``index.html``; return every job."""
    from compare.build import load_tables

    processed_dir, out_dir = Path(processed_dir).resolve(), Path(out_dir).resolve()
    tables = load_tables(processed_dir)
    todo = plan_jobs(tables, plans, reports)
    _check_writable(out_dir)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
    done: list[Job] = []
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(run_job, job, tables, processed_dir, out_dir) for job in todo]
        iterator = as_completed(futures)
        if progress:
            from tqdm import tqdm

            iterator = tqdm(iterator, total=len(futures), desc="Reports", unit="report")
        for f in iterator:
            done.append(f.result())
    order = {(j.report, j.plan): i for i, j in enumerate(todo)}
    done.sort(key=lambda j: order[(j.report, j.plan)])
    write_index(_with_earlier_reports(done, tables, out_dir), tables, out_dir, _build_problems(processed_dir))
    return done


def _check_writable(out_dir: Path) -> None:
    """Say plainly, before any notebook runs, that the reports folder cannot be written."""
    import tempfile

    from compare.store import writing_error

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out_dir):
            pass
    except OSError as exc:
        raise CompareError(writing_error(out_dir, exc)) from exc


def _with_earlier_reports(done: list[Job], tables, out_dir: Path) -> list[Job]:
    """This run's jobs plus reports made earlier that are still on disk (the index lists everything)."""
    ran = {(j.report, j.plan): j for j in done}
    out = []
    for job in plan_jobs(tables):
        if (job.report, job.plan) in ran:
            out.append(ran[(job.report, job.plan)])
        elif (out_dir / job.report / f"{job.plan}.html").exists():
            job.status, job.summary = "ok", summary_line(job.report, tables, job.plan)
            job.files = {k: f"{job.report}/{job.plan}.{k}" for k in ("html", "xlsx", "ipynb")}
            out.append(job)
    return out


def _build_problems(processed_dir: Path) -> list[str]:
    """Raw files the last build could not read (from build_report.json), in the build's words."""
    import json

    path = processed_dir / "build_report.json"
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    return [m for f in data.get("files", []) if f.get("status") in ("error", "skipped") for m in f.get("messages", [])]


def write_index(jobs: list[Job], tables: dict[str, pd.DataFrame], out_dir: Path,
                build_problems: list[str] = ()) -> Path:
    """``reports/index.html``: every report with its one-line summary, failures with their reason."""
    esc = html.escape
    parts = ["<h1>政策文本对比报告 · Reports</h1>",
             "<p>每份报告均可离线打开；“Excel”为报告所依据的数据表。Every report opens offline; "
             "“Excel” holds the tables behind it.</p>"]
    if build_problems:
        parts.append("<h2>未能读取的文件 · Files that could not be read</h2><ul>"
                     + "".join(f"<li>{esc(m)}</li>" for m in build_problems) + "</ul>")
    for name, report in REPORTS.items():
        rows = [j for j in jobs if j.report == name]
        if not rows:
            continue
        parts.append(f"<h2>{esc(report.title)}</h2><table><thead><tr><th>方案 plan</th><th>摘要 summary</th>"
                     "<th>文件 files</th></tr></thead><tbody>")
        for j in rows:
            if j.status == "ok":
                files = (f'<a href="{esc(j.files["html"], quote=True)}">HTML</a> · '
                         f'<a href="{esc(j.files["xlsx"], quote=True)}">Excel</a>')
                summary = esc(j.summary)
            else:
                files, summary = "—", f'<strong style="color:#a50e0e">失败 failed</strong>: {esc(j.error or "")}'
            parts.append(f"<tr><td>{esc(_plan_name(tables, j.plan))}</td><td>{summary}</td><td>{files}</td></tr>")
        parts.append("</tbody></table>")
    failed = sum(j.status != "ok" for j in jobs)
    footer = f"{len(jobs) - failed} 份报告生成 reports made, {failed} 份失败 failed"
    path = out_dir / "index.html"
    path.write_text(export.page("政策文本对比报告 · Reports", "".join(parts), footer=footer), encoding="utf-8")
    return path
