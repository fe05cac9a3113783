"""``compare reports``: run every report notebook with papermill; export HTML, PDF and Excel;
write an index.

Reports are made from tables already built (``data/processed``); a notebook never parses raw
files. Each (report, plan) job runs in its own kernel; up to ``jobs`` run at once. A failed
job is recorded with its error and the others go on; the index lists both.

Layout (the folder a policy office receives; the executed notebooks sit apart)::

    reports/index.html
    reports/<report>/<plan>.html              offline HTML (no code, fonts embedded)
    reports/<report>/<plan>.pdf               the same page printed to A4 (needs Chromium)
    reports/<report>/<plan>.xlsx              the tables behind the report
    reports/_notebooks/<report>/<plan>.ipynb  the executed notebook, for analysts

Reports of plans no longer in the build are removed from it.
"""

from __future__ import annotations

import datetime as dt
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
from compare.report.findings import reference_of
from compare.report.kernel import PAPERMILL_OPTIONS

OVERVIEW = "overview"
#: Where the executed notebooks go, apart from what readers receive.
NOTEBOOKS_SUBDIR = "_notebooks"
#: Files a report leaves in its folder, by kind.
KINDS = ("html", "pdf", "xlsx")


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    title_en: str
    per_plan: bool
    parameters: tuple[str, ...]  # notebook parameters the runner sets (besides processed_dir)


REPORTS = {
    "plan_profile": Report("plan_profile", "方案概况", "Plan profile", True, ("plan",)),
    "coverage": Report("coverage", "承诺覆盖", "Coverage of commitments", True, ("plans",)),
    "drift": Report("drift", "文本漂移与谱系", "Wording drift and lineage", True, ("plan",)),
    OVERVIEW: Report(OVERVIEW, "总览", "Overview", False, ()),
}


@dataclass
class Job:
    report: str
    plan: str
    status: str = "pending"  # ok | failed
    error: str | None = None
    summary: str = ""
    files: dict[str, str] = field(default_factory=dict)


#: The index's opening line for Chinese readers.
INDEX_INTRO_ZH = (
    "<p>每份报告均可离线打开；PDF 为打印版，"
    "Excel 为报告所依据的数据表。</p>"
)
#: Sheet names of the workbooks, by language.
SHEETS = {
    "zh": {
        "findings": "主要发现",
        "metadata": "基本信息",
        "outline": "章节结构",
        "targets": "量化目标",
        "tasks": "重点任务",
        "evidence": "承诺覆盖",
        "gaps": "未涉及的承诺",
        "drift": "漂移概况",
        "target_changes": "量化目标变化",
        "alignments": "条款对照",
        "lineage": "谱系",
        "plans": "方案",
        "drift_overview": "模板沿用率",
        "similarity": "方案间相似度",
    },
    "en": {
        "findings": "Findings",
        "metadata": "Metadata",
        "outline": "Outline",
        "targets": "Targets",
        "tasks": "Tasks",
        "evidence": "Coverage",
        "gaps": "Not covered",
        "drift": "Drift",
        "target_changes": "Target changes",
        "alignments": "Clause pairs",
        "lineage": "Lineage",
        "plans": "Plans",
        "drift_overview": "Template copy rates",
        "similarity": "Plan similarity",
    },
}


def report_findings(
    report: str, tables: dict[str, pd.DataFrame], plan: str, lang: str = "zh"
) -> list[str]:
    """The findings sentences at the top of a report (as its notebook shows them)."""
    from compare.report import findings

    docs = tables["documents"]
    if report == "plan_profile":
        return findings.profile_findings(tables, plan, lang)
    if report == "coverage":
        return findings.coverage_findings(tables["coverage"], docs, plan, lang)
    if report == "drift":
        ref = reference_of(tables, plan)
        return findings.drift_findings(
            tables["drift"], tables["target_changes"], tables["lineage"], docs, plan, ref, lang
        )
    plans = docs.loc[docs["role"] == "plan", "doc_id"].tolist()
    return findings.overview_findings(tables, plans, lang)


def report_frames(
    report: str, tables: dict[str, pd.DataFrame], plan: str, lang: str = "zh"
) -> dict[str, pd.DataFrame]:
    """The tables behind a report, as the reader sees them (sheet name → frame), its findings
    and method notes first."""
    from compare.report.terms import header, method_notes

    docs = tables["documents"]
    plans = docs.loc[docs["role"] == "plan", "doc_id"].tolist()
    found = report_findings(report, tables, plan, lang)
    notes = method_notes(
        *(("overview", "coverage", "drift") if report == OVERVIEW else (report,)), lang=lang
    )
    finding, method = ("发现", "方法说明") if lang == "zh" else ("finding", "method")
    frames = {
        "findings": pd.DataFrame(
            {
                header("field", lang): [finding] * len(found) + [method] * len(notes),
                header("value", lang): [*found, *notes],
            }
        )
    }
    if report == "plan_profile":
        frames |= {
            "metadata": views.metadata_table(docs, plan, lang),
            "outline": views.outline_table(tables["sections"], plan, lang),
            "targets": views.targets_table(tables["targets"], plan, lang),
            "tasks": views.tasks_table(tables["tasks"], plan, lang),
        }
    elif report == "coverage":
        frames |= {
            "evidence": views.coverage_evidence(tables["coverage"], docs, [plan], lang),
            "gaps": views.coverage_gaps(tables["coverage"], docs, [plan], lang),
        }
    elif report == "drift":
        ref = reference_of(tables, plan)
        frames |= {
            "drift": views.drift_summary(tables["drift"], docs, plan, lang),
            "target_changes": views.target_changes_table(
                tables["target_changes"], docs, plan, lang
            ),
            "alignments": views.alignments_table(tables["alignments"], docs, plan, ref, lang),
            "lineage": views.lineage_table(tables["lineage"], docs, [plan], lang),
            "similarity": views.similarity_table(
                views.similarity_map(tables["drift"], docs, plan, lang), lang
            ),
        }
    else:
        frames |= {
            "plans": views.plans_table(docs, plans, lang),
            "drift_overview": views.drift_overview(tables["drift"], docs, plans, lang),
            "lineage": views.lineage_table(tables["lineage"], docs, plans, lang),
            "evidence": views.coverage_evidence(tables["coverage"], docs, plans, lang),
            "gaps": views.coverage_gaps(tables["coverage"], docs, plans, lang),
        }
    return {SHEETS[lang][k]: v for k, v in frames.items()}


def summary_line(report: str, tables: dict[str, pd.DataFrame], plan: str, lang: str = "zh") -> str:
    """One line for the index: what the report says in brief."""
    from compare.report.terms import doc_names
    from compare.report.views import percent

    zh = lang == "zh"
    if report == "plan_profile":
        n_targets = int(
            ((tables["targets"]["doc_id"] == plan) & (tables["targets"]["kind"] == "target")).sum()
        )
        n_tasks = int((tables["tasks"]["doc_id"] == plan).sum())
        n_measures = int((tables["measures"]["doc_id"] == plan).sum())
        return (
            f"{n_measures}条条款 · {n_targets}项量化目标 · {n_tasks}项任务"
            if zh
            else f"{n_measures} clauses · {n_targets} targets · {n_tasks} tasks"
        )
    if report == "coverage":
        c = tables["coverage"][tables["coverage"]["doc_id"] == plan]
        covered = int(c["is_covered"].sum())
        if zh:
            return f"承诺了{len(c)}项中的{covered}项"
        return f"{covered} of {len(c)} commitments"
    if report == "drift":
        docs, drift = tables["documents"], tables["drift"]
        ref = reference_of(tables, plan)
        row = drift[(drift["doc_id"] == plan) & (drift["reference_doc_id"] == ref)]
        if ref is None or row.empty:
            return "没有可对照的上级文件" if zh else "no reference text to compare with"
        name = doc_names(docs, lang).get(ref, ref)
        rate = percent(row["copy_rate"].iloc[0])
        return f"对照{name}，沿用率{rate}" if zh else f"against {name}: copy rate {rate}"
    n = int((tables["documents"]["role"] == "plan").sum())
    return f"{n}个方案并列对比" if zh else f"{n} plans side by side"


def made_on() -> str:
    """The date reports are made: today, or ``SOURCE_DATE_EPOCH`` when set (reproducible
    builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    day = (
        dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc).date()
        if epoch
        else dt.date.today()
    )
    return day.isoformat()


def made_line(tables: dict[str, pd.DataFrame], plan: str, lang: str = "zh") -> str:
    """The line under a report's navigation: when it was made, from which source file(s)."""
    from pathlib import PurePosixPath

    docs = tables["documents"]
    if plan == "all":
        n_plans = int((docs["role"] == "plan").sum())
        n_templates = int((docs["role"] == "template").sum())
        source = (
            f"{n_plans}个方案、{n_templates}份上级文件"
            if lang == "zh"
            else f"{n_plans} plans and {n_templates} templates"
        )
    else:
        files = docs.loc[docs["doc_id"] == plan, "source_file"]
        source = PurePosixPath(str(files.iloc[0])).name if len(files) else ""
    return (
        f"生成日期：{made_on()} · 来源文件：{source}"
        if lang == "zh"
        else f"Made on {made_on()} · source: {source}"
    )


def plan_jobs(tables: dict[str, pd.DataFrame], plans=None, reports=None) -> list[Job]:
    from compare.analysis.select import as_list, resolve_docs

    names = as_list(reports) or list(REPORTS)
    unknown = [r for r in names if r not in REPORTS]
    if unknown:
        raise CompareError(
            f"unknown report(s) {', '.join(unknown)}; choose among: {', '.join(REPORTS)}"
        )
    doc_ids = resolve_docs(tables["documents"], plans)
    jobs = [Job(r, d) for r in names if REPORTS[r].per_plan for d in doc_ids]
    return jobs + [Job(r, "all") for r in names if not REPORTS[r].per_plan]


@dataclass(frozen=True)
class Delivery:
    """How reports are made: ``lang`` (zh, or en), ``pdf`` (print each page to A4 PDF with
    Chromium; skipped with a note when Chromium is missing), ``embed_font`` (a Chinese font cut
    to each page's characters inside the page)."""

    lang: str = "zh"
    pdf: bool = True
    embed_font: bool = True


def run_job(
    job: Job,
    tables: dict[str, pd.DataFrame],
    processed_dir: Path,
    out_dir: Path,
    delivery: Delivery = Delivery(),
) -> Job:
    """Execute one notebook, export its HTML, PDF and workbook. Never raises: failures are
    recorded."""
    import papermill

    report = REPORTS[job.report]
    folder, nb_folder = out_dir / job.report, out_dir / NOTEBOOKS_SUBDIR / job.report
    folder.mkdir(parents=True, exist_ok=True)
    nb_folder.mkdir(parents=True, exist_ok=True)
    stem, lang = job.plan, delivery.lang
    nb_out = nb_folder / f"{stem}.ipynb"
    out = {kind: folder / f"{stem}.{kind}" for kind in KINDS}
    params = {"processed_dir": str(Path(processed_dir).resolve()), "lang": lang}
    if "plan" in report.parameters:
        params["plan"] = job.plan
    if "plans" in report.parameters:
        params["plans"] = [job.plan]
    try:
        # no cwd= here: papermill would chdir the whole process, which breaks the other threads
        papermill.execute_notebook(
            str(NOTEBOOKS_DIR / f"{job.report}.ipynb"),
            str(nb_out),
            parameters=params,
            progress_bar=False,
            kernel_name="python3",
            **PAPERMILL_OPTIONS,
        )
        export.write_workbook(report_frames(job.report, tables, job.plan, lang), out["xlsx"])
        zh = lang == "zh"
        title = f"{report.title if zh else report.title_en} · {_plan_name(tables, job.plan, lang)}"
        nav = [
            ("← 报告目录" if zh else "← Index", "../index.html"),
            ("下载数据（Excel）" if zh else "Data (Excel)", out["xlsx"].name),
        ]
        if delivery.pdf:
            nav.append(("打印版（PDF）" if zh else "Print (PDF)", out["pdf"].name))
        out["html"].write_text(
            export.page(
                title,
                export.notebook_body(nb_out),
                nav=nav,
                made=made_line(tables, job.plan, lang),
                footer="compare 政策文本对比" if zh else "compare",
                embed_font=delivery.embed_font,
                lang=lang,
            ),
            encoding="utf-8",
        )
        kinds = ["html", "xlsx"]
        if delivery.pdf:
            from compare.report.pdf import write_pdf

            write_pdf(out["html"], out["pdf"])
            kinds.append("pdf")
        job.status, job.summary = "ok", summary_line(job.report, tables, job.plan, lang)
        job.files = {k: out[k].relative_to(out_dir).as_posix() for k in kinds}
        job.files["ipynb"] = nb_out.relative_to(out_dir).as_posix()
    except Exception as exc:  # one failed report must not stop the batch
        job.status = "failed"
        job.error = _explain(exc)
        (nb_folder / f"{stem}.error.txt").write_text(traceback.format_exc(), encoding="utf-8")
    return job


def _explain(exc: Exception) -> str:
    """The domain message of a notebook failure (a CompareError inside the kernel), not the
    stack."""
    text = str(exc)
    for line in reversed(text.splitlines()):
        if line.startswith(("CompareError:", "DocumentError:", "SchemaError:")):
            return line.split(":", 1)[1].strip()
    if isinstance(exc, CompareError):
        return text
    return text.strip().splitlines()[-1][:300] if text.strip() else type(exc).__name__


def _plan_name(tables, plan: str, lang: str = "zh") -> str:
    """A report's plan as a reader names it (全部方案 for the overview)."""
    if plan == "all":
        return "全部方案" if lang == "zh" else "all plans"
    from compare.report.terms import doc_names

    return doc_names(tables["documents"], lang).get(plan, plan)


def run_reports(
    processed_dir: str | Path = PROCESSED_DATA_DIR,
    out_dir: str | Path = REPORTS_DIR,
    *,
    plans=None,
    reports=None,
    jobs: int | None = None,
    progress: bool = False,
    lang: str = "zh",
    pdf: bool | None = None,
    embed_font: bool = True,
) -> list[Job]:
    """Run the selected reports for the selected plans; write ``index.html``; return every job.

    ``lang``: the reports' language (zh, or en). ``pdf``: also print each page to PDF (default:
    when Chromium is installed). ``embed_font``: embed a Chinese font in each page. Reports of
    plans no longer in the build are removed from ``out_dir``.
    """
    from compare.build import load_tables
    from compare.report.pdf import chromium
    from compare.report.terms import language

    delivery = Delivery(language(lang), chromium() is not None if pdf is None else pdf, embed_font)
    processed_dir, out_dir = Path(processed_dir).resolve(), Path(out_dir).resolve()
    tables = load_tables(processed_dir)
    todo = plan_jobs(tables, plans, reports)
    _check_writable(out_dir)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
    done: list[Job] = []
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [
            pool.submit(run_job, job, tables, processed_dir, out_dir, delivery) for job in todo
        ]
        iterator = as_completed(futures)
        if progress:
            from tqdm import tqdm

            iterator = tqdm(iterator, total=len(futures), desc="Reports", unit="report")
        for f in iterator:
            done.append(f.result())
    order = {(j.report, j.plan): i for i, j in enumerate(todo)}
    done.sort(key=lambda j: order[(j.report, j.plan)])
    remove_stale_reports(tables, out_dir)
    write_index(
        _with_earlier_reports(done, tables, out_dir, delivery.lang),
        tables,
        out_dir,
        _build_problems(processed_dir),
        delivery,
    )
    return done


def remove_stale_reports(tables: dict[str, pd.DataFrame], out_dir: Path) -> list[Path]:
    """Delete the reports (HTML, PDF, Excel, notebook, error note) of plans no longer in the
    build, and notebooks left beside the HTML by earlier versions. Only files this runner
    writes are touched. Returns what was removed."""
    current = {(j.report, j.plan) for j in plan_jobs(tables)}
    removed = []
    for name in REPORTS:
        for folder in (out_dir / name, out_dir / NOTEBOOKS_SUBDIR / name):
            if not folder.is_dir():
                continue
            for path in sorted(folder.iterdir()):
                stem = path.name.split(".", 1)[0]
                ours = path.name.endswith((".html", ".pdf", ".xlsx", ".ipynb", ".error.txt"))
                old_notebook = folder == out_dir / name and path.suffix == ".ipynb"
                if path.is_file() and ours and ((name, stem) not in current or old_notebook):
                    path.unlink()
                    removed.append(path)
    return removed


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


def _with_earlier_reports(done: list[Job], tables, out_dir: Path, lang: str = "zh") -> list[Job]:
    """This run's jobs plus reports made earlier that are still on disk (the index lists
    everything)."""
    ran = {(j.report, j.plan): j for j in done}
    out = []
    for job in plan_jobs(tables):
        if (job.report, job.plan) in ran:
            out.append(ran[(job.report, job.plan)])
        elif (out_dir / job.report / f"{job.plan}.html").exists():
            job.status, job.summary = "ok", summary_line(job.report, tables, job.plan, lang)
            job.files = {
                k: f"{job.report}/{job.plan}.{k}"
                for k in KINDS
                if (out_dir / job.report / f"{job.plan}.{k}").exists()
            }
            out.append(job)
    return out


def _build_problems(processed_dir: Path) -> list[str]:
    """Raw files the last build could not read (from its report in the store), in the build's
    words."""
    from compare import store

    data = store.report(processed_dir) or {}
    return [
        m
        for f in data.get("files", [])
        if f.get("status") in ("error", "skipped")
        for m in f.get("messages", [])
    ]


def write_index(
    jobs: list[Job],
    tables: dict[str, pd.DataFrame],
    out_dir: Path,
    build_problems: list[str] = (),
    delivery: Delivery = Delivery(),
) -> Path:
    """``reports/index.html``: every report with its one-line summary and its files (HTML, PDF,
    Excel), failures with their reason."""
    esc = html.escape
    zh = delivery.lang == "zh"
    title = "政策文本对比报告" if zh else "Policy plan comparison reports"
    parts = [
        f"<h1>{title}</h1>",
        INDEX_INTRO_ZH
        if zh
        else "<p>Every report opens offline; the PDF is for print, the Excel workbook holds the "
        "tables behind it.</p>",
    ]
    if build_problems:
        parts.append(
            f"<h2>{'未能读取的文件' if zh else 'Files that could not be read'}</h2><ul>"
            + "".join(f"<li>{esc(m)}</li>" for m in build_problems)
            + "</ul>"
        )
    heads = ("方案", "摘要", "文件") if zh else ("Plan", "Summary", "Files")
    labels = (
        {"html": "网页", "pdf": "PDF", "xlsx": "Excel"}
        if zh
        else {"html": "HTML", "pdf": "PDF", "xlsx": "Excel"}
    )
    for name, report in REPORTS.items():
        rows = [j for j in jobs if j.report == name]
        if not rows:
            continue
        parts.append(
            f"<h2>{esc(report.title if zh else report.title_en)}</h2><table><thead><tr>"
            + "".join(f"<th>{h}</th>" for h in heads)
            + "</tr></thead><tbody>"
        )
        for j in rows:
            if j.status == "ok":
                files = " · ".join(
                    f'<a href="{esc(j.files[k], quote=True)}">{labels[k]}</a>'
                    for k in KINDS
                    if k in j.files
                )
                summary = esc(j.summary)
            else:
                failed = "未能生成" if zh else "failed"
                files = "—"
                summary = f'<strong style="color:#a50e0e">{failed}</strong>：{esc(j.error or "")}'
            parts.append(
                f"<tr><td>{esc(_plan_name(tables, j.plan, delivery.lang))}</td>"
                f"<td>{summary}</td><td>{files}</td></tr>"
            )
        parts.append("</tbody></table>")
    failed = sum(j.status != "ok" for j in jobs)
    footer = (
        f"生成{len(jobs) - failed}份报告，{failed}份未能生成"
        if zh
        else f"{len(jobs) - failed} reports made, {failed} failed"
    )
    made = f"生成日期：{made_on()}" if zh else f"Made on {made_on()}"
    path = out_dir / "index.html"
    path.write_text(
        export.page(
            title,
            "".join(parts),
            footer=footer,
            made=made,
            embed_font=delivery.embed_font,
            lang=delivery.lang,
        ),
        encoding="utf-8",
    )
    return path
