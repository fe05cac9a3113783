"""The real-world set (tests/data/real/): openings of 29 other local plans from public pages,
built as a user would build them, against gold read by hand (tests/data/real/gold.yaml).

Every plan is built (none refused), the news reports are refused, and every gold field is right:
issuer, place, document number, signature date, cites, title, partial, and targets (where the
figures are achievements or current statistics, none is labelled a target).
"""

from pathlib import Path

import pytest

from tests.realworld import gold, score, write_raw

GOLD = gold()


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    from compare.build import build_tables

    raw = write_raw(tmp_path_factory.mktemp("real") / "raw")
    return build_tables(raw)


@pytest.mark.parametrize("name", sorted(GOLD))
def test_every_gold_field(real, name):
    tables, report = real
    result = score(tables, report)
    wrong = [(key, want, found) for n, key, want, found in result.wrong if n == name]
    assert wrong == [], wrong


def test_plans_are_built_and_news_refused_with_the_reason(real):
    _, report = real
    status = {Path(f.source_file).name: f for f in report.files}
    plans = [Path(n).name for n, g in GOLD.items() if g["status"] == "ok"]
    assert len(plans) >= 29 and all(status[p].status == "ok" for p in plans)
    for news in ("gangcha_news.txt", "xining_news.txt"):
        assert status[news].status == "error"
        assert "news report about a policy" in status[news].messages[0]


def test_partial_texts_say_why_in_the_table_and_the_build_report(real):
    tables, report = real
    docs = tables["documents"].set_index("source_file")
    row = docs.loc["plans/13_hangzhou.txt"]
    assert row["is_partial"] and "starts without a title" in row["partial_reason"]
    assert "stops mid-sentence" in row["partial_reason"]
    dawa = docs.loc["plans/15_dawa.txt", "partial_reason"]
    assert "annex" in dawa and "任务分解表" in dawa and "mid-sentence" not in dawa
    notes = [m for f in report.files if f.source_file == "plans/15_dawa.txt" for m in f.messages]
    assert any("partial text" in m for m in notes)


def test_doc_ids_open_with_the_place(real):
    tables, _ = real
    ids = tables["documents"].set_index("source_file")["doc_id"]
    assert ids["plans/01_nanjing.txt"] == "nanjing-2022-52"
    assert ids["plans/06_zhenping.txt"] == "zhenping-2011"
    assert ids["plans/13_hangzhou.txt"] == "hangzhou"
    assert ids["plans/12_wuzhangai_docshare.txt"].startswith("unplaced")
    assert not ids.str.contains("renminzhengfu|zhengfu|bangongshi").any()


def test_a_notice_keeps_its_own_title_beside_the_plan(real):
    tables, _ = real
    row = tables["documents"].set_index("source_file").loc["plans/17_dongyang.txt"]
    assert row["title"] == "东阳市促进残疾人就业行动实施方案（2023—2025年）"
    assert row["notice_title"].startswith(
        "东阳市人民政府办公室关于印发《东阳市促进残疾人就业行动实施方案"
    )


def test_achievements_and_statistics_are_never_targets(real):
    tables, _ = real
    docs = tables["documents"].set_index("source_file")["doc_id"]
    t = tables["targets"]
    dongyang = t[(t.doc_id == docs["plans/17_dongyang.txt"]) & (t.value == 7600)]
    assert dongyang["kind"].tolist() == ["context"]  # 以7600多名持证残疾人为主要对象
    for name in (
        "plans/03_sichuan.txt",
        "plans/14_guangdong.txt",
        "plans/07_ankang.txt",
        "plans/20_shandong.txt",
    ):
        assert not ((t.doc_id == docs[name]) & (t.kind == "target")).any(), name


def test_every_indicator_of_the_real_world_plans_is_a_whole_phrase(real):
    from tests.extract.test_targets import assert_whole_phrases

    assert_whole_phrases(real[0]["targets"])
