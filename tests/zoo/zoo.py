"""The zoo's renderings (plan × medium), each built on its own, and what each got right.

:data:`RENDERINGS` names every rendering (``county-docx``, ``city-scan-300dpi`` …);
:class:`Zoo` makes a rendering's file in a folder of its own, builds the tables from it once
and keeps them; :func:`check` compares a build with the gold the rendering can show (a scan
of some pages can only show what is printed on them). ``tests/test_zoo.py`` asserts on the
checks, ``benchmarks/zoo.py`` counts them.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

import pandas as pd

from compare.normalize import comparison_text
from tests.zoo import render
from tests.zoo.plans import PLANS, Gold, Indicator, Plan

#: A heading longer than this is a clause read as a heading.
HEADING_MAX = 40
#: Words of the web page around the article (render.web_page): never in a clause or heading.
FURNITURE = ("首页", "当前位置", "浏览次数", "字号", "分享到", "打印本页", "关闭窗口", "网站标识码",
             "网站地图", "联系我们", "无障碍浏览")


def norm(text: str) -> str:
    """Text as compared: spaces removed, full-width and half-width forms and punctuation folded."""
    return comparison_text(str(text), jurisdiction=False)


# --------------------------------------------------------------------------- renderings
@dataclass(frozen=True)
class Rendering:
    """One plan in one medium: ``make(plan, folder)`` writes the file and gives its path;
    ``pages(printed)``: for a scan, which pages of the printed PDF are scanned."""

    id: str
    plan: str
    make: Callable[[Plan, Path], Path]
    pages: Callable[[list[str]], list[int]] | None = None
    needs: str | None = None          # a program it needs: "soffice"

    @property
    def is_scan(self) -> bool:
        return self.pages is not None


def _txt(plan, folder):
    return _write(folder / f"{plan.key}.txt", render.plain_text(plan, "tab"))


def _txt_spaced(plan, folder):
    return _write(folder / f"{plan.key}.txt", render.plain_text(plan, "spaces"))


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _docx(plan, folder):
    return render.write_docx(plan, folder / f"{plan.key}.docx")


def _html(plan, folder):
    return _write(folder / f"{plan.key}.html", render.web_page(plan))


def _chromium(tables: str = "ruled", columns: bool = False):
    def make(plan, folder):
        page = render.print_page(plan, tables, columns=columns)
        return render.chromium_pdf(page, folder / f"{plan.key}.pdf")
    return make


def _chromium_web(plan, folder):
    """The web page itself printed (a browser's 'save as PDF'): navigation and footer too."""
    return render.chromium_pdf(render.web_page(plan), folder / f"{plan.key}.pdf")


def _reportlab(plan, folder):
    return render.reportlab_pdf(plan, folder / f"{plan.key}.pdf")


def _libreoffice(plan, folder):
    work = folder.parent.parent / "docx"
    work.mkdir(exist_ok=True)
    return render.libreoffice_pdf(_docx(plan, work), folder / f"{plan.key}.pdf")


def signed_and_tables(texts: list[str]) -> list[int]:
    """The pages a short scan keeps: those with the document number or the signature date,
    and those holding a table (a 序号 column)."""
    return [k for k, t in enumerate(texts) if _PAGE_KEEP.search(t)]


def signed_and_first_table(texts: list[str]) -> list[int]:
    """The first page and the page where the first table begins."""
    table = [k for k, t in enumerate(texts) if "序号" in t]
    return sorted({0, *table[:1]})


def first_table(texts: list[str]) -> list[int]:
    """The page where the first table begins."""
    return [next(k for k, t in enumerate(texts) if "序号" in t)]


#: Where a scan's printed PDF is kept, beside its raw folder.
PRINTED = "printed.pdf"
_PAGE_KEEP = re.compile(r"〔20\d\d〕\d+号|20\d\d年\d{1,2}月\d{1,2}日|序号")


def _scan(dpi: int, seed: int, image: bool = False):
    def make(plan, folder):
        printed = render.chromium_pdf(render.print_page(plan), folder.parent.parent / PRINTED)
        texts = [re.sub(r"\s+", "", t) for t in render.page_texts(printed)]
        rendering = RENDERINGS[f"{plan.key}-{'scan-png' if image else 'scan'}-{dpi}dpi"]
        pages = render.scanned_pages(printed, rendering.pages(texts), dpi, seed,
                                     seal=plan.gold.issuer)
        if image:
            path = folder / f"{plan.key}.png"
            pages[0].save(path, dpi=(dpi, dpi))
            return path
        return render.write_scan_pdf(pages, folder / f"{plan.key}.pdf")
    return make


def _renderings() -> dict[str, Rendering]:
    out = []
    for key in PLANS:
        out += [
            Rendering(f"{key}-txt", key, _txt),
            Rendering(f"{key}-txt-spaced", key, _txt_spaced),
            Rendering(f"{key}-docx", key, _docx),
            Rendering(f"{key}-html", key, _html),
            Rendering(f"{key}-pdf-chromium", key, _chromium("ruled")),
            Rendering(f"{key}-pdf-chromium-unruled", key, _chromium("unruled")),
            Rendering(f"{key}-pdf-chromium-wrapped", key, _chromium("wrapped")),
            Rendering(f"{key}-pdf-chromium-web", key, _chromium_web),
            Rendering(f"{key}-pdf-reportlab", key, _reportlab),
            Rendering(f"{key}-pdf-libreoffice", key, _libreoffice, needs="soffice"),
        ]
    out += [
        Rendering("county-pdf-chromium-2col", "county", _chromium("ruled", columns=True)),
        Rendering("county-scan-200dpi", "county", _scan(200, 1), signed_and_tables),
        Rendering("county-scan-png-150dpi", "county", _scan(150, 2, image=True), first_table),
        Rendering("city-scan-300dpi", "city", _scan(300, 3), signed_and_tables),
        Rendering("province-scan-200dpi", "province", _scan(200, 4), signed_and_first_table),
    ]
    return {r.id: r for r in out}


RENDERINGS = _renderings()


def available(rendering: Rendering) -> str | None:
    """Why ``rendering`` cannot be made on this machine, or None."""
    if rendering.needs == "soffice" and render.soffice() is None:
        return "LibreOffice (soffice) is not installed"
    if rendering.id.split("-", 1)[1].startswith(("pdf-chromium", "scan")):
        from compare.report.pdf import chromium

        if chromium() is None:
            return "headless Chromium is not installed"
    return None


# --------------------------------------------------------------------------- builds
@dataclass
class Built:
    """One rendering built on its own: its tables, the build report, the gold it can show."""

    rendering: Rendering
    path: Path
    tables: dict[str, pd.DataFrame]
    report: object
    gold: Gold
    seconds: float
    error: str | None = None          # why the build failed, if it did


class Zoo:
    """Renderings made and built on demand, each once, each in a folder of its own."""

    def __init__(self, root: Path):
        self.root = root
        self._built: dict[str, Built] = {}

    def build(self, rendering_id: str) -> Built:
        """The tables built from ``rendering_id``'s one file under ``raw/plans/``."""
        if rendering_id not in self._built:
            from compare.build import build_tables

            rendering = RENDERINGS[rendering_id]
            plan = PLANS[rendering.plan]
            raw = self.root / rendering_id / "raw"
            (raw / "plans").mkdir(parents=True)
            path = rendering.make(plan, raw / "plans")
            gold = plan.gold
            if rendering.is_scan:
                printed = self.root / rendering_id / PRINTED
                gold = shown_gold(plan, render.page_texts(printed), rendering.pages)
            start = time.perf_counter()
            try:
                tables, report = build_tables(raw)
                error = None
            except Exception as exc:  # a build that fails fails every check, saying why
                tables, report, error = None, None, f"{type(exc).__name__}: {exc}"
            self._built[rendering_id] = Built(rendering, path, tables, report, gold,
                                              time.perf_counter() - start, error)
        return self._built[rendering_id]


def shown_gold(plan: Plan, texts: list[str], pages) -> Gold:
    """The part of ``plan``'s gold printed on the scanned pages (by the printed text layer)."""
    flat = [re.sub(r"\s+", "", t) for t in texts]
    heads = {norm(_LABEL.sub("", ln.strip()).split("。")[0])
             for k in pages(flat) for ln in texts[k].splitlines()}
    shown = norm("".join(flat[k] for k in pages(flat)))
    gold = plan.gold
    rows = {int(r[0]): r for t in plan.tables.values() for r in t.rows}
    started = {n for n in gold.leads if norm(rows[n][1][:8]) in shown}
    # a row the page break cuts goes on on a page not scanned: only rows followed by another
    # scanned row (or the table's last) are printed whole
    whole = {n for n in started if n + 1 in started or n + 1 not in rows}
    return replace(
        gold,
        doc_number=gold.doc_number if norm(gold.doc_number) in shown else "",
        issuer=gold.issuer if norm(gold.doc_number) in shown else "",
        date=gold.date if _printed_date(gold.date) in shown else "",
        items=tuple(i for i in gold.items if norm(i) in shown),
        headings=tuple(h for h in gold.headings if norm(h) in heads),
        indicators=tuple(i for i in gold.indicators if norm(i.name) in shown),
        # a wrapped cell's lines come apart in the text layer: its first line stands for it
        leads={n: lead for n, lead in gold.leads.items() if n in whole},
    )


_LABEL = re.compile(r"^(?:第[一二三四五六七八九十]+[章节]|专栏\d+|[一二三四五六七八九十]+、"
                    r"|（[一二三四五六七八九十]+）)\s*")


def _printed_date(iso: str) -> str:
    year, month, day = (int(x) for x in iso.split("-"))
    return f"{year}年{month}月{day}日"


# --------------------------------------------------------------------------- checks
@dataclass
class Check:
    """What one build got right and wrong against its gold, element by element."""

    metadata: list[str] = field(default_factory=list)          # wrong fields, as 'field: got'
    items_missing: list[str] = field(default_factory=list)     # numbered items not a clause
    items_total: int = 0
    bad_headings: list[str] = field(default_factory=list)      # too long, or ending with 。
    headings_missing: list[str] = field(default_factory=list)
    headings_extra: list[str] = field(default_factory=list)
    indicators_wrong: list[str] = field(default_factory=list)  # 'name: why'
    indicators_total: int = 0
    indicators_as_clauses: list[str] = field(default_factory=list)
    tasks_wrong: list[str] = field(default_factory=list)       # 'n: got […]'
    tasks_total: int = 0
    furniture: list[str] = field(default_factory=list)          # site text in clauses/headings
    accounted_share: float | None = None
    documents: int = 0


def sentences(text: str) -> list[str]:
    """``text`` cut after each 。；！？ (the reader's clauses are at most this long)."""
    return [s for s in re.findall(r"[^。；！？]+[。；！？]?", text) if s.strip()]


def check(built: Built) -> Check:
    """The build's tables against the gold it can show."""
    tables, gold = built.tables, built.gold
    if tables is None:
        return _failed(built)
    out = Check(documents=len(tables["documents"]))
    _check_metadata(tables["documents"], gold, out)
    clauses = [norm(t) for t in tables["measures"]["text"]]
    out.items_total = len(gold.items)
    for item in gold.items:
        if not all(any(norm(s) in c for c in clauses) for s in sentences(item)):
            out.items_missing.append(item)
    # a numbered item that is a clause keeps its number as a section without a heading
    headings = [str(h) for h in tables["sections"]["heading"] if str(h)]
    read = {norm(h) for h in headings}
    wanted = {norm(h) for h in gold.headings}
    out.bad_headings = [h for h in headings if len(h) > HEADING_MAX or h.rstrip().endswith("。")]
    out.headings_missing = [h for h in gold.headings if norm(h) not in read]
    if not built.rendering.is_scan:
        out.headings_extra = [h for h in headings if norm(h) not in wanted]
    _check_indicators(tables["targets"], clauses, gold.indicators, out)
    out.tasks_total = len(gold.leads)
    tasks = tables["tasks"]
    got = {int(n): list(a) for n, a in zip(tasks["task_no"], tasks["lead_agencies"])}
    for n, lead in gold.leads.items():
        if got.get(n) != list(lead):
            out.tasks_wrong.append(f"{n}: {got.get(n, 'no row')}")
    out.furniture = [t for t in [*tables["measures"]["text"], *headings]
                     if any(w in str(t) for w in FURNITURE)]
    documents = tables["documents"]
    if "accounted_share" in documents.columns and len(documents):
        out.accounted_share = float(documents["accounted_share"].min())
    return out


def _failed(built: Built) -> Check:
    """Every element of the gold wrong: the build failed (``built.error``)."""
    gold, why = built.gold, f"build failed: {built.error}"
    return Check(
        metadata=[why], items_missing=list(gold.items), items_total=len(gold.items),
        headings_missing=list(gold.headings),
        indicators_wrong=[f"{i.name}: {why}" for i in gold.indicators],
        indicators_total=len(gold.indicators),
        tasks_wrong=[f"{n}: {why}" for n in gold.leads], tasks_total=len(gold.leads),
    )


def _check_metadata(documents: pd.DataFrame, gold: Gold, out: Check) -> None:
    if len(documents) != 1:
        out.metadata.append(f"documents: {len(documents)}")
        if not len(documents):
            return
    doc = documents.iloc[0]
    date = doc["issued_date"]
    got = {
        "doc_number": None if pd.isna(doc["doc_number"]) else str(doc["doc_number"]),
        "issuer": None if pd.isna(doc["issuer"]) else str(doc["issuer"]),
        "date": None if pd.isna(date) else pd.Timestamp(date).date().isoformat(),
    }
    for name, want in (("doc_number", gold.doc_number), ("issuer", gold.issuer),
                       ("date", gold.date)):
        if want and got[name] != want:
            out.metadata.append(f"{name}: {got[name]}")


def _check_indicators(targets: pd.DataFrame, clauses: list[str],
                      indicators: tuple[Indicator, ...], out: Check) -> None:
    out.indicators_total = len(indicators)
    for ind in indicators:
        name = norm(ind.name)
        rows = targets[[name in norm(t) for t in targets["indicator"].fillna("")]]
        if any(name in c for c in clauses):
            out.indicators_as_clauses.append(ind.name)
        if rows.empty:
            out.indicators_wrong.append(f"{ind.name}: no target")
            continue
        right = rows[
            (rows["value"].astype(float).sub(ind.value).abs() < 1e-9)
            & (rows["comparator"] == ind.comparator)
            & (rows["unit"] == ind.unit)
            & (rows["binding"] == ind.binding)
        ]
        if right.empty:
            r = rows.iloc[0]
            out.indicators_wrong.append(
                f"{ind.name}: {r['comparator']} {r['value']} {r['unit']} {r['binding']}"
                f" ({r['source']})"
            )
