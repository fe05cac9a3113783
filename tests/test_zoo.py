"""The layout zoo: three whole plans (a county 实施意见, a city 十四五 规划, a provincial 实施方案)
in every medium users bring them in, each built on its own, checked against gold read by hand.

Per rendering (``county-docx``, ``city-pdf-chromium-unruled``, ``province-scan-200dpi`` …):
the document number, issuer and date; every numbered item a clause and no heading a sentence;
the outline; every indicator row a target with its value, comparator, unit and binding, and
never a clause; every task row with its exact lead agencies; the body all accounted for.
Many of these fail on today's reader: they measure it (``benchmarks/zoo.py`` counts them).
"""
from __future__ import annotations

import csv
import re

import pytest

from compare.config import RESOURCES_DIR
from tests.zoo import render
from tests.zoo.plans import PLANS
from tests.zoo.zoo import RENDERINGS, Zoo, available, check, norm, sentences

#: Issuers the zoo must not borrow (the corpus's and the other test suites').
RESERVED = (
    "阿荣旗 保德县 巴彦淖尔市 鄂州市 马鞍山市 南充市 庆城县 新宾县 璧山区 泰顺县 巴林左旗 大石桥市 "
    "中卫市 河南省 内蒙古自治区 江西省 云南省 青海省 黑龙江省 海南省 天津市 西安市 武汉市 广州市 "
    "老河口市 呼伦贝尔市 普洱市 朝阳区 海淀区 丰台区 巴南区 同江"
).split()
PLACES = {"county": "沂水县", "city": "芜湖市", "province": "湖南省"}


def _ids(need=lambda gold: True) -> list[str]:
    return [rid for rid, r in RENDERINGS.items() if need(PLANS[r.plan].gold)]


@pytest.fixture(scope="module")
def zoo(tmp_path_factory):
    return Zoo(tmp_path_factory.mktemp("zoo"))


def _check(zoo, rid):
    why = available(RENDERINGS[rid])
    if why:
        pytest.skip(why)
    built = zoo.build(rid)
    return built, check(built)


# --------------------------------------------------------------------------- the gold itself
@pytest.mark.parametrize("key", PLANS)
def test_the_gold_is_printed_in_the_plan_once(key):
    plan = PLANS[key]
    text = norm(render.plain_text(plan))
    gold = plan.gold
    for item in gold.items:
        assert text.count(norm(item)) == 1, item
    for indicator in gold.indicators:  # only in its table row: never in running text
        assert text.count(norm(indicator.name)) == 1, indicator.name
    lines = [norm(render._kind(ln)[1]) for ln in plan.lines]
    for heading in gold.headings:
        assert any(heading_of(ln) == norm(heading) for ln in lines), heading
    assert norm(gold.doc_number) in text and norm(gold.issuer) in text
    year, month, day = (int(x) for x in gold.date.split("-"))
    assert f"{year}年{month}月{day}日" in text


def heading_of(line: str) -> str:
    """A printed line's heading: without its label, before a run-in full stop."""
    label = r"^(?:第[一二三四五六七八九十]+[章节]|专栏\d+|[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)"
    return re.sub(label, "", line).split("。")[0]


@pytest.mark.parametrize("key", PLANS)
def test_every_task_row_and_indicator_row_has_its_gold(key):
    plan = PLANS[key]
    for table in plan.tables.values():
        if "牵头单位" in table.header:
            lead = table.header.index("牵头单位")
            got = {int(r[0]): tuple(r[lead].split("、")) for r in table.rows}
            assert got == plan.gold.leads
        else:
            names = [norm(r[1]) for r in table.rows]
            assert len(names) == len(plan.gold.indicators)
            assert all(norm(i.name) in n for i, n in zip(plan.gold.indicators, names))


@pytest.mark.parametrize("key", PLANS)
def test_the_plans_are_from_real_places_outside_the_corpus(key):
    with open(RESOURCES_DIR / "divisions.csv", encoding="utf-8") as f:
        names = {row[1] for row in csv.reader(ln for ln in f if not ln.startswith("#"))}
    assert PLACES[key] in names and PLACES[key] in PLANS[key].gold.issuer
    text = render.plain_text(PLANS[key])
    assert not [place for place in RESERVED if place in text]


def _check_shown(zoo, rid, part: str, what: str):
    """:func:`_check`'s result for rendering ``rid``, skipping the test when the plan's gold for
    that rendering holds no ``part`` (a scan may show only the opening pages)."""
    built, result = _check(zoo, rid)
    if not getattr(built.gold, part):
        pytest.skip(f"the scanned pages show no {what}")
    return result


# --------------------------------------------------------------------------- per rendering
@pytest.mark.parametrize("rid", _ids())
def test_the_document_number_issuer_and_date(zoo, rid):
    built, result = _check(zoo, rid)
    if not (built.gold.doc_number or built.gold.date):
        pytest.skip("the scanned pages show no document number or date")
    assert not result.metadata, result.metadata


@pytest.mark.parametrize("rid", _ids(lambda gold: gold.items))
def test_every_numbered_item_is_a_clause(zoo, rid):
    result = _check_shown(zoo, rid, "items", "numbered item")
    assert not result.items_missing, (
        f"{len(result.items_missing)}/{result.items_total} numbered items are not clauses: "
        f"{result.items_missing}"
    )


@pytest.mark.parametrize("rid", _ids())
def test_no_heading_is_a_sentence(zoo, rid):
    _, result = _check(zoo, rid)
    assert not result.bad_headings, result.bad_headings


@pytest.mark.parametrize("rid", _ids())
def test_the_outline_is_the_plans_headings(zoo, rid):
    _, result = _check(zoo, rid)
    assert not result.headings_missing, f"headings not read: {result.headings_missing}"
    assert not result.headings_extra, f"read as headings: {result.headings_extra}"


@pytest.mark.parametrize("rid", _ids(lambda gold: gold.indicators))
def test_every_indicator_row_is_a_target_with_its_value_and_binding(zoo, rid):
    result = _check_shown(zoo, rid, "indicators", "indicator row")
    assert not result.indicators_wrong, (
        f"{len(result.indicators_wrong)}/{result.indicators_total} indicator rows wrong: "
        f"{result.indicators_wrong}"
    )


@pytest.mark.parametrize("rid", _ids(lambda gold: gold.indicators))
def test_an_indicator_row_is_never_a_clause(zoo, rid):
    result = _check_shown(zoo, rid, "indicators", "indicator row")
    assert not result.indicators_as_clauses, result.indicators_as_clauses


@pytest.mark.parametrize("rid", _ids(lambda gold: gold.leads))
def test_every_task_row_has_its_exact_lead_agencies(zoo, rid):
    result = _check_shown(zoo, rid, "leads", "task row")
    assert not result.tasks_wrong, (
        f"{len(result.tasks_wrong)}/{result.tasks_total} task rows wrong: {result.tasks_wrong}"
    )


@pytest.mark.parametrize("rid", [r for r in RENDERINGS if r.endswith(("-html", "-chromium-web"))])
def test_the_web_pages_furniture_is_never_a_clause_or_heading(zoo, rid):
    _, result = _check(zoo, rid)
    assert not result.furniture, result.furniture


@pytest.mark.parametrize("rid", _ids())
def test_the_body_is_accounted_for(zoo, rid):
    built, _ = _check(zoo, rid)
    assert built.tables is not None, built.error
    documents = built.tables["documents"]
    assert "accounted_share" in documents.columns, "documents has no accounted_share yet"
    assert (documents["accounted_share"] >= 0.99).all(), list(documents["accounted_share"])


def test_a_numbered_item_is_cut_into_the_readers_clauses():
    item = "加快推进城乡无障碍环境建设。新建、改建、扩建的公共建筑和道路要严格执行标准。"
    assert sentences(item) == [
        "加快推进城乡无障碍环境建设。", "新建、改建、扩建的公共建筑和道路要严格执行标准。"
    ]
