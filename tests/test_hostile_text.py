"""Hostile text inside plans that are otherwise fine: a page nested deep around a long text is
read at the cost of its size, invisible characters that reverse or hide text are removed and
counted, and headings holding a few tags keep their names."""

import pytest

from compare.build import build_tables
from compare.read.formats import read_html
from tests.conftest import SAMPLE_PLAN
from tests.hostile import BIDI_LEAD, INVISIBLE, bidi_plan, deep_html_text, markup_heading_plan


def _build(tmp_path, files: dict):
    """Build a raw folder of ``files`` (name → writer of that file); the tables and the report."""
    raw = tmp_path / "raw"
    (raw / "plans").mkdir(parents=True)
    for name, write in files.items():
        write(raw / "plans" / name)
    return build_tables(raw)


def _text_cells(tables) -> dict[str, str]:
    """Every text column of every table, its cells joined, by ``table.column``."""
    return {
        f"{name}.{col}": " ".join(map(str, table[col].dropna()))
        for name, table in tables.items()
        for col in table.columns
        if table[col].dtype.kind not in "biufM"
    }


# --------------------------------------------------------------------------- deep web pages
@pytest.fixture
def counted_visits(monkeypatch):
    """How many elements and strings the reader has visited in the parsed page so far (every walk
    of BeautifulSoup's ``descendants``: text, link and candidate searches all walk it)."""
    from bs4.element import Tag

    visits = {"n": 0}
    walk = Tag.descendants.fget

    def counted(self):
        for node in walk(self):
            visits["n"] += 1
            yield node

    monkeypatch.setattr(Tag, "descendants", property(counted))
    return visits


def _walks(page: bytes, visits: dict) -> tuple[str, float]:
    """The page's text as read, and how many times over reading it walked its parsed tree."""
    from bs4 import BeautifulSoup

    nodes = len(list(BeautifulSoup(page, "lxml").descendants))
    visits["n"] = 0
    text, _ = read_html(page, "page.html")
    return text, visits["n"] / nodes


def test_a_deep_page_is_read_as_flat_in_a_few_walks(tmp_path, counted_visits):
    flat, _ = read_html(deep_html_text(tmp_path / "flat.html", 0, 0.05).read_bytes(), "f")
    nested, walks = _walks(deep_html_text(tmp_path / "deep.html", 400, 0.05).read_bytes(),
                           counted_visits)
    # asking each of 400 nested blocks for its text and links walks the page 400 times over
    assert walks <= 8, walks
    assert nested == flat and nested.startswith(SAMPLE_PLAN.splitlines()[0])
    assert nested.count("加强组织领导") > 50


def test_the_article_is_picked_out_of_deep_menus_in_a_few_walks(counted_visits):
    article = "".join(f"<p>{line}</p>" for line in SAMPLE_PLAN.splitlines())
    menu = "".join(f"<li><a href='/{i}'>政务公开栏目第{i}项</a></li>" for i in range(60))
    page = (
        f"<html><body>{'<div>' * 300}<div class='menu'><ul>{menu}</ul></div>"
        f"<div class='side'><p>网站地图</p></div><div id='zoom'>{'<div>' * 100}{article}"
        f"{'</div>' * 100}</div>{'</div>' * 300}</body></html>"
    )
    text, walks = _walks(page.encode(), counted_visits)
    assert walks <= 8, walks
    assert "政务公开栏目" not in text and "网站地图" not in text
    assert [line for line in text.split("\n") if line] == SAMPLE_PLAN.splitlines()


# --------------------------------------------------------------------------- invisible characters
@pytest.mark.parametrize("suffix", ["txt", "docx", "html"])
def test_invisible_characters_are_removed_and_counted(tmp_path, suffix):
    name = f"bidi.{suffix}"
    tables, report = _build(tmp_path, {name: bidi_plan})
    status = {f.source_file: f for f in report.files}[f"plans/{name}"]
    assert status.status == "ok", status.messages
    assert any(f"{len(INVISIBLE)} invisible character(s)" in m for m in status.messages)
    for column, cells in _text_cells(tables).items():
        assert not any(c in cells for c in INVISIBLE), column
    doc = tables["documents"].iloc[0]
    assert doc.title == "北京市倒置区人民政府关于加快推进残疾人小康进程的实施意见"
    assert "重点任务" in list(tables["sections"]["heading"])
    assert any("加强组织领导，完善工作保障机制" in t for t in tables["measures"]["text"])
    assert list(tables["tasks"]["lead_agencies"].iloc[0]) == [BIDI_LEAD]


def test_no_invisible_character_reaches_a_report(tmp_path):
    from compare.build import write_tables
    from compare.report.runner import run_reports

    tables, report = _build(tmp_path, {"bidi.txt": bidi_plan})
    write_tables(tables, tmp_path / "processed", report)
    plan = tables["documents"]["doc_id"].iloc[0]
    jobs = run_reports(
        tmp_path / "processed", tmp_path / "reports", plans=[plan], reports=["plan_profile"],
        jobs=1, pdf=False, embed_font=False,
    )
    assert [j.status for j in jobs] == ["ok"], [j.error for j in jobs]
    page = (tmp_path / "reports" / jobs[0].files["html"]).read_text(encoding="utf-8")
    assert [f"U+{ord(c):04X}" for c in INVISIBLE if c in page] == []
    assert "倒置区" in page and BIDI_LEAD in page  # the plan's title and agency are shown


# --------------------------------------------------------------------------- markup in headings
@pytest.mark.parametrize("suffix", ["txt", "md"])
def test_headings_holding_tags_keep_their_names(tmp_path, suffix):
    name = f"marked.{suffix}"
    tables, report = _build(tmp_path, {name: markup_heading_plan})
    assert report.files[0].status == "ok", report.files[0].messages
    sections = tables["sections"]
    assert list(sections["heading"]) == [
        "总体要求", "重点任务", "加大残疾人社会救助力度", "优先保障残疾人基本住房", "保障措施"
    ]
    assert not sections["section_path"].str.contains("<").any()
    texts = list(tables["measures"]["text"])
    assert any(t.startswith("对有需求的残疾人家庭进行无障碍改造") for t in texts), texts
    assert not any("<" in t or ">" in t for t in texts), texts
