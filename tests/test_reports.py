"""compare reports: every report from the real corpus, offline HTML, PDF, Excel, failures, and
what a reader sees in them."""

import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from compare.report.runner import REPORTS, run_reports

EXTERNAL = re.compile(
    r"""<(?:link|script|img|iframe)\b[^>]*\b(?:href|src)\s*=\s*["']?(?:https?:)?//""", re.I
)


@pytest.fixture(scope="module")
def processed(built, tmp_path_factory):
    from compare.build import write_tables

    out = tmp_path_factory.mktemp("processed")
    write_tables(built[0], out, built[1])
    return out


@pytest.fixture(scope="module")
def reports(processed, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    jobs = run_reports(processed, out, plans=["chaoyang-2017", "haidian"], jobs=2)
    return out, jobs


def test_every_report_is_made(reports):
    out, jobs = reports
    assert [j.status for j in jobs] == ["ok"] * len(jobs), [j.error for j in jobs]
    assert {(j.report, j.plan) for j in jobs} == {
        (r, p) for r in REPORTS if REPORTS[r].per_plan for p in ("chaoyang-2017", "haidian")
    } | {("overview", "all")}
    for j in jobs:
        for kind in ("html", "xlsx", "ipynb") + (("pdf",) if CHROMIUM else ()):
            assert (out / j.files[kind]).stat().st_size > 0
        # the executed notebooks sit apart from what readers receive
        assert j.files["ipynb"].startswith("_notebooks/")
    assert not list(out.glob("*/*.ipynb")) or all(
        p.parts[-3] == "_notebooks" for p in out.rglob("*.ipynb")
    )
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "coverage/chaoyang-2017.html" in index and "overview/all.xlsx" in index
    assert "朝阳区" in index and "承诺了53项中的41项" in index


def test_html_is_offline_and_has_no_code(reports):
    out, jobs = reports
    for j in jobs:
        page = (out / j.files["html"]).read_text(encoding="utf-8")
        assert not EXTERNAL.search(page)
        assert "<script" not in page.lower()
        assert "import compare" not in page  # code cells are hidden
        # no Python warning and no path of this machine reaches a reader
        assert "Warning" not in page and "/src/compare" not in page, j.files["html"]
        assert (
            'src="data:image/png;base64,' in page
            or j.report == "plan_profile"
            and j.plan == "haidian"
        )
    profile = (out / "plan_profile/chaoyang-2017.html").read_text(encoding="utf-8")
    assert "区民政局" in profile and "200张" in profile and "朝政发〔2017〕7号" in profile


def test_excel_workbooks(reports):
    out, _ = reports
    sheets = pd.read_excel(out / "plan_profile/chaoyang-2017.xlsx", sheet_name=None)
    assert list(sheets) == ["主要发现", "基本信息", "章节结构", "量化目标", "重点任务"]
    tasks = sheets["重点任务"]
    assert tasks.loc[tasks["序号"] == 34, "牵头单位"].item() == "区民政局"
    assert "Unnamed: 0" not in tasks.columns  # no index column
    from openpyxl import load_workbook

    book = load_workbook(out / "plan_profile/chaoyang-2017.xlsx")
    for ws in book.worksheets:  # every sheet can be filtered, header to last row
        assert ws.auto_filter.ref == ws.dimensions, ws.title
    overview = pd.read_excel(out / "overview/all.xlsx", sheet_name=None)
    assert set(overview) == {"主要发现", "方案", "模板沿用率", "谱系", "承诺覆盖", "未涉及的承诺"}
    # the gaps are in Excel too: 朝阳 leaves out 12 of the 53 commitments, 消防安全关爱 among them
    coverage = pd.read_excel(out / "coverage/chaoyang-2017.xlsx", sheet_name=None)
    gaps = coverage["未涉及的承诺"]
    assert len(gaps) == 12 and gaps["未涉及的方案"].eq("朝阳区").all()
    assert gaps["承诺事项"].str.contains("消防安全关爱").any()
    assert coverage["主要发现"]["内容"].iloc[0].startswith("朝阳区承诺了53项中的41项")


def test_a_failed_report_is_listed_and_the_rest_are_made(processed, tmp_path, monkeypatch):
    from compare.report import runner

    real = runner.report_frames

    def broken(report, tables, plan, lang="zh"):
        if report == "coverage":
            raise runner.CompareError("the coverage table is damaged")
        return real(report, tables, plan, lang)

    monkeypatch.setattr(runner, "report_frames", broken)
    jobs = run_reports(
        processed,
        tmp_path,
        plans="haidian",
        reports=["coverage", "plan_profile"],
        jobs=2,
        pdf=False,
        embed_font=False,
    )
    status = {j.report: j for j in jobs}
    assert status["coverage"].status == "failed" and "damaged" in status["coverage"].error
    assert status["plan_profile"].status == "ok"
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "未能生成" in index and "damaged" in index


def test_unknown_plan_or_report_is_named(processed, tmp_path):
    from compare.errors import CompareError

    with pytest.raises(CompareError, match="choose among: banan-2022"):
        run_reports(processed, tmp_path, plans="西城区")
    with pytest.raises(CompareError, match="unknown report"):
        run_reports(processed, tmp_path, reports="budget")


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.browser
@pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium is not installed (apt-get install chromium "
    "fonts-wqy-microhei); `make test` installs it when it can",
)
def test_reports_render_in_a_real_browser_offline(reports, tmp_path):
    out, jobs = reports
    pages = ["index.html"] + [j.files["html"] for j in jobs if j.plan in ("chaoyang-2017", "all")]
    shots = Path("reports/screenshots") if Path("reports").exists() else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    for page in pages:
        png = shots / (page.replace("/", "_") + ".png")
        subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--proxy-server=http://127.0.0.1:9",
                "--window-size=1280,1600",
                f"--screenshot={png}",
                (out / page).resolve().as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        assert png.stat().st_size > 20_000  # a rendered page, not a blank one


def test_a_broken_raw_file_is_listed_in_the_index(tmp_path, sample_plan):
    from compare.build import build_tables, write_tables

    raw = tmp_path / "raw" / "plans"
    raw.mkdir(parents=True)
    (raw / "good.txt").write_text(sample_plan, encoding="utf-8")
    (raw / "broken.txt").write_bytes(b"\x00\x01\x02 not a plan \xff\xfe")
    tables, report = build_tables(tmp_path / "raw")
    write_tables(tables, tmp_path / "processed", report)
    jobs = run_reports(
        tmp_path / "processed",
        tmp_path / "reports",
        reports="plan_profile",
        jobs=1,
        pdf=False,
        embed_font=False,
    )
    assert [j.status for j in jobs] == ["ok"]
    index = (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
    assert "未能读取的文件" in index and "broken.txt" in index


def test_two_report_runs_give_identical_pages(processed, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # the pages say when they were made
    a = run_reports(
        processed,
        tmp_path / "a",
        plans="chaoyang-2017",
        reports="plan_profile,coverage",
        jobs=2,
        pdf=False,
    )
    b = run_reports(
        processed,
        tmp_path / "b",
        plans="chaoyang-2017",
        reports="plan_profile,coverage",
        jobs=2,
        pdf=False,
    )
    for ja, jb in zip(a, b):
        assert (tmp_path / "a" / ja.files["html"]).read_bytes() == (
            tmp_path / "b" / jb.files["html"]
        ).read_bytes()
    assert (tmp_path / "a" / "index.html").read_bytes() == (
        tmp_path / "b" / "index.html"
    ).read_bytes()
    assert "生成日期：2026-01-01" in (tmp_path / "a" / ja.files["html"]).read_text(encoding="utf-8")


# --- what a reader sees ---------------------------------------------------------------------

#: Things only a programmer should see, searched in the visible text of every page.
PROGRAMMER_ONLY = {
    "snake_case name": re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b"),
    "list brackets": re.compile(r"[\[\]]"),
    "cut cell": re.compile(r"\.\.\.|…\s*$", re.M),
    "warning or error": re.compile(r"Warning|Traceback|Error|warn\(", re.I),
    "path": re.compile(r"(?:/[A-Za-z0-9_.-]+){2,}|[A-Za-z]:\\"),
    "missing value": re.compile(r"\b(?:NaN|nan|None|NaT|True|False)\b|<NA>"),
    "English code": re.compile(
        r"\b(?:verbatim|quantified|specific|general|cited|nearest|relative|"
        r"perfunctory|conservative|innovative|defensive|template|inferred)\b"
        r"|>=|<="
    ),
}


def visible_text(page: Path) -> tuple[str, list]:
    """The text a reader sees on a page (no head, style or script), and its tables."""
    from lxml import html as lxml_html

    tree = lxml_html.fromstring(page.read_bytes())
    for el in tree.xpath("//head|//style|//script"):
        el.getparent().remove(el)
    return tree.text_content(), tree.xpath("//table")


def test_every_page_reads_as_a_reader_expects(reports, processed):
    """Names and words a reader knows on every page: no ids, codes, brackets, index columns,
    cut cells, warnings or paths."""
    from compare.build import load_tables

    out, jobs = reports
    doc_ids = load_tables(processed)["documents"]["doc_id"].tolist() + ["inferred-"]
    pages = [out / "index.html"] + [out / j.files["html"] for j in jobs]
    for page in pages:
        text, tables = visible_text(page)
        where = page.relative_to(out).as_posix()
        for what, pattern in PROGRAMMER_ONLY.items():
            found = pattern.search(text)
            assert found is None, (where, what, text[max(0, found.start() - 60) : found.end() + 60])
        for doc_id in doc_ids:
            assert doc_id not in text, (where, doc_id)
        for table in tables:
            header = [th.text_content().strip() for th in table.xpath(".//thead//th")]
            assert header and all(header), (where, "a column without a header", header)
            first = [
                tr.xpath("./td|./th")[0].text_content().strip()
                for tr in table.xpath(".//tbody/tr")
                if tr.xpath("./td|./th")
            ]
            counting = [str(i) for i in range(len(first))]
            assert len(first) < 3 or first != counting, (where, "an index column")


def test_reports_lead_with_findings_and_method(reports):
    out, _ = reports
    drift, _ = visible_text(out / "drift/chaoyang-2017.html")
    assert "主要发现" in drift and "方法说明" in drift
    assert "朝阳区对照京政发〔2016〕8号：沿用其68%的文字" in drift
    assert "沿用率：对照文件现有文本中被方案沿用的字数比例" in drift
    assert (
        "对照文件：京政发〔2016〕8号《北京市人民政府关于加快推进残疾人小康进程的实施意见》" in drift
    )
    coverage, _ = visible_text(out / "coverage/chaoyang-2017.html")
    assert "朝阳区承诺了53项中的41项：量化承诺6项，具体措施34项，原则提及1项。" in coverage
    assert "未涉及的承诺" in coverage and "重度残疾人家庭消防安全关爱" in coverage
    overview, _ = visible_text(out / "overview/all.html")
    assert "丰台区沿用京政发〔2016〕8号的84%。" in overview
    profile, _ = visible_text(out / "plan_profile/chaoyang-2017.html")
    assert "生成日期：" in profile and "来源文件：" in profile  # when, and from what


def test_long_tables_are_whole_and_folded_under_their_row_count(processed, tmp_path):
    """巴南's outline has 119 headings: all 119 are in the page, folded under 共 119 行."""
    run_reports(
        processed,
        tmp_path,
        plans="巴南区",
        reports="plan_profile",
        jobs=1,
        pdf=False,
        embed_font=False,
    )
    page = (tmp_path / "plan_profile/banan-2022.html").read_text(encoding="utf-8")
    assert "共 119 行" in page
    _, tables = visible_text(tmp_path / "plan_profile/banan-2022.html")
    outline = next(t for t in tables if "标题" in t.xpath(".//thead")[0].text_content())
    assert len(outline.xpath(".//tbody/tr")) == 119


def test_the_lineage_diagram_puts_each_plan_under_its_parents(processed):
    """丰台 under 京政发〔2016〕8号 under 国发〔2015〕7号, copy rates on the edges, 朝阳 as
    丰台's earlier source plan, inferred texts marked."""
    from compare.build import load_tables
    from compare.report.plots import _lineage_positions, lineage_diagram, lineage_graph

    t = load_tables(processed)
    plans = t["documents"].loc[t["documents"]["role"] == "plan", "doc_id"].tolist()
    graph = lineage_graph(t["lineage"], t["documents"], t["drift"], plans)
    assert graph.edges["guofa-2015-7", "beijing-2016-8"]["relation"] == "parent"
    assert graph.edges["beijing-2016-8", "fengtai-2018"]["relation"] == "parent"
    assert graph.edges["beijing-2016-8", "fengtai-2018"]["rate"] == pytest.approx(0.8439)
    assert graph.edges["chaoyang-2017", "fengtai-2018"]["relation"] == "ancestor"
    assert graph.nodes["inferred-beijing"]["inferred"]
    pos = _lineage_positions(graph)
    assert pos["guofa-2015-7"][1] > pos["beijing-2016-8"][1] > pos["fengtai-2018"][1]
    fig = lineage_diagram(t["lineage"], t["documents"], t["drift"], ["fengtai-2018"])
    texts = {x.get_text() for x in fig.axes[0].texts}
    assert {"国发〔2015〕7号", "京政发〔2016〕8号", "丰台区", "84%"} <= texts


def test_reports_of_removed_plans_are_removed(processed, tmp_path):
    stale = tmp_path / "drift"
    stale.mkdir(parents=True)
    for name in (
        "xicheng-2019.html",
        "xicheng-2019.pdf",
        "xicheng-2019.xlsx",
        "chaoyang-2017.ipynb",
        "my notes.txt",
    ):
        (stale / name).write_text("old", encoding="utf-8")
    (tmp_path / "briefing.docx").write_text("the user's own file", encoding="utf-8")
    run_reports(
        processed,
        tmp_path,
        plans="haidian",
        reports="plan_profile",
        jobs=1,
        pdf=False,
        embed_font=False,
    )
    assert sorted(p.name for p in stale.iterdir()) == ["my notes.txt"]
    assert (tmp_path / "briefing.docx").exists()


def test_a_report_in_english(processed, tmp_path):
    jobs = run_reports(
        processed,
        tmp_path,
        plans="丰台区",
        reports="drift",
        jobs=1,
        pdf=False,
        embed_font=False,
        lang="en",
    )
    page = tmp_path / jobs[0].files["html"]
    assert '<html lang="en">' in page.read_text(encoding="utf-8")
    text, _ = visible_text(page)
    assert "Findings" in text and "Copy rate" in text and "mostly reused" in text
    assert "沿用率" not in text and "主要发现" not in text
    book = pd.read_excel(tmp_path / jobs[0].files["xlsx"], sheet_name=None)
    assert list(book)[0] == "Findings"


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed")
def test_pdfs_are_a4_with_the_title_on_every_page(reports):
    import pypdfium2 as pdfium

    out, jobs = reports
    for j in jobs:
        pdf = pdfium.PdfDocument(out / j.files["pdf"])
        assert len(pdf) >= 1
        width, height = pdf[0].get_size()
        assert (round(width), round(height)) == (595, 842), j.files["pdf"]  # A4 portrait
        for i in range(len(pdf)):
            text = pdf[i].get_textpage().get_text_range()
            assert REPORT_TITLE[j.report] in text, (j.files["pdf"], i)
    drift = pdfium.PdfDocument(out / "drift/chaoyang-2017.pdf")
    whole = "".join(p.get_textpage().get_text_range() for p in drift)
    assert "沿用其68%的文字" in whole.replace("\r\n", "").replace("\n", "")
    assert "报告目录" not in whole  # the navigation does not print


REPORT_TITLE = {name: r.title for name, r in REPORTS.items()}


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed")
def test_chinese_renders_without_any_chinese_system_font(reports, tmp_path):
    """A machine without Chinese fonts (fontconfig sees only DejaVu) shows the page as one with
    them does, because the page carries its font; without that font it would show tofu."""
    import numpy as np
    from PIL import Image

    out, _ = reports
    page = out / "coverage/chaoyang-2017.html"
    bare = tmp_path / "bare.html"
    bare.write_text(
        re.sub(r"@font-face \{[^}]*\}", "", page.read_text(encoding="utf-8")), encoding="utf-8"
    )
    latin = Path("/usr/share/fonts/truetype/dejavu")
    if not latin.is_dir():
        pytest.skip("no DejaVu fonts to stand for a machine without Chinese fonts")

    def fontconfig(name: str, *folders: Path) -> Path:
        conf = tmp_path / f"{name}.conf"
        dirs = "".join(f"<dir>{d}</dir>" for d in folders)
        conf.write_text(
            f'<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
            f"{dirs}<cachedir>{tmp_path / name}-cache</cachedir></fontconfig>",
            encoding="utf-8",
        )
        return conf

    cjk = [
        Path(f.split(":")[0]).parent
        for f in subprocess.run(
            ["fc-list", ":lang=zh", "file"], capture_output=True, text=True
        ).stdout.split()
    ]
    no_cjk, with_cjk = fontconfig("latin", latin), fontconfig("cjk", latin, *cjk[:1])

    def shot(path: Path, name: str, conf: Path) -> np.ndarray:
        import os

        png = tmp_path / f"{name}.png"
        subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                f"--user-data-dir={tmp_path / name}",
                "--window-size=1000,700",
                "--hide-scrollbars",
                f"--screenshot={png}",
                path.resolve().as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
            env=dict(os.environ, FONTCONFIG_FILE=str(conf)),
        )
        return np.asarray(Image.open(png).convert("L"), dtype=float)

    embedded = shot(page, "embedded", no_cjk)
    tofu = shot(bare, "tofu", no_cjk)
    assert np.abs(tofu - embedded).mean() > 5.0  # without its font, the page is not the same
    if cjk:  # and with its font it is the page a machine with Chinese fonts shows
        assert np.abs(embedded - shot(page, "system", with_cjk)).mean() < 0.5


def test_a_lineage_diagram_of_many_plans_draws_one_box_per_parent(processed):
    """Forty plans under one provincial text and ten under the national one: two boxes, each
    edge labelled with the plans' mean copy rate, instead of fifty boxes no page can hold."""
    import numpy as np

    from compare.build import load_tables
    from compare.report.plots import lineage_diagram, lineage_graph

    t = load_tables(processed)
    docs = t["documents"]
    template = docs[docs["role"] == "template"]
    plan = docs[docs["doc_id"] == "chaoyang-2017"].iloc[0]
    plans = pd.DataFrame(
        [plan.to_dict() | {"doc_id": f"p{i:02d}", "county": f"第{i}区"} for i in range(50)]
    )
    documents = pd.concat([template, plans], ignore_index=True)
    parent = ["beijing-2016-8"] * 40 + ["guofa-2015-7"] * 10
    rates = np.linspace(0.2, 0.8, 50)
    lineage = pd.DataFrame(
        {
            "doc_id": plans["doc_id"],
            "ancestor_doc_id": parent,
            "relation": "parent",
            "score": rates,
            "rank": 1,
        }
    )
    lineage = pd.concat([lineage, t["lineage"][t["lineage"]["doc_id"] == "beijing-2016-8"]])
    drift = pd.DataFrame(
        {"doc_id": plans["doc_id"], "reference_doc_id": parent, "copy_rate": rates}
    )
    assert len(lineage_graph(lineage, documents, drift, plans["doc_id"].tolist())) == 52
    fig = lineage_diagram(lineage, documents, drift, plans["doc_id"].tolist())
    texts = {x.get_text() for x in fig.axes[0].texts}
    assert {"40个方案", "10个方案", f"{rates[:40].mean():.0%}", f"{rates[40:].mean():.0%}"} <= texts
    assert fig.get_size_inches()[0] < 12  # fits a page
