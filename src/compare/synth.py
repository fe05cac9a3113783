"""A synthetic national corpus: many plausible plans made from real ones, with known parents.

Used to measure how the build scales and whether lineage is right at national scale
(``benchmarks/scale.py``; ``compare synth``). Every synthetic plan copies one *parent*
(a real plan from the raw folder, or an earlier synthetic plan, as a county copies its
neighbour) and edits it the way counties do:

* **jurisdiction swap**: a real county from the gazetteer (``divisions.csv``), mostly in
  the parent's province; its name, its superior's name, the level word (区/县/市/旗) and the
  document number abbreviation replace the parent's;
* **sections**: a second-level section dropped, two neighbouring sections swapped, a section
  repeated;
* **sentences**: kept, paraphrased by a few characters, figures and years changed, dropped,
  or a new sentence added;
* **issue date** after the parent's, with a new document number;
* **layout**: plain text, Markdown or HTML; the task annex in one of four shapes (tab-separated,
  one cell per line, tab-indented cells, cells run together) or a Markdown / HTML table;
* **converter damage**: full-width digits, sentences broken across page breaks with page
  numbers, stray spaces after punctuation, site navigation and footers, damaged citations.

Nothing is random without the seed: plan ``i`` depends only on the seed, the sources and
plans ``0 … i-1``, so the corpus of N plans is a prefix of the corpus of N + 1.

The generator writes the files (the real ingest path is measured) and, outside the raw
folder, the truth: ``truth/plans.csv`` (file, parent, place, date, layout, damage) and
``truth/edits.csv`` (one row per sentence edit: kind, parent sentence, child sentence).
"""
from __future__ import annotations

import csv
import datetime as dt
import html
import random
import re
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path


#: Sentence edit kinds and the edit labels the aligner should give them.
EXPECTED_LABELS = {
    "keep": ("verbatim", "jurisdiction_only"),
    "paraphrase": ("minor",),
    "numbers": ("numbers_changed",),
    "drop": ("dropped",),
    "add": ("added",),
}
#: Chance of each sentence edit (the rest are kept).
SENTENCE_EDITS = (("paraphrase", 0.10), ("numbers", 0.06), ("drop", 0.05), ("add", 0.04))
LAYOUTS = ("tab", "cell_per_line", "tab_indented", "run_together")
FORMATS = ("txt", "txt", "md", "html")
DAMAGE = ("fullwidth_digits", "page_breaks", "stray_spaces", "site_navigation", "damaged_citations")
_LEVEL_WORDS = re.compile(r"(本|全|我)([区县市旗])|([区县市旗])(?=(?:政府|委|残联|残工委|人民政府|民政局|财政局|教委|各))")
_SIGNATURE_DATE = re.compile(r"^(?:19|20)\d\d\s*年[\d\s月日]*$")
_DIGITS = re.compile(r"\d+(?:\.\d+)?")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_FILLERS = ("进一步", "切实", "积极", "全面", "不断", "认真", "大力", "有效")
_ADD_SUBJECTS = ("{place}残联", "{place}民政局", "{place}卫生健康部门", "{place}人力社保局", "各乡镇（街道）",
                 "{place}教育部门", "{place}住房城乡建设部门", "{place}财政局")
_ADD_ACTIONS = ("每年组织开展", "统筹推进", "新建或改扩建", "重点实施", "探索建立", "全面落实")
_ADD_OBJECTS = ("残疾人辅助器具适配服务{n}人次", "社区康复站{n}个", "残疾人职业技能培训{n}人次",
                "困难残疾人家庭无障碍改造{n}户", "残疾人托养服务机构{n}所", "盲人按摩服务点{n}个",
                "残疾儿童康复救助项目{n}个", "残疾人文化体育示范点{n}个")


@dataclass(frozen=True)
class Place:
    """A county-level jurisdiction and its superiors (full names)."""

    county: str
    prefecture: str | None
    province: str
    adcode: str

    @property
    def superior(self) -> str:
        return self.prefecture or self.province

    @property
    def level_word(self) -> str:
        return self.county[-1] if self.county[-1] in "区县市旗" else "县"

    def names(self) -> dict[str, str]:
        """role → name: the county in full and short, its superior in full and short."""
        from compare.read.metadata import strip_place_suffix

        return {"county": self.county, "county_short": strip_place_suffix(self.county)[0],
                "superior": self.superior, "superior_short": strip_place_suffix(self.superior)[0],
                "province": self.province, "province_short": strip_place_suffix(self.province)[0]}


@dataclass
class Line:
    kind: str                      # head | heading | para | other
    text: str = ""                 # head, heading, other
    sentences: list[str] = field(default_factory=list)   # para


@dataclass
class Draft:
    """A plan as the generator edits it: lines before the annex, its task rows, its identity."""

    key: str
    source_file: str
    place: Place | None
    date: dt.date | None
    doc_number: str | None
    lines: list[Line]
    tasks: list[dict]
    has_timeline: bool


@dataclass
class Edit:
    kind: str
    parent_sentence: str | None
    child_sentence: str | None


# --------------------------------------------------------------------------- gazetteer
def counties() -> list[Place]:
    """Every county-level division in the gazetteer, with its prefecture and province."""
    from compare.read.metadata import division_names

    names = {code[:6]: name for code, name in division_names().items()}
    out = []
    for code, name in sorted(names.items()):
        if code[4:] == "00" or name[-1] not in "区县市旗" or len(name) < 2:
            continue
        province = names.get(code[:2] + "0000")
        prefecture = names.get(code[:4] + "00")  # None under a placeholder (市辖区 of a municipality)
        if not province:
            prefecture = None
        if province:
            out.append(Place(name, prefecture if prefecture != province else None, province, code))
    return out


# --------------------------------------------------------------------------- sources
def draft_from_text(text: str, key: str, source_file: str, meta: dict, tasks) -> Draft:
    """A real document's clean text as a draft: head lines, headings, paragraphs (as sentences)."""
    from compare.segment import _annex_start, _heading_line, _is_head_line, split_sentences

    lines = text.split("\n")
    end = _annex_start(lines)
    out: list[Line] = []
    body_started = False
    for raw in lines[:end]:
        s = raw.strip()
        if not s:
            continue
        bare = s.lstrip("#").strip()
        if _heading_line(bare) and len(bare) <= 40 and "。" not in bare:
            body_started = True
            out.append(Line("heading", bare))
        elif not body_started and _is_head_line(bare):
            out.append(Line("head", bare))
        elif "\t" in s or len(bare) < 15 or bare[-1] not in "。；！？：":
            out.append(Line("other", bare))
        else:
            body_started = True
            out.append(Line("para", sentences=split_sentences(bare)))
    rows = [{"task": t.task, "lead": list(t.lead_agencies), "supporting": list(t.supporting_agencies),
             "timeline": t.timeline if isinstance(t.timeline, str) else ""} for t in tasks.itertuples()]
    place = None
    if meta.get("county"):
        place = Place(meta["county"], meta.get("prefecture") or None, meta.get("province") or meta["county"], "")
    date = meta.get("issued_date")
    if date is not None and not isinstance(date, dt.date):
        date = None
    return Draft(key, source_file, place, date, meta.get("doc_number"), out, rows,
                 any(r["timeline"] for r in rows))


def load_sources(raw_dir: Path) -> tuple[list[Draft], list[Path]]:
    """Plans of ``raw_dir`` that can be parents (county plans, read and parsed), and every file to copy."""
    from compare.build import read_corpus
    from compare.extract.tasks import extract_tasks
    from compare.read.metadata import jurisdiction_places

    docs, _ = read_corpus(raw_dir)
    drafts = []
    for doc in docs:
        m = doc.meta
        if doc.role != "plan" or m.get("level") != "county" or not m.get("county"):
            continue
        tasks, _, _ = extract_tasks(doc.text, m["doc_id"], jurisdiction_places(m["county"], m["prefecture"],
                                                                               m["province"]))
        drafts.append(draft_from_text(doc.text, m["doc_id"], doc.source_file, m, tasks))
    files = sorted(p for p in raw_dir.rglob("*") if p.is_file())
    return drafts, files


# --------------------------------------------------------------------------- edits
def swapper(old: Place | None, new: Place):
    """A function replacing ``old``'s names (and level words) with ``new``'s, all at once."""
    if old is None:
        return lambda s: s
    a, b = old.names(), new.names()
    mapping = {}
    for role in ("county", "superior", "county_short", "superior_short"):
        if a[role] and a[role] not in mapping and len(a[role]) >= 2:
            mapping[a[role]] = b[role]
    pattern = re.compile("|".join(re.escape(k) for k in sorted(mapping, key=len, reverse=True)))
    old_level, new_level = old.level_word, new.level_word

    def level(m):
        if m.group(2):
            return m.group(1) + (new_level if m.group(2) == old_level else m.group(2))
        return new_level if m.group(3) == old_level else m.group(3)

    def swap(s: str) -> str:
        s = pattern.sub(lambda m: mapping[m.group(0)], s)
        return _LEVEL_WORDS.sub(level, s) if old_level != new_level else s

    return swap


def paraphrase(s: str, rng: random.Random) -> str | None:
    """One or two small wording edits (a filler word added, dropped or a character changed)."""
    out = s
    for _ in range(rng.choice((1, 1, 2))):
        present = [f for f in _FILLERS if f in out]
        op = rng.random()
        if present and op < 0.4:
            f = rng.choice(present)
            out = out.replace(f, "", 1) if rng.random() < 0.5 else out.replace(f, rng.choice(_FILLERS), 1)
        else:
            commas = [m.end() for m in re.finditer("[，、]", out)]
            if commas:
                at = rng.choice(commas)
                out = out[:at] + rng.choice(_FILLERS) + out[at:]
            else:
                cjk = [m.start() for m in _CJK.finditer(out)]
                if len(cjk) < 4:
                    return None
                at = rng.choice(cjk[1:-1])
                out = out[:at] + out[at + 1:]
    return out if out != s else None


def change_numbers(s: str, rng: random.Random) -> str | None:
    """A figure or a year changed (2020 → 2025, 90% → 95%, 200 → 300)."""
    found = list(_DIGITS.finditer(s))
    if not found:
        return None
    m = rng.choice(found)
    value = m.group(0)
    if re.fullmatch(r"20\d\d", value):
        new = str(int(value) + 5)
    elif "." in value:
        new = f"{float(value) * rng.choice((1.5, 2)):.1f}"
    else:
        n = int(value)
        new = str(n + max(1, n // 2) * rng.choice((1, 2)))
    return s[: m.start()] + new + s[m.end():]


def added_sentence(place: Place, rng: random.Random) -> str:
    short = place.names()["county_short"]
    subject = rng.choice(_ADD_SUBJECTS).format(place=short)
    obj = rng.choice(_ADD_OBJECTS).format(n=rng.randint(2, 60) * rng.choice((1, 10)))
    year = rng.choice((2018, 2019, 2020, 2022, 2023, 2025))
    return f"到{year}年，{subject}{rng.choice(_ADD_ACTIONS)}{obj}。"


def edit_sections(lines: list[Line], rng: random.Random) -> tuple[list[Line], list[Edit], list[str]]:
    """Drop, swap or repeat whole sections (a heading and its paragraphs)."""
    starts = [i for i, ln in enumerate(lines) if ln.kind == "heading"]
    if len(starts) < 4:
        return lines, [], []
    spans = [(s, e) for s, e in zip(starts, starts[1:] + [len(lines)])]
    blocks = [lines[: starts[0]]] + [lines[s:e] for s, e in spans]
    edits, done = [], []
    body = list(range(1, len(blocks)))
    if rng.random() < 0.35:
        k = rng.choice(body[1:])
        for ln in blocks[k]:
            edits += [Edit("drop", s, None) for s in ln.sentences]
        blocks[k] = []
        done.append("section_dropped")
    if rng.random() < 0.3:
        k = rng.choice(body[1:-1])
        blocks[k], blocks[k + 1] = blocks[k + 1], blocks[k]
        done.append("sections_swapped")
    if rng.random() < 0.1:
        k = rng.choice(body[1:])
        if blocks[k]:
            blocks.insert(k + 1, [replace(ln, sentences=list(ln.sentences)) for ln in blocks[k]])
            done.append("section_repeated")
    return [ln for b in blocks for ln in b], edits, done


def derive(parent: Draft, key: str, source_file: str, place: Place, rng: random.Random
           ) -> tuple[Draft, list[Edit], list[str]]:
    """A child plan of ``parent`` for ``place``, with the edits made."""
    swap = swapper(parent.place, place)
    lines, edits, done = edit_sections(parent.lines, rng)
    out = []
    for ln in lines:
        if ln.kind != "para":
            out.append(Line(ln.kind, swap(ln.text)))
            continue
        sentences = []
        for s in ln.sentences:
            kind, new = "keep", s
            r = rng.random()
            for name, p in SENTENCE_EDITS:
                if r < p:
                    kind = name
                    break
                r -= p
            if kind == "paraphrase":
                new = paraphrase(s, rng) if len(s) >= 20 else None
            elif kind == "numbers":
                new = change_numbers(s, rng)
            elif kind == "drop":
                new = None if len(s) >= 8 else s
            if kind in ("paraphrase", "numbers") and new is None:
                kind, new = "keep", s
            if kind == "drop" and new is not None:
                kind = "keep"
            if kind == "add":
                sentences.append(swap(s))
                edits.append(Edit("keep", s, swap(s)))
                extra = added_sentence(place, rng)
                sentences.append(extra)
                edits.append(Edit("add", None, extra))
                continue
            if new is not None:
                sentences.append(swap(new))
            edits.append(Edit(kind, s, swap(new) if new is not None else None))
        if sentences:
            out.append(Line("para", sentences=sentences))
    tasks = [{**t, "task": swap(t["task"]), "lead": [swap(a) for a in t["lead"]],
              "supporting": [swap(a) for a in t["supporting"]]} for t in parent.tasks if rng.random() > 0.05]
    base = parent.date or dt.date(2017, 1, 1)
    date = base + dt.timedelta(days=rng.randint(30, 700))
    number = None
    if parent.doc_number:
        from compare.read.metadata import doc_number_parts

        parts = doc_number_parts(parent.doc_number)
        if parts:
            old, new = parent.place.names()["county_short"] if parent.place else "", place.names()["county_short"]
            prefix = new + parts[0][len(old):] if old and parts[0].startswith(old) else new[0] + parts[0][1:]
            number = f"{prefix}〔{date.year}〕{rng.randint(1, 60)}号"
    child = Draft(key, source_file, place, date, number, out, tasks, parent.has_timeline)
    for ln in child.lines:
        if ln.kind != "para":  # the parent's own number and signature date become the child's
            if parent.doc_number and number:
                ln.text = ln.text.replace(parent.doc_number, number)
            if _SIGNATURE_DATE.match(ln.text):
                ln.text = _date_text(date)
    return child, edits, done


# --------------------------------------------------------------------------- rendering
def _date_text(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _task_table(draft: Draft, layout: str, fmt: str) -> list[str]:
    header = ["序号", "工作任务", "牵头单位", "责任单位"] + (["时间进度"] if draft.has_timeline else [])
    rows = [[str(k), t["task"], "、".join(t["lead"]), "、".join(t["supporting"])]
            + ([t["timeline"]] if draft.has_timeline else []) for k, t in enumerate(draft.tasks, start=1)]
    if fmt == "html":
        cells = "".join(f"<th>{html.escape(h)}</th>" for h in header)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows)
        return [f"<table><tr>{cells}</tr>{body}</table>"]
    if fmt == "md" and layout == "tab":
        return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + \
               ["| " + " | ".join(c or " " for c in r) + " |" for r in rows]
    out: list[str] = []
    if layout == "tab":
        for k, r in enumerate(rows):
            if k % 15 == 0:
                out += ["", "\t".join(header)]
            out.append("\t".join(r))
    elif layout == "cell_per_line":
        out += header + [""]
        for r in rows:
            out += [c for c in r if c] + [""]
    elif layout == "tab_indented":
        out += ["\t" + h for h in header] + [""]
        for r in rows:
            out += ["\t" + c for c in r] + [""]
    else:  # run_together
        out.append("".join(header))
        out += [""] + ["".join(r) for r in rows]
    return out


def render(draft: Draft, fmt: str, layout: str, damage: list[str], rng: random.Random) -> str:
    """The plan as a file's text in ``fmt`` (txt, md, html)."""
    text_lines: list[tuple[str, str]] = []  # (kind, text)
    for ln in draft.lines:
        if ln.kind == "para":
            para = "".join(ln.sentences)
            if "page_breaks" in damage and len(para) > 120 and rng.random() < 0.15:
                at = rng.randint(40, len(para) - 40)
                while at < len(para) - 1 and para[at] in "。；，、":
                    at += 1
                text_lines += [("para", para[:at]), ("page", f"- {rng.randint(2, 30)} -"), ("para", para[at:])]
            else:
                text_lines.append(("para", para))
        else:
            text_lines.append((ln.kind, ln.text))
    if not any(k != "para" and _SIGNATURE_DATE.match(t) for k, t in text_lines):  # the parent had no signature
        if draft.place is not None:
            text_lines.append(("other", f"{draft.place.county}人民政府"))
        if draft.date is not None:
            text_lines.append(("other", _date_text(draft.date)))
    annex = _task_table(draft, layout, fmt) if draft.tasks else []

    def fix(s: str) -> str:
        if "fullwidth_digits" in damage:
            s = s.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
        if "stray_spaces" in damage:
            s = re.sub("([，；：])", r"\1 ", s)
        if "damaged_citations" in damage:
            s = re.sub(r"国发〔(\d{4})〕", r"国发〔\1", s)
        return s

    nav_head = ["首页 > 政务公开 > 政策文件", "【字体：大 中 小】 打印本页 关闭窗口"]
    nav_foot = ["相关链接", f"版权所有：{draft.place.county if draft.place else ''}人民政府办公室",
                f"ICP备{rng.randint(10000000, 99999999)}号"]
    if fmt == "html":
        parts = ["<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>"
                 + html.escape(next((t for k, t in text_lines if k == "head"), "")) + "</title></head><body>"]
        if "site_navigation" in damage:
            parts += [f"<div class=\"nav\">{html.escape(x)}</div>" for x in nav_head]
        for kind, t in text_lines:
            t = html.escape(fix(t))
            parts.append(f"<h3>{t}</h3>" if kind == "heading" else f"<p>{t}</p>")
        if annex:
            parts += ["<p>附件</p>", "<p>重点任务分工</p>", fix(annex[0])]
        if "site_navigation" in damage:
            parts += [f"<div class=\"footer\">{html.escape(x)}</div>" for x in nav_foot]
        return "\n".join(parts + ["</body></html>"]) + "\n"
    out = nav_head + [""] if "site_navigation" in damage else []
    for kind, t in text_lines:
        t = fix(t)
        if fmt == "md" and kind == "heading":
            t = "## " + t
        out += [t, ""] if kind != "page" else ["", t, ""]
    if annex:
        out += ["附件", "", "重点任务分工", ""] + [fix(x) for x in annex]
    if "site_navigation" in damage:
        out += [""] + nav_foot
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- the corpus
PLAN_COLUMNS = ["source_file", "parent_file", "parent_is_real", "generation", "county", "prefecture", "province",
                "issued_date", "doc_number", "format", "annex_layout", "damage", "section_edits", "n_tasks"]
EDIT_COLUMNS = ["source_file", "parent_file", "kind", "parent_sentence", "child_sentence"]


def generate(raw_dir: str | Path, out_dir: str | Path, n: int, *, seed: int = 0, progress: bool = False) -> dict:
    """Write ``n`` synthetic plans (and a copy of ``raw_dir``) under ``out_dir/raw``; truth under ``out_dir/truth``.

    Returns counts. ``out_dir/raw`` is what ``compare build --raw`` reads.
    """
    from compare.errors import CompareError

    raw_dir, out_dir = Path(raw_dir), Path(out_dir)
    sources, files = load_sources(raw_dir)
    if not sources:
        raise CompareError(f"{raw_dir}: no county-level plan to copy from; the generator needs at least one")
    raw_out, truth = out_dir / "raw", out_dir / "truth"
    for path in files:  # the real documents are in the national corpus too
        target = raw_out / path.relative_to(raw_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    (raw_out / "plans").mkdir(parents=True, exist_ok=True)
    truth.mkdir(parents=True, exist_ok=True)
    places = counties()
    taken = {d.place.county for d in sources if d.place}
    pool: list[Draft] = list(sources)
    real = {d.source_file for d in sources}
    generation = {d.source_file: 0 for d in sources}
    plans, edits = [], []
    steps = range(n)
    if progress:
        from tqdm import tqdm

        steps = tqdm(steps, desc="Writing synthetic plans", unit="plan", leave=False)
    for i in steps:
        rng = random.Random(f"{seed}:{i}")
        parent = rng.choice(sources) if rng.random() < 0.4 or len(pool) == len(sources) else rng.choice(pool)
        place = _pick_place(places, taken, parent.place, rng)
        taken.add(place.county)
        fmt = rng.choice(FORMATS)
        layout = rng.choice(LAYOUTS)
        damage = sorted(d for d in DAMAGE if rng.random() < 0.3)
        source_file = f"plans/{i:05d}_{place.adcode}.{ 'md' if fmt == 'md' else fmt}"
        child, sentence_edits, done = derive(parent, f"synthetic-{i}", source_file, place, rng)
        text = render(child, fmt, layout, damage, rng)
        (raw_out / source_file).write_text(text, encoding="utf-8")
        pool.append(child)
        generation[source_file] = generation[parent.source_file] + 1
        plans.append({"source_file": source_file, "parent_file": parent.source_file,
                      "parent_is_real": parent.source_file in real, "generation": generation[source_file],
                      "county": place.county, "prefecture": place.prefecture or "", "province": place.province,
                      "issued_date": child.date.isoformat() if child.date else "", "doc_number": child.doc_number or "",
                      "format": fmt, "annex_layout": ("html" if fmt == "html" else "markdown" if fmt == "md"
                                                      and layout == "tab" else layout) if child.tasks else "",
                      "damage": ";".join(damage), "section_edits": ";".join(done), "n_tasks": len(child.tasks)})
        edits += [{"source_file": source_file, "parent_file": parent.source_file, "kind": e.kind,
                   "parent_sentence": e.parent_sentence or "", "child_sentence": e.child_sentence or ""}
                  for e in sentence_edits]
    _write_csv(truth / "plans.csv", PLAN_COLUMNS, plans)
    _write_csv(truth / "edits.csv", EDIT_COLUMNS, edits)
    return {"plans": len(plans), "edits": len(edits), "sources": len(sources), "copied_files": len(files)}


def _pick_place(places: list[Place], taken: set[str], near: Place | None, rng: random.Random) -> Place:
    free = [p for p in places if p.county not in taken]
    if not free:
        free = places
    if near is not None and rng.random() < 0.7:
        same = [p for p in free if p.province == near.province]
        if same:
            return rng.choice(same)
    return rng.choice(free)


def _write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
