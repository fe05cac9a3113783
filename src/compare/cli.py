"""The ``compare`` command: build tables from raw plans, print the data dictionary."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

import click

from compare.analysis.references import REFIT_SHARE
from compare.config import PROCESSED_DATA_DIR, RAW_DATA_DIR, REPORTS_DIR


def folder_option(flag: str, dest: str, **kwargs):
    """A command-line option naming a folder (given as a Path)."""
    return click.option(flag, dest, type=click.Path(file_okay=False, path_type=Path), **kwargs)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="compare")
def main() -> None:
    """Compare Chinese local policy plans with the national and provincial texts they implement.

    Typical use: put plan files in data/raw/plans/ and parent texts (templates) in
    data/raw/templates/, then run `compare build`.
    """


@main.command()
@folder_option(
    "--raw",
    "raw_dir",
    default=RAW_DATA_DIR,
    show_default=True,
    help="Folder of raw plan files (.txt .md .html .docx .pdf, scans as .pdf .png .jpg .tif), "
    "searched recursively. "
    "Files under a 'templates' folder are templates; all others are plans.",
)
@folder_option(
    "--out",
    "out_dir",
    default=PROCESSED_DATA_DIR,
    show_default=True,
    help="Folder for the tables (<table>.parquet and <table>.csv) and build_report.json.",
)
@click.option("--strict", is_flag=True, help="Exit with an error if any file could not be read.")
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Show a progress bar (default: when run in a terminal).",
)
@click.option(
    "--jobs",
    type=int,
    default=None,
    help="Worker processes for large corpora (default: the number of cores; 1 = no workers).",
)
@click.option(
    "--cache/--no-cache",
    default=True,
    show_default=True,
    help="Keep per-document results in the store (<out>/compare.duckdb), so unchanged raw files "
    "are not read and parsed again.",
)
@click.option(
    "--rebuild",
    is_flag=True,
    help="Start a new store (<out>/compare.duckdb): every file is read and every plan aligned "
    "again. For a store that is damaged or from another program; the raw files are not touched.",
)
@click.option(
    "--scheduler",
    default=None,
    metavar="ADDRESS",
    help="Run the per-document and per-plan work on a Dask distributed cluster (tcp://host:8786). "
    "The workers need compare installed; the tables are the same as a local build's.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Build even when nothing has changed since the last build (by default the tables are "
    "then left as they are).",
)
@click.option(
    "--refit",
    is_flag=True,
    help="Fit the references (inferred ancestors, related-plan model) again, even if the last fit "
    "in <out>/references/ could be reused.",
)
@click.option(
    "--refit-share",
    type=click.FloatRange(0, 1),
    default=REFIT_SHARE,
    show_default=True,
    help="Fit the references again when more than this share of the plans were added, changed or "
    "removed since the last fit (a changed template always fits again).",
)
@click.option(
    "--references",
    "references_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Use the fitted references in this folder as given (for instance another "
    "build's <out>/references/): never fitted again nor changed.",
)
@click.option(
    "--limit",
    "limit_options",
    multiple=True,
    metavar="NAME=VALUE",
    help="Change what one raw file may cost to read; repeat for several. Names: file_bytes, "
    "unpacked_bytes, text_chars, html_depth, paragraphs, runs, pages, page_pixels (one scanned "
    "page), "
    "pixels (all scanned pages of a file), memory (bytes reading one file may add) (defaults: "
    "compare.read.limits.Limits). A file over "
    "a limit is refused by name and the rest are built.",
)
@click.option(
    "--follow-links",
    is_flag=True,
    help="Read files that links in the raw folder point to outside it (refused by default).",
)
@click.option(
    "--timings",
    "timings_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the wall time of each stage (read, segment, extract, coverage, align, write) "
    "to this JSON file.",
)
def build(
    raw_dir: Path,
    out_dir: Path,
    strict: bool,
    progress: bool | None,
    jobs: int | None,
    cache: bool,
    scheduler: str | None,
    force: bool,
    rebuild: bool,
    refit: bool,
    refit_share: float,
    references_dir: Path | None,
    limit_options: tuple[str, ...],
    follow_links: bool,
    timings_file: Path | None,
) -> None:
    """Read every plan and template and write the tables (documents, texts …)."""
    import json

    from compare import exports, store
    from compare.analysis.references import FitChoice
    from compare.build import build_tables
    from compare.cache import Cache
    from compare.errors import CompareError, printable_path
    from compare.inputs import fit_key, inputs_key, raw_key
    from compare.parallel import StageClock, default_jobs, workers
    from compare.read.limits import DEFAULT_LIMITS

    if progress is None:
        progress = sys.stderr.isatty()
    # a folder's name may be in GBK bytes, which no terminal takes as they are
    shown_raw, shown_out = printable_path(raw_dir), printable_path(out_dir)
    try:
        limits = DEFAULT_LIMITS.with_options(limit_options)
        if references_dir is not None and refit:
            raise click.UsageError(
                "--references uses a given fit as it is; it cannot be combined with --refit"
            )
        fit_choice = FitChoice(
            folder=references_dir or out_dir / "references",
            refit=refit,
            share=refit_share,
            fixed=references_dir is not None,
        )
        # one build at a time per output folder: its store is this build's alone
        with store.output_lock(out_dir):
            if rebuild:
                store.remove(out_dir)
            store.check(out_dir)  # a damaged or foreign store is refused before any work
            raw = raw_key(raw_dir, options=f"{limits!r}\x1f{follow_links}")
            if cache and not refit and not force:
                key = inputs_key(raw, fit_key(fit_choice.folder))
                if store.up_to_date(out_dir, key, strict=strict):
                    # files changed or removed since (or left behind by a killed build)
                    again = exports.export(out_dir)
                    click.echo(
                        "Nothing has changed since the last build (the same files in "
                        f"{shown_raw}, the same program and references): the tables in "
                        f"{shown_out}/ are up to date."
                        + (f" {len(again)} file(s) changed or removed since were written "
                           "again from the store." if again else "")
                    )
                    if timings_file:
                        timings_file.write_text(
                            json.dumps({"seconds": {}, "up_to_date": True}) + "\n", encoding="utf-8"
                        )
                    return
            kept = Cache(out_dir if cache else None)
            with workers(scheduler) as cluster_jobs, _discarded(kept) as results:
                tables, report = build_tables(
                    raw_dir,
                    progress=progress,
                    jobs=jobs or cluster_jobs or default_jobs(),
                    cache=results,
                    incremental=cache,
                    limits=limits,
                    follow_links=follow_links,
                    references=fit_choice,
                )
                if report.n_ok == 0:
                    click.echo(report.summary(), err=True)
                    raise click.ClickException(
                        f"no document in {shown_raw} could be read; nothing was written"
                    )
                if (
                    strict and report.problems
                ):  # before anything is replaced: the last good tables stay
                    click.echo(report.summary(), err=True)
                    raise click.ClickException(
                        f"{len(report.problems)} file(s) could not be read (--strict); "
                        f"nothing was written"
                    )
                # the fit as this build leaves it (a new fit was saved while building)
                report.inputs = inputs_key(raw, fit_key(fit_choice.folder))
                clock = StageClock()
                with clock("write"):
                    # each frame leaves memory once the database holds it: the files are
                    # exported from the store, not from memory
                    store.commit_build(out_dir, tables, report, row_keys=report.row_keys,
                                       cache=results, release=True)
                    exports.export(out_dir)
    except CompareError as exc:
        raise click.ClickException(str(exc)) from exc
    report.timings.update(clock.seconds)
    click.echo(report.summary())
    click.echo(
        "Time: "
        + ", ".join(f"{k} {v:.1f} s" for k, v in report.timings.items())
        + (
            "; reused from the cache: "
            + ", ".join(
                f"{k} {v['reused']}/{v['reused'] + v['built']}" for k, v in report.cache.items()
            )
            if report.cache
            else ""
        )
    )
    click.echo(f"Tables written to {shown_out}/ (build report: {shown_out}/build_report.json)")
    if timings_file:
        timings_file.write_text(
            json.dumps(
                {
                    "seconds": report.timings,
                    "cache": report.cache,
                    "references": report.references,
                    "documents": report.n_ok,
                },
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )


@contextmanager
def _discarded(cache):
    """``cache``, whose scratch results are removed when the build ends, committed or not."""
    try:
        yield cache
    finally:
        cache.discard()


@main.command()
@folder_option(
    "--processed",
    "processed_dir",
    default=PROCESSED_DATA_DIR,
    show_default=True,
    help="Folder of built tables (from `compare build`).",
)
@folder_option(
    "--out",
    "out_dir",
    default=REPORTS_DIR,
    show_default=True,
    help="Folder for index.html, <report>/<plan>.html|.pdf|.xlsx and _notebooks/.",
)
@click.option(
    "--plans",
    default="",
    help="Plans to report on (doc_ids or place names, comma separated); default all.",
)
@click.option(
    "--reports",
    "report_names",
    default="",
    help="Reports to run (plan_profile, coverage, drift, overview; comma separated); default all.",
)
@click.option(
    "--jobs", type=int, default=None, help="Reports run at once (default: the number of cores)."
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Show a progress bar (default: when run in a terminal).",
)
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default="zh",
    show_default=True,
    help="Language of the reports.",
)
@click.option(
    "--pdf/--no-pdf",
    default=None,
    help="Print each report to PDF with Chromium (default: when Chromium is installed).",
)
def reports(
    processed_dir: Path,
    out_dir: Path,
    plans: str,
    report_names: str,
    jobs: int | None,
    progress: bool | None,
    lang: str,
    pdf: bool | None,
) -> None:
    """Run every report notebook for every plan (and the overview); export offline HTML, PDF and
    Excel."""
    from compare.errors import CompareError
    from compare.report.runner import run_reports

    if progress is None:
        progress = sys.stderr.isatty()
    if pdf is None:
        from compare.report.pdf import chromium

        if chromium() is None:
            click.echo(
                "note: Chromium is not installed, so the reports get no PDF copies "
                "(apt-get install chromium)",
                err=True,
            )
    try:
        done = run_reports(
            processed_dir,
            out_dir,
            plans=plans,
            reports=report_names,
            jobs=jobs,
            progress=progress,
            lang=lang,
            pdf=pdf,
        )
    except CompareError as exc:
        raise click.ClickException(str(exc)) from exc
    failed = [j for j in done if j.status != "ok"]
    click.echo(
        f"{len(done) - len(failed)} report(s) written to {out_dir}/ (open {out_dir}/index.html)"
    )
    for j in failed:
        click.echo(f"  FAILED  {j.report} for {j.plan}: {j.error}", err=True)
    if failed:
        raise click.ClickException(f"{len(failed)} report(s) failed; the others were written")


@main.command()
@folder_option(
    "--raw",
    "raw_dir",
    default=RAW_DATA_DIR,
    show_default=True,
    help="Folder of real plans to copy from (county-level plans are the parents).",
)
@folder_option(
    "--out",
    "out_dir",
    required=True,
    help="Folder for the corpus: <out>/raw (build it with compare build --raw <out>/raw) and "
    "<out>/truth.",
)
@click.option(
    "-n",
    "--plans",
    "n",
    type=click.IntRange(min=1),
    default=200,
    show_default=True,
    help="Number of synthetic plans.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same corpus.")
def synth(raw_dir: Path, out_dir: Path, n: int, seed: int) -> None:
    """Write a synthetic national corpus of N plans with known parents and edits (benchmarks)."""
    from compare.errors import CompareError
    from compare.synth import generate

    try:
        counts = generate(raw_dir, out_dir, n, seed=seed, progress=sys.stderr.isatty())
    except CompareError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"{counts['plans']} synthetic plans from {counts['sources']} real plan(s) written to "
        f"{out_dir}/raw; "
        f"truth (parents, {counts['edits']} sentence edits) in {out_dir}/truth"
    )


@main.command()
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the dictionary to this Markdown file instead of printing it.",
)
def schema(out_file: Path | None) -> None:
    """Print the data dictionary: every table, its columns, types and meaning."""
    from compare.schema import data_dictionary

    text = data_dictionary()
    if out_file:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        out_file.write_text(text, encoding="utf-8")
        click.echo(f"Data dictionary written to {out_file}")
    else:
        click.echo(text)


def run() -> None:
    """The ``compare`` console command: :func:`main`, then a prompt exit.

    When a command has finished, its output is flushed and the exit handlers run (worker pools,
    logging), then the process ends without the interpreter's teardown, which frees every object
    still held (modules, the caches of compared wordings) one by one: 0.3-0.4 s after a small
    build, over a second after a national one, all after the last line is printed. Anything
    unusual (an uncaught error, a thread still running) leaves the normal way.
    """
    import atexit
    import os
    import threading

    try:
        main()  # click's standalone mode ends with SystemExit, also on errors it reports
    except SystemExit as exc:
        code = 0 if exc.code is None else exc.code
        if not isinstance(code, int) or threading.active_count() > 1:
            raise
    else:  # pragma: no cover - standalone mode always exits
        code = 0
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (compare build | head): nothing more to say
            pass
    atexit._run_exitfuncs()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
