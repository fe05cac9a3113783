"""compare.load(): the Corpus object notebooks use, on the real corpus."""

import subprocess
import sys

import pandas as pd
import pytest

import compare
from tests.helpers import as_stored
from compare.errors import CompareError


@pytest.fixture(scope="module")
def corpus(built, tmp_path_factory):
    from compare.build import write_tables

    out = tmp_path_factory.mktemp("processed")
    write_tables(built[0], out, built[1])
    return compare.load(out)


def test_load_gives_every_table_as_an_attribute(corpus, built):
    assert repr(corpus) == "<Corpus: 5 plans, 4 templates>"
    for name, frame in built[0].items():
        frame = as_stored(frame)
        assert name in dir(corpus)
        attribute = getattr(corpus, name)
        # a table that shares a view's name is what the view gives without arguments
        pd.testing.assert_frame_equal(attribute() if callable(attribute) else attribute, frame)
        pd.testing.assert_frame_equal(corpus.tables[name], frame)


def test_a_fresh_import_offers_the_package(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import compare; print(compare.config.PROCESSED_DATA_DIR.name); "
            "print(sorted(set(dir(compare)) & {'load', 'Corpus', 'load_tables', 'config'}))",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    )
    assert done.stdout.split("\n")[:2] == [
        "processed",
        "['Corpus', 'config', 'load', 'load_tables']",
    ]


def test_the_same_plan_named_three_ways(corpus):
    frames = [corpus.drift(name) for name in ("chaoyang-2017", "朝阳区", "朝政发〔2017〕7号")]
    for f in frames[1:]:
        pd.testing.assert_frame_equal(frames[0], f)
    assert set(frames[0].doc_id) == {"chaoyang-2017"} and len(frames[0]) == 10
    assert corpus.resolve("朝阳") == "chaoyang-2017"
    # a reference by its number, however its brackets are typed
    for typed in ("国发〔2015〕7号", "国发[2015]7号", "国发(2015)7号", "国发【2015】7号"):
        assert corpus.resolve(typed) == "guofa-2015-7"
    assert corpus.resolve("national") == "guofa-2015-7"
    one = corpus.drift("朝阳区", reference="国发〔2015〕7号")
    assert one.reference_doc_id.tolist() == ["guofa-2015-7"]


def test_names_not_found_list_the_choices(corpus):
    with pytest.raises(CompareError) as err:
        corpus.drift("东城区")
    assert "no plan called '东城区'" in str(err.value)
    assert "chaoyang-2017 (朝阳区, 朝政发〔2017〕7号)" in str(err.value)
    with pytest.raises(CompareError, match="no plan called '国发〔2015〕7号'"):
        corpus.drift("国发〔2015〕7号")  # a template is not a plan


def test_kwic_finds_the_term_in_its_clauses(corpus):
    k = corpus.kwic("无障碍改造")
    assert k.doc_id.nunique() >= 3
    text = corpus.measures.set_index("measure_id").text
    for row in k.itertuples():
        assert row.keyword == "无障碍改造"
        assert row.left + row.keyword + row.right in text[row.measure_id]
    assert set(corpus.kwic("无障碍改造", plans=["朝阳区"]).doc_id) == {"chaoyang-2017"}


def test_keyness_gives_words_with_counts(corpus):
    k = corpus.keyness("朝阳区", reference="国发〔2015〕7号")
    assert len(k) >= 10 and (k.word.str.len() >= 2).all()
    top = k[k.chi2 > 0]
    assert (top.n_target > top.n_reference).all() and top.chi2.is_monotonic_decreasing
    # against the other plans, the domain dictionary keeps its words whole
    others = corpus.keyness("巴南区", n=200)
    assert {"无障碍", "残联"} & set(others.word)
    assert not {"无障", "障碍"} & set(others.word)


def test_views_by_plan_and_reference(corpus):
    assert "巴南区" in str(corpus.redline("巴南区").data) or "banan-2022" in str(
        corpus.redline("巴南区").data
    )
    pairs = corpus.alignments_of("巴南区")
    assert set(pairs.reference_doc_id) == {"guofa-2021-10"}  # its parent, by default
    assert corpus.provisions("国发〔2015〕7号").loc[8, "chaoyang-2017"] == "verbatim"
    assert set(corpus.target_changes("丰台").change) == {"same", "new", "dropped"}
    assert corpus.similar("丰台区").index[0] == "chaoyang-2017"
    outline = corpus.sections("巴南区")
    assert len(outline) == 119 and outline.section_path.iloc[0].startswith("第一章")
    cov = corpus.coverage(plans=["朝阳区", "haidian"])
    assert set(cov.doc_id) == {"chaoyang-2017", "haidian"}
