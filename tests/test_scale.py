"""National scale: the synthetic corpus generator, the build cache, worker processes, candidate retrieval.

Timings are in benchmarks/scale.py; these tests check that the fast paths give the same
(and the right) answers.
"""
import hashlib

import numpy as np
import pandas as pd
import pytest

from compare import parallel
from compare.analysis.index import ClauseIndex, GramRows, gram_codes
from compare.build import build_tables
from compare.normalize import comparison_text
from compare.synth import generate

N = 12


def _files(root):
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def synthetic(raw_dir, tmp_path_factory):
    work = tmp_path_factory.mktemp("synthetic")
    generate(raw_dir, work, N, seed=7)
    tables, report = build_tables(work / "raw", cache_dir=work / "cache")
    truth = pd.read_csv(work / "truth" / "plans.csv", dtype=str, keep_default_na=False)
    edits = pd.read_csv(work / "truth" / "edits.csv", dtype=str, keep_default_na=False)
    doc_of = dict(zip(tables["documents"]["source_file"], tables["documents"]["doc_id"]))
    truth["doc_id"] = truth["source_file"].map(doc_of)
    truth["parent_doc_id"] = truth["parent_file"].map(doc_of)
    return work, tables, report, truth, edits


def test_generator_is_deterministic_and_each_corpus_a_prefix_of_the_next(raw_dir, tmp_path, synthetic):
    work = synthetic[0]
    generate(raw_dir, tmp_path / "a", N, seed=7)
    assert _files(tmp_path / "a" / "raw") == _files(work / "raw")
    assert _files(tmp_path / "a" / "truth") == _files(work / "truth")
    generate(raw_dir, tmp_path / "b", N - 4, seed=7)
    small, full = _files(tmp_path / "b" / "raw"), _files(work / "raw")
    assert all(full[k] == v for k, v in small.items()) and len(full) - len(small) == 4
    generate(raw_dir, tmp_path / "c", 3, seed=8)
    other = pd.read_csv(tmp_path / "c" / "truth" / "plans.csv")
    assert other["county"].tolist() != synthetic[3]["county"].head(3).tolist()


def test_every_synthetic_plan_builds_with_its_place_and_tasks(synthetic):
    _, tables, report, truth, _ = synthetic
    assert report.n_ok == N + 9 and not report.problems
    docs = tables["documents"].set_index("doc_id")
    assert truth["doc_id"].notna().all()
    assert (docs.loc[truth["doc_id"], "county"].tolist() == truth["county"].tolist())
    assert set(truth["format"]) >= {"txt", "md", "html"}
    n_tasks = tables["tasks"].groupby("doc_id").size()
    for row in truth.itertuples():
        assert int(n_tasks.get(row.doc_id, 0)) == int(row.n_tasks), (row.source_file, row.annex_layout)


def test_truth_edits_are_in_the_files(synthetic):
    work, _, _, truth, edits = synthetic
    row = truth.iloc[0]
    text = comparison_text((work / "raw" / row.source_file).read_text(encoding="utf-8"), jurisdiction=False)
    mine = edits[edits.source_file == row.source_file]
    assert set(mine.kind) >= {"keep", "drop"}
    kept = [comparison_text(s, jurisdiction=False) for s in mine[mine.kind == "keep"].child_sentence]
    assert sum(s in text for s in kept) >= 0.95 * len(kept)
    added = [comparison_text(s, jurisdiction=False) for s in mine[mine.kind == "add"].child_sentence]
    assert all(s in text for s in added)


def test_nearest_ancestor_is_the_true_parent(synthetic):
    _, tables, _, truth, _ = synthetic
    lineage = tables["lineage"]
    ancestor = dict(zip(*lineage.loc[lineage.relation == "ancestor", ["doc_id", "ancestor_doc_id"]].T.values))
    found = [ancestor.get(d) == p for d, p in zip(truth["doc_id"], truth["parent_doc_id"])]
    assert sum(found) >= len(found) - 1, truth.assign(found=found)[["doc_id", "parent_doc_id", "found"]]


def test_cached_build_is_identical_and_reads_only_changed_files(synthetic):
    work, tables, _, truth, edits = synthetic
    again, report = build_tables(work / "raw", cache_dir=work / "cache")
    files = {"reused": N + 9, "built": 0}
    n_refs = len(tables["drift"])  # a row per plan and reference
    assert report.cache == {"read": files, "segment": files, "extract": files, "align": {"reused": N + 5, "built": 0},
                            "align references": {"reused": n_refs, "built": 0}}
    for name, df in tables.items():
        pd.testing.assert_frame_equal(df, again[name], check_like=False, obj=name)
    # one plan's clause edited: only it is read and parsed again, and its change reaches the tables
    plan = truth[truth.format == "txt"].iloc[0]
    mine = edits[(edits.source_file == plan.source_file) & (edits.kind == "keep")]
    sentence = next(s for s in mine.child_sentence if "残疾人" in s and len(s) > 30)
    path = work / "raw" / plan.source_file
    original = path.read_bytes()
    try:
        text = path.read_text(encoding="utf-8")
        assert sentence in text
        path.write_text(text.replace(sentence, sentence.replace("残疾人", "残障人士")), encoding="utf-8")
        changed, report = build_tables(work / "raw", cache_dir=work / "cache")
    finally:
        path.write_bytes(original)
    for stage in ("read", "segment", "extract"):
        assert report.cache[stage] == {"reused": N + 8, "built": 1}
    assert report.cache["align"]["built"] >= 1  # the plan itself, and plans aligned with it
    measures = changed["measures"]
    assert measures[measures.doc_id == plan.doc_id].text.str.contains("残障人士").any()


def test_adding_a_plan_to_a_cached_build_gives_the_tables_of_a_fresh_build(synthetic, raw_dir, tmp_path):
    """Plans whose references changed are aligned again from their memo of aligned wordings:
    the tables must be exactly those of a build without any cache."""
    import shutil

    work = synthetic[0]
    generate(raw_dir, tmp_path / "more", N + 1, seed=7)
    raw, cache = tmp_path / "raw", tmp_path / "cache"
    shutil.copytree(work / "raw", raw)
    shutil.copytree(work / "cache", cache)
    import duckdb

    with duckdb.connect(str(cache / "compare.duckdb"), read_only=True) as con:
        memos = con.execute("SELECT count(*) FROM results WHERE stage = 'memo'").fetchone()[0]
    assert memos >= N + 5  # a memo per plan
    new = sorted(set(_files(tmp_path / "more" / "raw")) - set(_files(raw)))
    assert len(new) == 1
    (raw / new[0]).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(tmp_path / "more" / "raw" / new[0], raw / new[0])
    cached, report = build_tables(raw, cache_dir=cache)
    # the new plan, and the plan the test before edited and put back: the store keeps only the
    # results of its last build, which read the edited version
    assert report.cache["read"] == {"reused": N + 8, "built": 2}
    assert report.references["action"] == "fitted"  # no fit kept: inferred texts made again
    assert report.cache["align"]["built"] >= 1
    # only new or changed references are aligned again: the new plan's, the inferred texts, and
    # the related plans that changed; not every reference of every plan
    pairs = report.cache["align references"]
    assert pairs["reused"] + pairs["built"] == len(cached["drift"])
    assert 0 < pairs["built"] < pairs["reused"]
    fresh, _ = build_tables(raw)
    for name, df in fresh.items():
        pd.testing.assert_frame_equal(cached[name], df, obj=name)


def test_workers_give_the_same_tables_as_one_process(built, raw_dir, monkeypatch):
    monkeypatch.setattr(parallel, "MIN_PARALLEL", 2)
    tables, _ = build_tables(raw_dir, jobs=2)
    for name, df in built[0].items():
        pd.testing.assert_frame_equal(df, tables[name], obj=name)


def test_gram_rows_and_batch_candidates_match_single_queries(built, monkeypatch):
    measures = built[0]["measures"]
    texts = [comparison_text(t) for t in measures["text"].head(400)]
    rows = GramRows.of(texts)
    for i in (0, 7, 399):
        assert np.array_equal(rows.codes[rows.rows == i], gram_codes(texts[i]))
    from compare.analysis.index import Clause

    clauses = [Clause(str(i), "d", "1", i, t, t, t) for i, t in enumerate(texts[:300])]
    index = ClauseIndex(clauses)
    queries = GramRows.of(texts[300:])
    batch = index.candidates_many(queries)
    assert batch == [index.candidates(t) for t in texts[300:]]
    # in small pieces, two threads at a time (as the clustering of a national corpus runs)
    monkeypatch.setattr(ClauseIndex, "CELLS", 3_000)
    assert ClauseIndex(clauses, threads=2).candidates_many(queries) == batch
    assert index.candidates(texts[5])[0] == 5  # a clause finds itself first
    some = [399, 3, 250, 4]  # a subset, in any order, is renumbered in that order
    part, alone = rows.subset(some), GramRows.of([texts[i] for i in some])
    assert part.n == 4 and np.array_equal(part.rows, alone.rows) and np.array_equal(part.codes, alone.codes)


def test_searching_without_the_index_finds_the_same_candidates(built):
    """A plan met with a few changed wordings is searched clause by clause: the same candidates,
    in the same order, as its 3-gram index gives (stop-grams and ties included)."""
    from compare.analysis.align import Side
    from compare.analysis.index import Clause
    from compare.analysis.lineage import document_clauses

    tables = built[0]
    clauses = document_clauses(tables["measures"], tables["documents"])
    queries = [c.comp for cl in clauses.values() for c in cl[::4]]  # every document's wordings
    texts = [comparison_text(t) for t in tables["measures"]["text"].head(300)]
    # every clause opens with the same words: their 3-grams are in more than 200 clauses (stop-grams)
    crowded = [Clause(str(i), "d", "1", i, t, t, "关于残疾人事业" + t) for i, t in enumerate(texts)]
    plans = [clauses[d] for d in tables["documents"].query("role == 'plan'")["doc_id"]] + [crowded]
    compared = 0
    for plan in plans:
        side, index = Side(plan), ClauseIndex(plan)
        for q in queries + ["关于残疾人事业" + q for q in queries[:20]]:
            assert side._search(gram_codes(q), 8) == index.candidates(q), q
            compared += 1
    assert compared > 1000
    # the first few wordings are searched without the index, later ones with it: the same answers
    reference, side = Side(plans[1]), Side(plans[0])
    rows = list(range(len(reference.clauses)))
    one_by_one = [side.candidates(reference, [r])[0] for r in rows]
    assert "index" in side.__dict__ and len(rows) > 100
    assert one_by_one == ClauseIndex(plans[0]).candidates_many(reference.grams, rows=np.array(rows))


def test_a_memo_kept_between_builds_gives_the_same_alignments(built):
    """Wordings a plan met before come from its memo (stored and reloaded, whole or in part):
    every alignment is the one made from nothing."""
    from compare.analysis.align import Memo, Side, aligned
    from compare.analysis.lineage import document_clauses

    tables = built[0]
    clauses = document_clauses(tables["measures"], tables["documents"])
    docs = tables["documents"]
    plans = docs.loc[docs["role"] == "plan", "doc_id"].tolist()
    references = docs.loc[docs["role"] == "template", "doc_id"].tolist() + plans
    fields = ["reference", "sizes", "plan", "similarity", "coverage", "label", "shared"]
    for p in plans:
        plan = Side(clauses[p])
        fresh = {r: aligned(Side(clauses[r]), plan) for r in references if r != p}
        memo = Memo()
        for r in fresh:
            aligned(Side(clauses[r]), plan, memo)
        stored = memo.arrays()
        assert len(stored[0]) == len(memo) and np.all(np.diff(stored[0].astype(np.float64)) >= 0)
        part = Memo()  # the wordings of one reference only
        aligned(Side(clauses[references[0]]), plan, part)
        for again in (Memo(stored), Memo(part.arrays())):
            for r, a in fresh.items():
                b = aligned(Side(clauses[r]), plan, again)
                for f in fields:
                    assert np.array_equal(getattr(a, f), getattr(b, f)), (p, r, f)
        assert Memo(stored).find(stored[0][:5]).tolist() == [0, 1, 2, 3, 4]


def test_synth_command_writes_plans_and_truth(raw_dir, tmp_path):
    from click.testing import CliRunner

    from compare.cli import main

    result = CliRunner().invoke(main, ["synth", "--raw", str(raw_dir), "--out", str(tmp_path / "n"), "-n", "3",
                                       "--seed", "2"])
    assert result.exit_code == 0, result.output
    assert "3 synthetic plans" in result.output
    truth = pd.read_csv(tmp_path / "n" / "truth" / "plans.csv")
    assert len(truth) == 3 and all((tmp_path / "n" / "raw" / f).is_file() for f in truth.source_file)
    assert truth.parent_file.str.startswith("plans/").all()


def _double(batch):
    return [2 * x for x in batch]


def test_released_workers_are_stopped_and_results_kept():
    """The last parallel stage stops its workers, so their memory is not held while tables are assembled."""
    import psutil

    out = parallel.run_batches(_double, list(range(60)), lambda b: (), jobs=2, release=True)
    assert out == [2 * x for x in range(60)]
    workers = [c for c in psutil.Process().children(recursive=True)
               if any("popen_loky" in part for part in c.cmdline())]
    assert workers == []


def _collector_state(batch):
    import gc

    return [gc.isenabled() for _ in batch]


def test_cycle_collection_is_paused_for_batches_and_builds_and_restored_after(built):
    """Builds pause the cyclic garbage collector (see parallel.no_cycle_collection) and leave it as they found it."""
    import gc

    assert gc.isenabled()  # the session's build (the ``built`` fixture) gave it back
    assert parallel.run_batches(_collector_state, list(range(60)), lambda b: (), jobs=2) == [False] * 60
    assert parallel.run_batches(_collector_state, list(range(3)), lambda b: (), jobs=1) == [False] * 3
    assert gc.isenabled()
    with parallel.no_cycle_collection():
        assert not gc.isenabled()
        with parallel.no_cycle_collection():  # nested: the inner one does not turn it back on
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError):
        with parallel.no_cycle_collection():
            raise ValueError("a failed stage")
    assert gc.isenabled()
    gc.disable()  # a caller who turned it off keeps it off
    try:
        with parallel.no_cycle_collection():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_cached_clause_columns_give_back_the_same_clauses(built):
    """The build cache keeps clauses as columns beside their measures; read back, they are the clauses."""
    from compare.analysis.index import clause_columns, clauses_from_columns, clauses_of

    measures = built[0]["measures"]
    one = measures[measures["doc_id"] == "haidian"].reset_index(drop=True)
    clauses = clauses_of(one, ("海淀区", "海淀"))
    columns = {c: one[c].tolist() for c in one.columns}
    assert clauses_from_columns(columns, clause_columns(clauses)) == clauses
    assert clauses_from_columns({c: [] for c in one.columns}, ([], [], [])) == []


def test_target_changes_follow_the_generators_figure_edits(synthetic):
    """The generator raises a figure or moves a year by +5 in a 'numbers' edit and keeps the
    others: a plan's targets against its true parent say so."""
    _, tables, _, truth, edits = synthetic
    doc_of = dict(zip(truth["source_file"], truth["doc_id"]))
    kind = {
        (doc_of[e.source_file], comparison_text(e.child_sentence, jurisdiction=False)): e.kind
        for e in edits.itertuples()
    }
    changes = tables["target_changes"].merge(truth[["doc_id", "parent_doc_id"]], on="doc_id")
    changes = changes[
        (changes.reference_doc_id == changes.parent_doc_id) & changes.plan_target_id.notna()
    ]
    text = tables["targets"].set_index("target_id")["text"]
    seen = pd.Series([
        kind.get((r.doc_id, comparison_text(text[r.plan_target_id], jurisdiction=False)), "other")
        + ":" + r.change
        for r in changes.itertuples()
    ]).value_counts()
    numbers = seen.filter(like="numbers:")
    kept = seen.filter(like="keep:")
    assert numbers.sum() >= 5 and kept.sum() >= 100, seen
    assert "numbers:lowered" not in numbers  # the generator only raises figures
    moved = numbers.get("numbers:raised", 0) + numbers.get("numbers:deadline_moved", 0)
    assert moved >= 0.75 * numbers.sum()
    assert kept.get("keep:same", 0) + kept.get("keep:deadline_moved", 0) >= 0.9 * kept.sum()
    # every matched pair's change agrees with its two values
    matched = changes[changes.match.notna()]
    assert ((matched.change == "raised") == (matched.value > matched.reference_value)).all()
