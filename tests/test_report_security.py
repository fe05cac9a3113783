"""Reports from a plan full of markup: the markup is shown as text, nothing runs, nothing is
fetched, and spreadsheets hold text, never formulas.

The plan carries script payloads and beacons (markup that would fetch a URL from a server the
test runs on 127.0.0.1) in its title, headings, clauses, task cells and agency names. Every
report is made from it and read three ways: the HTML as markup (an allow-list of tags and
attributes), the HTML in headless Chromium (the page title never changes, the server never
hears from the page), and the workbooks cell by cell.
"""

import http.server
import re
import shutil
import subprocess
import threading

import pytest

from compare.config import RAW_DATA_DIR
from compare.report.runner import run_reports
from tests.conftest import SAMPLE_PLAN, tree_hashes
from tests.hostile import SCRIPT_PAYLOADS, beacons

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
#: Attributes that make a browser load something, and tags that run, embed or play something.
LOADING_ATTRIBUTES = {
    "src",
    "href",
    "poster",
    "data",
    "srcset",
    "action",
    "formaction",
    "background",
    "xlink:href",
    "codebase",
    "cite",
    "ping",
}
FORBIDDEN_TAGS = {
    "script",
    "iframe",
    "object",
    "embed",
    "video",
    "audio",
    "source",
    "link",
    "svg",
    "math",
    "form",
    "base",
    "meta",
    "frame",
    "frameset",
    "applet",
    "track",
    "picture",
}


class Beacon(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - the standard library's name
        Beacon.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/gif")
        self.end_headers()
        self.wfile.write(b"GIF89a")

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def beacon_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Beacon)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def hostile_plan(base: str) -> str:
    """The sample plan with payloads and beacons in every place a report shows text."""
    s, b = SCRIPT_PAYLOADS, beacons(base)
    text = SAMPLE_PLAN.replace("关于加快推进残疾人", "关于加快推进" + s[0] + "残疾人", 1)
    text = text.replace(
        "二、重点任务", "二、重点任务<svg/onload=document.title='PWNED'>"
    )  # a heading's room
    text = text.replace("加大残疾人社会救助力度。", "加大残疾人社会救助力度。" + s[1] + s[2])
    text = text.replace("精神残疾人福利机构", "精神残疾人福利机构" + s[3] + "".join(b[2:6]))
    text = text.replace(
        "残疾人事业与经济社会协调发展", "残疾人事业与经济社会协调发展<script>alert(1)</script>"
    )
    text = text.replace("加强组织领导，", "加强组织领导" + s[4] + "".join(b[6:]) + "，")
    return text + (
        "附件\n重点任务分工\n序号\t工作任务\t牵头单位\t配合单位\n"
        f"1\t落实护理补贴制度{s[5]}\t区民政局{s[0]}\t区残联\n"
        f'2\t=HYPERLINK("{base}/xlsx.gif","点击")\t区残联\t{b[0]}\n'
        "3\t＝1+1开展无障碍改造\t区残联\t@区财政局\n"
    )


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, beacon_server):
    from compare.build import build_tables, write_tables

    root = tmp_path_factory.mktemp("hostile")
    (root / "raw" / "plans").mkdir(parents=True)
    (root / "raw" / "templates").mkdir()
    (root / "raw" / "plans" / "plan.txt").write_text(hostile_plan(beacon_server), encoding="utf-8")
    # a second plan whose title holds a beacon (a title has room for one payload)
    beacon_title = (
        SAMPLE_PLAN.replace("测试区", "信标区")
        .replace("测政发", "信政发")
        .replace(
            "关于加快推进残疾人", f'关于加快推进<video poster="{beacon_server}/title.gif">残疾人', 1
        )
    )
    (root / "raw" / "plans" / "beacon.txt").write_text(beacon_title, encoding="utf-8")
    shutil.copy(RAW_DATA_DIR / "templates" / "guofa-2015-7.txt", root / "raw" / "templates")
    before = tree_hashes(root / "raw")
    tables, report = build_tables(root / "raw")
    write_tables(tables, root / "processed", report)
    plan = tables["documents"].set_index("source_file").loc["plans/plan.txt", "doc_id"]
    other = tables["documents"].set_index("source_file").loc["plans/beacon.txt", "doc_id"]
    jobs = run_reports(root / "processed", root / "reports", plans=[plan], jobs=2)
    jobs += run_reports(
        root / "processed", root / "reports", plans=[other], reports=["plan_profile"], jobs=1
    )
    assert tree_hashes(root / "raw") == before  # building and reporting never touch the inputs
    assert [j.status for j in jobs] == ["ok"] * 5, [j.error for j in jobs]
    pages = {
        (j.report if j.plan != other else "beacon_profile"): (root / "reports" / j.files["html"])
        for j in jobs
    }
    pages["index"] = root / "reports" / "index.html"
    return root, tables, jobs, pages


def test_the_payloads_reach_the_tables(hostile):
    """The test is only as good as its input: the markup really is in the tables reports show."""
    _, tables, _, _ = hostile
    titles = " ".join(tables["documents"]["title"].dropna())
    assert "<img src=x onerror=" in titles and "<video poster=" in titles
    assert any("<svg/onload=" in h for h in tables["sections"]["heading"].dropna())
    assert any("<math><img" in t for t in tables["measures"]["text"])
    assert any("<script>document.title" in t for t in tables["tasks"]["task"])
    assert any("onerror" in a for a in tables["agencies"]["agency_name"])
    assert tables["tasks"]["task"].str.startswith("=").sum() == 2


def test_markup_is_text_in_every_page(hostile):
    from lxml import html as lxml_html

    _, _, _, pages = hostile
    for name, path in pages.items():
        page = path.read_text(encoding="utf-8")
        assert "Content-Security-Policy" in page and "default-src 'none'" in page, name
        tree = lxml_html.fromstring(page)
        for el in tree.iter():
            if not isinstance(el.tag, str):
                continue
            assert el.tag not in FORBIDDEN_TAGS - {"meta"} or el.getparent().tag == "head", (
                name,
                el.tag,
            )
            for attr, value in el.attrib.items():
                assert not attr.lower().startswith("on"), (name, el.tag, attr)
                if attr.lower() in LOADING_ATTRIBUTES:
                    ok = value.startswith("data:image/") or not re.match(
                        r"\s*([a-z][a-z0-9+.-]*:|//)", value, re.I
                    )
                    assert ok, (name, el.tag, attr, value[:80])
                if attr.lower() == "style":
                    assert "url(" not in value.lower(), (name, value)
        assert "javascript:" not in " ".join(tree.xpath("//@href")), name
    shown = {
        "plan_profile": [
            "&lt;img src=x onerror=",
            "&lt;svg/onload=",
        ],  # title, heading: shown as text
        "beacon_profile": ["&lt;video poster="],
        "coverage": ['&lt;a href="javascript:'],
        "drift": ["&lt;script&gt;"],
    }
    for report, texts in shown.items():
        for text in texts:
            assert text in pages[report].read_text(encoding="utf-8"), (report, text)


def test_workbooks_hold_text_never_formulas(hostile):
    from openpyxl import load_workbook

    root, _, jobs, _ = hostile
    seen = []
    for j in jobs:
        book = load_workbook(root / "reports" / j.files["xlsx"])
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (
                        j.files["xlsx"],
                        sheet.title,
                        cell.coordinate,
                        cell.value,
                    )
                    if isinstance(cell.value, str) and cell.value.startswith("=HYPERLINK"):
                        seen.append(j.report)
    assert "plan_profile" in seen  # the task cell is there, as text


def _chromium(url: str, *args: str) -> str:
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--virtual-time-budget=4000",
            *args,
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout


@pytest.mark.browser
@pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium is not installed (apt-get install chromium); "
    "`make test` installs it when it can",
)
def test_nothing_runs_and_nothing_is_fetched_in_a_browser(hostile, beacon_server, tmp_path):
    _, _, _, pages = hostile
    # the harness can see a request: a page without our guards fetches the beacon at once
    control = tmp_path / "control.html"
    control.write_text(
        f'<html><body><img src="{beacon_server}/control.gif"></body></html>', encoding="utf-8"
    )
    _chromium(control.as_uri(), "--dump-dom")
    assert "/control.gif" in Beacon.hits
    Beacon.hits.clear()
    for name, path in pages.items():
        dom = _chromium(path.resolve().as_uri(), "--dump-dom")
        assert "<title>PWNED</title>" not in dom and "<title>" in dom, name
    assert Beacon.hits == []
