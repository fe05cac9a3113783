"""compare reports: every report from the real corpus, offline HTML, escaped text, Excel, failures."""
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from compare.report.runner import REPORTS, run_reports

EXTERNAL = re.compile(r"""<(?:link|script|img|iframe)\b[^>]*\b(?:href|src)\s*=\s*["']?(?:https?:)?//""", re.I)


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
    assert {(j.report, j.plan) for j in jobs} == {(r, p) for r in REPORTS if REPORTS[r].per_plan
                                                  for p in ("chaoyang-2017", "haidian")} | {("overview", "all")}
    for j in jobs:
        for kind in ("html", "xlsx", "ipynb"):
            assert (out / j.files[kind]).stat().st_size > 0
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "coverage/chaoyang-2017.html" in index and "overview/all.xlsx" in index


def test_html_is_offline_and_has_no_code(reports):
    out, jobs = reports
    for j in jobs:
        page = (out / j.files["html"]).read_text(encoding="utf-8")
        assert not EXTERNAL.search(page)
        assert "<script" not in page.lower()
        assert "import compare" not in page           # code cells are hidden
        # no Python warning and no path of this machine reaches a reader
        assert "Warning" not in page and "/src/compare" not in page, j.files["html"]
        assert 'src="data:image/png;base64,' in page or j.report == "plan_profile" and j.plan == "haidian"
    profile = (out / "plan_profile/chaoyang-2017.html").read_text(encoding="utf-8")
    assert "区民政局" in profile and "200张" in profile and "朝政发〔2017〕7号" in profile


def test_excel_workbooks(reports):
    out, _ = reports
    sheets = pd.read_excel(out / "plan_profile/chaoyang-2017.xlsx", sheet_name=None)
    assert list(sheets) == ["基本信息", "章节结构", "量化目标", "重点任务"]
    tasks = sheets["重点任务"]
    assert tasks.loc[tasks["序号 no."] == 34, "牵头单位 lead"].item() == "区民政局"
    from openpyxl import load_workbook

    book = load_workbook(out / "plan_profile/chaoyang-2017.xlsx")
    for ws in book.worksheets:  # every sheet can be filtered, header to last row
        assert ws.auto_filter.ref == ws.dimensions, ws.title
    overview = pd.read_excel(out / "overview/all.xlsx", sheet_name=None)
    assert set(overview) == {"方案", "模板漂移", "谱系", "承诺覆盖"}


def test_a_failed_report_is_listed_and_the_rest_are_made(processed, tmp_path, monkeypatch):
    from compare.report import runner

    real = runner.report_frames

    def broken(report, tables, plan):
        if report == "coverage":
            raise runner.CompareError("the coverage table is damaged")
        return real(report, tables, plan)

    monkeypatch.setattr(runner, "report_frames", broken)
    jobs = run_reports(processed, tmp_path, plans="haidian", reports=["coverage", "plan_profile"], jobs=2)
    status = {j.report: j for j in jobs}
    assert status["coverage"].status == "failed" and "damaged" in status["coverage"].error
    assert status["plan_profile"].status == "ok"
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "失败 failed" in index and "damaged" in index


def test_unknown_plan_or_report_is_named(processed, tmp_path):
    from compare.errors import CompareError

    with pytest.raises(CompareError, match="choose among: banan-2022"):
        run_reports(processed, tmp_path, plans="西城区")
    with pytest.raises(CompareError, match="unknown report"):
        run_reports(processed, tmp_path, reports="budget")


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (apt-get install chromium "
                    "fonts-wqy-microhei); `make test` installs it when it can")
def test_reports_render_in_a_real_browser_offline(reports, tmp_path):
    out, jobs = reports
    pages = ["index.html"] + [j.files["html"] for j in jobs if j.plan in ("chaoyang-2017", "all")]
    shots = Path("reports/screenshots") if Path("reports").exists() else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    for page in pages:
        png = shots / (page.replace("/", "_") + ".png")
        subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--proxy-server=http://127.0.0.1:9", "--window-size=1280,1600", f"--screenshot={png}",
                        (out / page).resolve().as_uri()], check=True, capture_output=True, timeout=120)
        assert png.stat().st_size > 20_000  # a rendered page, not a blank one


def test_a_broken_raw_file_is_listed_in_the_index(tmp_path, sample_plan):
    from compare.build import build_tables, write_tables

    raw = tmp_path / "raw" / "plans"
    raw.mkdir(parents=True)
    (raw / "good.txt").write_text(sample_plan, encoding="utf-8")
    (raw / "broken.txt").write_bytes(b"\x00\x01\x02 not a plan \xff\xfe")
    tables, report = build_tables(tmp_path / "raw")
    write_tables(tables, tmp_path / "processed", report)
    jobs = run_reports(tmp_path / "processed", tmp_path / "reports", reports="plan_profile", jobs=1)
    assert [j.status for j in jobs] == ["ok"]
    index = (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
    assert "Files that could not be read" in index and "broken.txt" in index


def test_two_report_runs_give_identical_pages(processed, tmp_path):
    a = run_reports(processed, tmp_path / "a", plans="chaoyang-2017", reports="plan_profile,coverage", jobs=2)
    b = run_reports(processed, tmp_path / "b", plans="chaoyang-2017", reports="plan_profile,coverage", jobs=2)
    for ja, jb in zip(a, b):
        assert (tmp_path / "a" / ja.files["html"]).read_bytes() == (tmp_path / "b" / jb.files["html"]).read_bytes()
    assert (tmp_path / "a" / "index.html").read_bytes() == (tmp_path / "b" / "index.html").read_bytes()
