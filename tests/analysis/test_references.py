"""Fitted references (inferred ancestors, related-plan model): fitted once, reused while the
corpus changes little, refitted when asked or when it changes more; a fit is an input, so a
build given the same fit gives the same tables."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from compare.analysis import references
from compare.analysis.references import FitChoice
from compare.build import build_tables, write_tables
from compare.synth import generate
from tests.conftest import compare_build, tree_hashes


@pytest.fixture(scope="module")
def corpus(raw_dir, tmp_path_factory) -> Path:
    """A synthetic national corpus of 24 plans (and the real documents): adding one plan changes
    less than a tenth of it."""
    work = tmp_path_factory.mktemp("refs")
    generate(raw_dir, work, 24, seed=11)
    return work / "raw"


def _new_plan(raw: Path) -> Path:
    """A plan the corpus did not have: a copy of a synthetic plan, moved to another county."""
    truth = pd.read_csv(raw.parent / "truth" / "plans.csv", dtype=str)
    first = truth[truth["source_file"].str.endswith(".txt")].iloc[0]
    text = (raw / first["source_file"]).read_text(encoding="utf-8")
    county = first["county"]
    other = "新设" + county[-1]
    target = raw / "plans" / "zz_new.txt"
    target.write_text(
        text.replace(county, other).replace(county[:-1], other[:-1]), encoding="utf-8"
    )
    return target


def _tables(folder: Path) -> dict[str, str]:
    """Hashes of every table file (not the build report, which names how the fit was got)."""
    return {
        k: v
        for k, v in tree_hashes(folder).items()
        if k != "build_report.json" and not k.startswith("references/")
    }


def test_a_fit_is_reused_for_an_added_plan_and_is_an_input(corpus, tmp_path):
    raw = tmp_path / "work" / "raw"
    shutil.copytree(corpus.parent, raw.parent)
    out = tmp_path / "out"
    tables, report = build_tables(raw, references=FitChoice(out / "references"))
    assert report.references["action"] == "fitted"
    assert report.references["reason"] == "there was no earlier fit"
    manifest = json.loads((out / "references" / references.MANIFEST).read_text(encoding="utf-8"))
    assert len(manifest["plans"]) == report.references["plans"] == 24 + 5
    assert manifest["fit_id"].startswith(report.references["fit_id"])
    assert {"fitted_at", "code_version", "corpus_hash", "templates"} <= set(manifest)
    new = _new_plan(raw)
    grown, grown_report = build_tables(raw, references=FitChoice(out / "references"))
    assert grown_report.references["action"] == "reused"
    assert grown_report.references["fit_id"] == report.references["fit_id"]
    assert "References (inferred ancestors, related plans): fit" in grown_report.summary()
    # the new plan is placed among the others by the fitted model: its source is a relative
    doc = grown["documents"].set_index("source_file").loc[f"plans/{new.name}", "doc_id"]
    truth = pd.read_csv(raw.parent / "truth" / "plans.csv", dtype=str)
    first = truth[truth["source_file"].str.endswith(".txt")].iloc[0]["source_file"]
    source = grown["documents"].set_index("source_file").loc[first, "doc_id"]
    lineage = grown["lineage"]
    relatives = lineage[(lineage["doc_id"] == doc) & (lineage["relation"] == "relative")]
    assert source in set(relatives["ancestor_doc_id"])
    # the inferred ancestors are the fit's: the same rows as before the plan was added
    assert grown["inferred_clauses"].equals(tables["inferred_clauses"])
    # given the same fit, a build elsewhere, with no cache, gives the same tables
    write_tables(grown, out, grown_report)
    again, again_report = build_tables(raw, references=FitChoice(out / "references", fixed=True))
    assert again_report.references["action"] == "given"
    write_tables(again, tmp_path / "elsewhere", again_report)
    assert _tables(tmp_path / "elsewhere") == _tables(out)
    # fitted again on the grown corpus: the new plan now counts in the inferred ancestors
    refit, refit_report = build_tables(raw, references=FitChoice(out / "references", refit=True))
    assert refit_report.references == {
        **refit_report.references,
        "action": "fitted",
        "reason": "--refit was given",
        "plans": 24 + 5 + 1,
    }
    support = {d for ds in refit["inferred_clauses"]["support_doc_ids"] for d in ds}
    assert doc in support


def test_the_fit_is_made_again_when_the_corpus_changed_more_than_the_share(corpus, tmp_path):
    raw = tmp_path / "work" / "raw"
    shutil.copytree(corpus.parent, raw.parent)
    folder = tmp_path / "references"
    build_tables(raw, references=FitChoice(folder))
    _new_plan(raw)
    _, report = build_tables(raw, references=FitChoice(folder, share=0.0))
    assert report.references["action"] == "fitted"
    assert report.references["reason"] == (
        "1 of its 29 plans were added, changed or removed (more than 0%)"
    )
    # a template changed: always fitted again
    template = sorted((raw / "templates").rglob("*.txt"))[0]
    template.write_text(template.read_text(encoding="utf-8") + "\n附件：无", encoding="utf-8")
    _, report = build_tables(raw, references=FitChoice(folder))
    assert report.references["reason"] == "a template was added, changed or removed"


def test_a_damaged_fit_is_made_again_not_trusted(corpus, tmp_path):
    raw = tmp_path / "work" / "raw"
    shutil.copytree(corpus.parent, raw.parent)
    folder = tmp_path / "references"
    tables, _ = build_tables(raw, references=FitChoice(folder))
    model = folder / references.MODEL
    data = bytearray(model.read_bytes())
    data[-40:-32] = b"\x00" * 8
    model.write_bytes(bytes(data))
    again, report = build_tables(raw, references=FitChoice(folder))
    assert report.references["action"] == "fitted"
    assert "checksum does not match" in report.references["note"]
    assert again["inferred_clauses"].equals(tables["inferred_clauses"])
    # a fit given by the user that cannot be read is an error naming it
    model.write_bytes(b"not a fit")
    with pytest.raises(references.FitError, match="not a compare cache entry"):
        build_tables(raw, references=FitChoice(folder, fixed=True))


def test_the_cli_reuses_refits_and_takes_a_given_fit(corpus, tmp_path):
    raw = tmp_path / "work" / "raw"
    shutil.copytree(corpus.parent, raw.parent)

    def build(out, *extra):
        return compare_build(raw, out, "--jobs", "1", *extra)

    assert "fitted now (there was no earlier fit)" in build(tmp_path / "a")
    _new_plan(raw)
    assert ", reused" in build(tmp_path / "a")
    shown = build(tmp_path / "b", "--no-cache", "--references", str(tmp_path / "a" / "references"))
    assert "given (--references)" in shown
    assert _tables(tmp_path / "b") == _tables(tmp_path / "a")
    assert not (tmp_path / "b" / "references").exists()  # a given fit is never written
    assert "fitted now (--refit was given)" in build(tmp_path / "a", "--refit")
    report = json.loads((tmp_path / "a" / "build_report.json").read_text(encoding="utf-8"))
    assert report["references"]["action"] == "fitted" and report["references"]["plans"] == 30


def test_the_fitted_model_places_plans_as_scikit_learn_does(corpus):
    """Applying the fit (references.transform) gives scikit-learn's own transform, new wordings
    ignored, so the fitted library and the applied model never disagree."""
    import numpy as np

    from compare.analysis.lineage import document_clauses
    from compare.build import build_tables

    tables, _ = build_tables(corpus)
    docs = tables["documents"]
    clauses = document_clauses(tables["measures"], docs)
    plans = docs.loc[docs["role"] == "plan", "doc_id"].tolist()
    model = references.fit(clauses, docs)
    assert len(model.vocabulary) > 100
    wordings = [references._wordings(clauses[p]) for p in plans]
    wordings[0] = wordings[0] + ["一句模型从未见过的新措辞，用来检验"]
    vectorizer = references._vectorizer(vocabulary=model.vocabulary)
    vectorizer.idf_ = model.idf
    expected = vectorizer.transform(wordings).toarray()
    got = references.transform(model, wordings).toarray()
    assert np.allclose(got, expected, rtol=0, atol=1e-12)


def test_related_plans_are_the_nearest_neighbours_with_ties_to_the_earlier_plan():
    """scikit-learn's NearestNeighbors finds them; equal similarities go to the earlier plan,
    also when more plans tie than the neighbours asked for."""
    import numpy as np

    from compare.analysis.index import Clause

    def plan(name, wordings):
        return [Clause(f"{name}:{k}", name, "1", k, w, w, w) for k, w in enumerate(wordings)]

    shared = [f"各区县残联要做好第{i}项残疾人服务工作的落实" for i in range(6)]
    names = [f"p{i:02d}" for i in range(14)]
    # twelve identical plans: all tie, more than the eleven neighbours asked for
    clauses = {n: plan(n, shared) for n in names[:12]}
    own = [f"独有的措辞第{j}条内容很长" for j in range(4)]
    clauses[names[12]] = plan(names[12], shared[:2] + own)
    clauses[names[13]] = plan(names[13], ["完全不同的一句话，与别的方案没有共同措辞"])
    vocabulary, idf = references._fit_related(clauses, names)
    model = references.Fit({}, pd.DataFrame(), vocabulary, idf)
    related = references.related_plans(model, clauses, names, k=5)
    assert related["p00"] == ["p01", "p02", "p03", "p04", "p05"]
    assert related["p11"] == ["p00", "p01", "p02", "p03", "p04"]
    assert related["p12"] == ["p00", "p01", "p02", "p03", "p04"]
    assert related["p13"] == []  # shares no wording with any plan
    # the same ranking as cosine similarity over the fitted vectors, computed in full
    x = references.transform(model, [references._wordings(clauses[n]) for n in names]).toarray()
    sim = np.round(x @ x.T, 9)
    for r, name in enumerate(names):
        ranked = sorted((-s, j) for j, s in enumerate(sim[r]) if j != r and s > 0)[:5]
        assert related[name] == [names[j] for _, j in ranked]
