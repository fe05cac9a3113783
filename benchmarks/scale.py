"""National scale: build synthetic corpora of N plans and print time, memory and correctness.

    .venv/bin/python benchmarks/scale.py                      # N = 50, 200, 500, 2000
    .venv/bin/python benchmarks/scale.py --sizes 50,200 --work /tmp/scale

For each N: the generator (``compare.synth``) writes N plans made from ``data/raw`` (plus the
real documents), then ``compare build`` runs as a separate process, exactly as a user runs it.
Printed per N: wall time, time per stage (read, segment, extract, coverage, align, write), peak
RSS of the build and its worker processes, and correctness against the generator's truth:

* nearest ancestor recovered: the plan's ``ancestor`` row in ``lineage`` is its true parent
  (apart: plans whose true parent is undated), and cycles among parent and ancestor rows;
* edit-label agreement: the parent's clauses aligned with the child's (the build's aligner on
  the built measures) give the label the injected edit calls for, per kind of edit;
* jurisdiction (county) and task-table rows recovered from the files.

Beside compare's parent recovery, each N also prints that of two peers a Python user would
otherwise pick, on the same texts (``benchmarks/peers.py``: MinHash LSH from datasketch, TF-IDF
character n-grams with scikit-learn's nearest neighbours), with their time.

Then: growth ratios between sizes, the real corpus build against the bare import time of the
libraries it uses, and, with the per-document results kept in the store (``compare.duckdb``)
and the fitted references, rebuilding the largest corpus unchanged and adding one plan to it.
Targets from the issue are printed next to the figures; nothing here asserts a timing.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peers import parent_recovery  # noqa: E402
from peers import report as peers_report  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
COMPARE = [sys.executable, "-m", "compare.cli"]
IMPORTS = "import pandas, pyarrow, scipy.sparse, rapidfuzz, bs4, pypinyin, yaml, click"


def run(cmd: list[str]) -> tuple[float, int, subprocess.CompletedProcess]:
    """Run ``cmd``; wall seconds and peak RSS (bytes) of it and all its child processes.
    The seconds after start at which the peak was sampled are in ``run.peak_at``."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]
    run.peak_at = 0.0

    def watch():
        try:
            p = psutil.Process(proc.pid)
            while proc.poll() is None:
                try:
                    total = p.memory_info().rss + sum(c.memory_info().rss for c in p.children(recursive=True))
                except psutil.Error:
                    total = 0
                if total > peak[0]:
                    peak[0], run.peak_at = total, time.perf_counter() - start
                time.sleep(0.2)
        except psutil.Error:
            pass

    t = threading.Thread(target=watch, daemon=True)
    t.start()
    out, err = proc.communicate()
    t.join()
    done = subprocess.CompletedProcess(cmd, proc.returncode, out, err)
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{err[-3000:]}")
    return time.perf_counter() - start, peak[0], done


def build(raw: Path, out: Path, *, cache: bool, jobs: int | None = None, extra: tuple = ()) -> dict:
    timings = out.parent / f"{out.name}-timings.json"
    cmd = COMPARE + ["build", "--raw", str(raw), "--out", str(out), "--no-progress", "--timings", str(timings),
                     "--cache" if cache else "--no-cache"] + (["--jobs", str(jobs)] if jobs else []) + list(extra)
    wall, rss, _ = run(cmd)
    data = json.loads(timings.read_text(encoding="utf-8"))
    return {"wall": wall, "rss": rss, "peak_stage": _stage_at(run.peak_at, wall, data["seconds"]), **data}


def _stages(result: dict) -> str:
    """A build's stage clocks: ``read 4.4, segment 3.5, …`` (seconds)."""
    return ", ".join(f"{k} {v:.1f}" for k, v in result["seconds"].items())


def _stage_at(moment: float, wall: float, seconds: dict[str, float]) -> str:
    """The stage running ``moment`` seconds after the build started (stages run in order; the
    time before the first is start-up: interpreter and imports)."""
    clock = wall - sum(seconds.values())  # start-up
    if moment < clock:
        return "start-up"
    for stage, took in seconds.items():
        clock += took
        if moment <= clock:
            return stage
    return "after the last stage"


def correctness(work: Path, out: Path, sample: int = 150) -> dict:
    """Figures against the generator's truth."""
    from compare.analysis.align import align
    from compare.analysis.lineage import document_clauses
    from compare.build import load_tables
    from compare.normalize import comparison_text
    from compare.read.metadata import document_places
    from compare.synth import EXPECTED_LABELS

    import networkx as nx

    t = load_tables(out, ["documents", "measures", "lineage", "tasks", "target_changes"])
    docs = t["documents"]
    truth = pd.read_csv(work / "truth" / "plans.csv", dtype=str, keep_default_na=False)
    doc_of = dict(zip(docs["source_file"], docs["doc_id"]))
    truth["doc_id"] = truth["source_file"].map(doc_of)
    truth["parent_doc_id"] = truth["parent_file"].map(doc_of)
    built = truth.dropna(subset=["doc_id"])
    lineage = t["lineage"]
    ancestor = dict(zip(*lineage.loc[lineage["relation"] == "ancestor", ["doc_id", "ancestor_doc_id"]].T.values))
    hit = [ancestor.get(d) == p for d, p in zip(built["doc_id"], built["parent_doc_id"])]
    # the rules forbid placing an undated text before a dated plan on similarity alone: plans
    # whose true parent has no signature date are counted apart
    dated = dict(zip(docs["doc_id"], docs["issued_date"].notna()))
    parent_dated = built["parent_doc_id"].map(dated).fillna(False).astype(bool)
    edges = lineage[lineage["relation"].isin(["parent", "ancestor"])]
    graph = nx.DiGraph(list(zip(edges["ancestor_doc_id"], edges["doc_id"])))
    changes = t["target_changes"]
    county = dict(zip(docs["doc_id"], docs["county"]))
    county_ok = [county.get(d) == c for d, c in zip(built["doc_id"], built["county"])]
    n_tasks = t["tasks"].groupby("doc_id").size()
    tasks_ok = [int(n_tasks.get(d, 0)) == int(n) for d, n in zip(built["doc_id"], built["n_tasks"])]
    by_layout = pd.Series(tasks_ok, index=built.index).groupby(built["annex_layout"].replace("", "none")).mean()

    # edit labels: the aligner on (true parent, child) for a sample of plans
    edits = pd.read_csv(work / "truth" / "edits.csv", dtype=str, keep_default_na=False)
    chosen = built.head(sample)
    places = {r.doc_id: document_places(r) for r in docs.itertuples()}
    keep = set(chosen["doc_id"]) | set(chosen["parent_doc_id"])
    clauses = document_clauses(t["measures"][t["measures"]["doc_id"].isin(keep)], docs[docs["doc_id"].isin(keep)])
    agree, total, unmatched = {}, {}, 0
    for row in chosen.itertuples():
        pairs = align(clauses[row.parent_doc_id], clauses[row.doc_id])
        by_ref = {p.reference.comp: p.label for p in pairs if p.reference is not None}
        by_plan = {}
        for p in pairs:
            for c in p.plan:
                by_plan.setdefault(c.comp, p.label)
        for e in edits[edits["source_file"] == row.source_file].itertuples():
            if e.kind == "add":
                label = by_plan.get(comparison_text(e.child_sentence, places[row.doc_id]))
            else:
                label = by_ref.get(comparison_text(e.parent_sentence, places[row.parent_doc_id]))
            if label is None:
                unmatched += 1
                continue
            total[e.kind] = total.get(e.kind, 0) + 1
            agree[e.kind] = agree.get(e.kind, 0) + (label in EXPECTED_LABELS[e.kind])
    matched = sum(total.values())
    return {
        "plans": len(truth), "built": len(built),
        "ancestor_recovered": sum(hit) / max(1, len(built)),
        "ancestor_recovered_real_parent": _share(hit, built["parent_is_real"] == "True"),
        "ancestor_recovered_synthetic_parent": _share(hit, built["parent_is_real"] != "True"),
        "ancestor_recovered_dated_parent": _share(hit, parent_dated),
        "ancestor_recovered_undated_parent": _share(hit, ~parent_dated),
        "lineage_cycles": sum(1 for _ in nx.simple_cycles(graph)),
        "target_changes": changes["change"].value_counts().to_dict(),
        "county_recovered": sum(county_ok) / max(1, len(built)),
        "task_rows_recovered": sum(tasks_ok) / max(1, len(built)),
        "task_rows_by_layout": {k: round(v, 3) for k, v in by_layout.items()},
        "label_agreement": sum(agree.values()) / max(1, matched),
        "label_agreement_by_kind": {k: f"{agree[k] / total[k]:.3f} of {total[k]}" for k in sorted(total)},
        "edits_matched_to_a_clause": matched / max(1, matched + unmatched),
    }


def _share(hits, mask) -> str:
    sel = [h for h, m in zip(hits, mask) if m]
    return f"{sum(sel) / len(sel):.3f} of {len(sel)}" if sel else "none"


def real_corpus_against_import(work: Path, rounds: int = 3) -> tuple[float, float]:
    """The fastest bare import of the libraries and the fastest cold build of the real corpus
    (``--no-cache``: no per-document results kept), taken in turns so that a change in the
    machine's speed during the benchmark touches both alike.

    The package's bytecode is compiled first, as installing it would: with
    PYTHONDONTWRITEBYTECODE set, every run would otherwise compile compare's sources again,
    while the libraries it is measured against come compiled."""
    import compileall

    import compare

    compileall.compile_dir(Path(compare.__file__).parent, quiet=1)
    imports, builds = [], []
    for k in range(rounds):
        imports.append(run([sys.executable, "-c", IMPORTS])[0])
        builds.append(build(ROOT / "data" / "raw", work / f"real-{k}", cache=False)["wall"])
    return min(imports), min(builds)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="50,200,500,2000")
    ap.add_argument("--work", default=None, help="folder for the corpora (default: a temporary folder, removed)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--sample", type=int, default=150, help="plans whose edit labels are checked")
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="compare-scale-"))
    from compare.synth import generate

    print(f"machine: {psutil.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB; work in {work}")
    imp, real = real_corpus_against_import(work)
    print(f"real corpus: compare build {real:.1f} s; bare import of its libraries ({IMPORTS[7:]}) {imp:.2f} s; "
          f"ratio {real / imp:.1f}x (target <= 2x)")
    results = {}
    for n in sizes:
        corpus = work / f"n{n}"
        if corpus.exists():
            shutil.rmtree(corpus)
        t0 = time.perf_counter()
        generate(ROOT / "data" / "raw", corpus, n, seed=args.seed)
        gen = time.perf_counter() - t0
        last = n == sizes[-1]
        r = build(corpus / "raw", corpus / "processed", cache=last, jobs=args.jobs)
        r["generate"] = gen
        r["quality"] = correctness(corpus, corpus / "processed", args.sample)
        r["peers"] = parent_recovery(corpus, corpus / "processed")
        results[n] = r
        stages = _stages(r)
        q = r["quality"]
        print(f"\nN = {n} synthetic plans ({r['documents']} documents built; generated in {gen:.1f} s)")
        print(f"  wall {r['wall']:.1f} s; stages (s): {stages}; peak RSS {r['rss'] / 2**30:.2f} GiB "
              f"(during {r['peak_stage']})")
        print(f"  nearest ancestor recovered {q['ancestor_recovered']:.3f} (target >= 0.976); real parent "
              f"{q['ancestor_recovered_real_parent']}, synthetic parent {q['ancestor_recovered_synthetic_parent']}")
        print(f"    parent dated {q['ancestor_recovered_dated_parent']}, parent undated (never placed before a "
              f"dated plan on similarity alone) {q['ancestor_recovered_undated_parent']}; lineage cycles "
              f"{q['lineage_cycles']} (target 0)")
        print(f"  target changes against parents and ancestors: {q['target_changes']}")
        print(peers_report(r["peers"], r["seconds"].get("align")))
        print(f"  edit labels agree with the injected edits: {q['label_agreement']:.3f} (target >= 0.986) "
              f"({q['edits_matched_to_a_clause']:.3f} of edits matched to a clause); by kind: "
              f"{q['label_agreement_by_kind']}")
        print(f"  county recovered {q['county_recovered']:.3f}; task rows recovered {q['task_rows_recovered']:.3f} "
              f"by annex form {q['task_rows_by_layout']}")
    ns = sorted(results)
    for a, b in zip(ns, ns[1:]):
        print(f"growth {a} -> {b} plans ({b / a:.1f}x): time {results[b]['wall'] / results[a]['wall']:.1f}x, "
              f"RSS {results[b]['rss'] / results[a]['rss']:.1f}x")
    if 200 in results and 2000 in results:
        print(f"growth 200 -> 2000: {results[2000]['wall'] / results[200]['wall']:.1f}x (target <= 10x)")
    big = ns[-1]
    print(f"largest: {big} plans in {results[big]['wall'] / 60:.2f} min (target < 2.5 min for 2000), "
          f"peak RSS {results[big]['rss'] / 2**30:.2f} GiB (target < 3 GiB)")
    corpus = work / f"n{big}"
    # the same files again: nothing to do (the inputs' key is the last build's)
    r = build(corpus / "raw", corpus / "processed", cache=True, jobs=args.jobs)
    print(f"rebuilding {big} with nothing changed: {r['wall']:.1f} s (target < 3 s); "
          f"up to date: {bool(r.get('up_to_date'))}; peak RSS {r['rss'] / 2**30:.2f} GiB")
    # the same again with --force: every stage runs, from the store's results and the last fit
    r = build(corpus / "raw", corpus / "processed", cache=True, jobs=args.jobs, extra=("--force",))
    print(f"  with --force (every stage, from the store's results): {r['wall']:.1f} s; "
          f"stages (s): {_stages(r)}; peak RSS {r['rss'] / 2**30:.2f} GiB; "
          f"references {r['references'].get('action')}")
    # one more plan: the generator's plan N is new, the N before it are unchanged files
    generate(ROOT / "data" / "raw", corpus, big + 1, seed=args.seed)
    r = build(corpus / "raw", corpus / "processed", cache=True, jobs=args.jobs)
    stages = _stages(r)
    print(f"adding one plan to {big}: {r['wall']:.1f} s (target < 10 s); stages (s): {stages}; "
          f"peak RSS {r['rss'] / 2**30:.2f} GiB; references {r['references'].get('action')}; "
          f"cache: {r['cache']}")
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
