"""Hostile text inside plans that are otherwise fine: a page nested deep around a long text is
read at the cost of its size."""

import pytest

from compare.read.formats import read_html
from tests.conftest import SAMPLE_PLAN
from tests.hostile import deep_html_text


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
