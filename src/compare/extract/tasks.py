"""Task tables (重点任务分工表): who leads each task, who supports, and by when.

Plans list their tasks in an annex table with the columns 序号 / 工作任务 / 牵头单位 /
责任单位 (or 配合单位) / 时间进度, or a single 负责单位 column whose first unit leads. The
text reaches us in whatever shape the source left it; the parser reads the header to learn
the columns, then reads each numbered row in one of three shapes:

* **tab-separated** rows (Word and HTML tables, Markdown pipe tables), where a row split
  by a page break continues on an unnumbered line;
* **one cell per line** (cells separated by blank lines, tab-indented or not), where an
  empty cell leaves nothing behind and an agency cell may continue on a later line;
* **cells run together** with no separator (a scraped web table):
  ``1完善…等制度区民政局区残联、区财政局、各街乡持续实施``. The row is read from its end:
  the timeline, then agency names (known spellings from ``agencies.yaml``). Names joined by
  ``、`` share a cell; two names with nothing between them are a cell boundary. Reading stops
  after the last agency column, so a task that itself names an agency (``区公共图书馆设立
  盲人阅览区``) is never cut.

Finding the header and the numbered rows (repeated headers, page breaks, group rows, the
table's end) is shared with indicator tables in :mod:`compare.extract.tables`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from compare import schema
from compare.extract.agencies import (agency_function, match_agency_at_end, match_generic_agency_at_end,
                                      split_agencies)
from compare.extract.tables import RowSpan, TableKind, Vocabulary, find_header, numbered_rows, \
    prepare_lines, tab_cells

# header word → column role; longest words are tried first
HEADER_WORDS = {
    "序号": "number", "编号": "number",
    "工作任务": "task", "重点任务": "task", "主要任务": "task", "任务内容": "task", "工作内容": "task",
    "具体任务": "task", "工作措施": "task", "主要内容": "task", "目标任务": "task", "任务名称": "task",
    "重点工作": "task", "工作事项": "task", "任务": "task",
    "牵头单位": "lead", "牵头部门": "lead", "主责单位": "lead", "主责部门": "lead", "牵头": "lead",
    "配合单位": "supporting", "参与单位": "supporting", "协办单位": "supporting", "协助单位": "supporting",
    "配合部门": "supporting", "参与部门": "supporting", "协办部门": "supporting",
    "责任单位": "responsible", "责任部门": "responsible", "负责单位": "responsible", "负责部门": "responsible",
    "承办单位": "responsible", "实施单位": "responsible",
    "时间进度": "timeline", "完成时限": "timeline", "完成时间": "timeline", "时间安排": "timeline",
    "进度安排": "timeline", "时间节点": "timeline", "时限要求": "timeline", "完成期限": "timeline",
    "时限": "timeline", "进度": "timeline",
    "备注": "other",
}
VOCABULARY = Vocabulary(HEADER_WORDS, (frozenset({"task"}), frozenset({"lead", "responsible", "supporting"})))
#: Task tables, as :func:`compare.extract.tables.table_regions` finds them.
TASK_TABLE = TableKind("task", VOCABULARY)
_FIRST_LEADS_NOTE = re.compile(r"(?:列|排)(?:在)?第一(?:位|个)?(?:者|的(?:单位)?)?(?:为|是)牵头")
_ONGOING = re.compile(r"持续|长期|常态|每年|逐年|逐步|按年度")
_YEAR = re.compile(r"(?:19|20)\d{2}")
_TIMELINE = (r"(?:(?:19|20)\d{2}\s*年?(?:\s*\d{1,2}\s*月)?(?:底|末|年底|前|以前|之前|起|上半年|下半年)*"
             r"(?:\s*[—–\-~～至到]\s*(?:(?:19|20)\d{2})\s*年?(?:\s*\d{1,2}\s*月)?(?:底|末|前)*)?"
             r"(?:[，、,及和]?(?:持续|长期)[\u4e00-\u9fff]{0,3})?"
             r"|(?:持续|长期|常态化?|每年|逐年|逐步|按年度)[\u4e00-\u9fff]{0,4})")
_TIMELINE_FULL = re.compile(f"^{_TIMELINE}$")
_TIMELINE_END = re.compile(f"{_TIMELINE}$")


@dataclass
class TaskRow:
    """One row of a task table, before it becomes a DataFrame row."""

    task_no: int
    task: str
    lead: list[str]
    supporting: list[str]
    timeline: str | None
    layout: str
    lead_rule: str
    line: int
    group: str | None = None


# --------------------------------------------------------------------------- rows
def parse_task_table(text: str, places: tuple[str, ...] = ()) -> tuple[list[TaskRow], list[str]]:
    """Every task row in ``text`` (normally the annex) and any problems met, in plain words.

    ``places`` are the plan's own place names (东城, 北京): they let names such as
    工商东城分局 be recognised as agencies.
    """
    lines = prepare_lines(text)
    problems: list[str] = []
    rows: list[TaskRow] = []
    first_leads = bool(_FIRST_LEADS_NOTE.search(text))
    header = find_header(lines, VOCABULARY)
    while header is not None:
        spans, end_at = numbered_rows(lines, header, VOCABULARY, problems)
        if not spans:
            problems.append(f"line {header.line + 1}: a task table header ({header.text}) with no numbered rows under it")
        roles = header.roles[1:] if header.roles[0] == "number" else header.roles
        rows += [_read_row(span, roles, places, first_leads, problems) for span in spans]
        header = find_header(lines, VOCABULARY, end_at)
    return rows, problems


def _read_row(span: RowSpan, roles: list[str], places, first_leads: bool, problems: list[str]) -> TaskRow:
    cells = tab_cells(span.rest, span.more, roles, _join)
    if cells is not None:
        layout = "tab"
    elif not span.rest.strip():
        cells, layout = _cell_per_line_row(span.more, roles, places), "cell_per_line"
    else:
        joined = "".join([span.rest.strip()] + [m.strip() for m in span.more])
        cells, layout = _run_together_row(joined, roles, places), "run_together"
    row = _make_row(span.number, cells, roles, layout, span.line, places, first_leads, problems)
    row.group = span.group
    return row


def _join(a: str, b: str, role: str) -> str:
    if not a:
        return b
    if role in ("lead", "supporting", "responsible") and a[-1] not in "、，,":
        return a + "、" + b
    return a + b


def _cell_per_line_row(more: list[str], roles: list[str], places) -> dict[str, str]:
    """Cells one per line. An empty cell leaves no line, so cells are placed by what they hold:
    the task first, agency lists into the agency columns in order, a timeline into its column.
    Extra agency lines continue the last agency column (a cell broken over lines)."""
    items: list[str] = []
    indents = [ln.startswith("\t") for ln in more if ln.strip()]
    indented_style = sum(indents) > len(indents) / 2
    for ln in more:
        s = ln.strip()
        if not s:
            continue
        continues = (items and (items[-1][-1] in "、，," or (indented_style and not ln.startswith("\t"))))
        if continues and _looks_like_agencies(s, places):
            items[-1] = _join(items[-1], s, "lead")
        else:
            items.append(s)
    agency_cols = [r for r in roles if r in ("lead", "supporting", "responsible")]
    cells = {r: "" for r in roles}
    task_parts: list[str] = []
    agency_items: list[str] = []
    for item in items:
        if "timeline" in roles and not cells["timeline"] and _TIMELINE_FULL.match(item) and (task_parts or agency_items):
            cells["timeline"] = item
        elif agency_items or (task_parts and _looks_like_agencies(item, places)):
            agency_items.append(item)
        else:
            task_parts.append(item)
    cells[next((r for r in roles if r == "task"), roles[0])] = "".join(task_parts)
    for k, item in enumerate(agency_items):
        col = agency_cols[min(k, len(agency_cols) - 1)] if agency_cols else None
        if col:
            cells[col] = _join(cells[col], item, col)
    return cells


def _looks_like_agencies(s: str, places) -> bool:
    """A cell made of agency names: every name is known, or looks like a body (区档案局)."""
    if "。" in s or len(s) > 200:
        return False
    names = split_agencies(s, places)
    if not names:
        return False
    ok = sum(1 for n in names if agency_function(n, places) or match_generic_agency_at_end(n) == n
             or (len(n) <= 12 and re.search(r"(局|委|办|联|会|队|院|部|中心|单位|公司|街|乡|镇)$", n)))
    return ok == len(names)


def _run_together_row(s: str, roles: list[str], places) -> dict[str, str]:
    """Split ``task + lead + supporting + timeline`` written without separators (see module doc)."""
    cells = {r: "" for r in roles}
    if "timeline" in roles:
        m = _TIMELINE_END.search(s)
        if m and m.start() > 0:
            cells["timeline"] = m.group(0)
            s = s[: m.start()]
    agency_cols = [r for r in roles if r in ("lead", "supporting", "responsible")]
    s = s.removesuffix("等") if s.endswith("等") and match_agency_at_end(s[:-1], places) else s
    found: list[list[str]] = [[]]  # cells from the right, names in reading order
    rest = s
    bare_ok = True  # at the far right and after a 、 any known spelling is a name
    while True:
        name = _name_at_end(rest, places, bare_ok)
        if not name:
            break
        found[-1].insert(0, name)
        rest = rest[: -len(name)]
        if rest[-1:] and rest[-1] in "、，,":
            if not _name_at_end(rest[:-1], places, True):
                break  # a 、 with no name before it: the list ended inside the task text
            rest, bare_ok = rest[:-1], True
            continue
        if len(found) == len(agency_cols):
            break
        # nothing between two names: a cell boundary. Where a cell meets the task text only
        # a name that says whose it is (区…, 团区委) counts, so task words are not taken.
        found.append([])
        bare_ok = False
    # cells in reading order; with fewer cells than agency columns the cells present are
    # the first columns (a row with a lead and no supporting units)
    ordered = [c for c in reversed(found) if c]
    for col, names in zip(agency_cols, ordered):
        cells[col] = "、".join(names)
    cells[next(r for r in roles if r == "task")] = rest
    return cells


def _name_at_end(text: str, places, bare_ok: bool) -> str | None:
    return match_agency_at_end(text, places, bare_ok=bare_ok) or (match_generic_agency_at_end(text) if bare_ok else None)


def _make_row(number, cells, roles, layout, line, places, first_leads, problems) -> TaskRow:
    task = re.sub(r"\s+", "", cells.get("task", "")).strip()
    timeline = (cells.get("timeline") or "").strip() or None
    if "lead" in roles:
        lead = split_agencies(cells.get("lead", ""), places)
        supporting = split_agencies(cells.get("supporting", "") or cells.get("responsible", ""), places)
        rule = "column"
    else:
        names = split_agencies(cells.get("responsible", "") or cells.get("supporting", ""), places)
        lead, supporting = names[:1], names[1:]
        rule = "first_listed_note" if first_leads else "first_listed"
    if not task:
        problems.append(f"task {number}: no task text could be read")
    if not lead:
        problems.append(f"task {number}: no lead agency could be read")
    return TaskRow(number, task, lead, supporting, timeline, layout, rule, line)


# --------------------------------------------------------------------------- timelines
def deadline_year(timeline: str | None) -> int | None:
    """Last year named in a timeline (``2017—2020年`` → 2020); None when it names none."""
    years = [int(y) for y in _YEAR.findall(timeline or "")]
    return max(years) if years else None


def is_ongoing(timeline: str | None) -> bool | None:
    """True for continuing work (持续实施, 长期坚持, 每年); None when there is no timeline."""
    if not timeline:
        return None
    return bool(_ONGOING.search(timeline))


# --------------------------------------------------------------------------- tables


def tasks_frame(rows: list[TaskRow], doc_id: str) -> pd.DataFrame:
    """The ``tasks`` rows of one document."""
    data = [{
        "doc_id": doc_id, "task_no": r.task_no, "task": r.task, "lead_agencies": r.lead,
        "supporting_agencies": r.supporting, "timeline": r.timeline, "deadline_year": deadline_year(r.timeline),
        "is_ongoing": is_ongoing(r.timeline), "task_group": r.group, "lead_rule": r.lead_rule,
        "table_layout": r.layout,
    } for r in rows]
    return pd.DataFrame(data, columns=schema.columns("tasks"))


def agencies_frame(rows: list[TaskRow], doc_id: str, places: tuple[str, ...] = ()) -> pd.DataFrame:
    """The ``agencies`` rows of one document: one per (task, role, agency)."""
    data = []
    for r in rows:
        for role, names in (("lead", r.lead), ("supporting", r.supporting)):
            for pos, name in enumerate(names, start=1):
                data.append({"doc_id": doc_id, "task_no": r.task_no, "agency_role": role, "agency_name": name,
                             "agency_function": agency_function(name, places), "position": pos})
    return pd.DataFrame(data, columns=schema.columns("agencies"))


_ANNEX_TITLE = re.compile(r"任务分工|分工(?:及|和)?(?:进度)?(?:安排)?表")


def extract_tasks(text: str, doc_id: str, places: tuple[str, ...] = ()) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """``(tasks, agencies, notes)`` of one document; notes are problems in plain words.

    Agency spellings the alias file does not know are listed in the notes (their
    ``agency_function`` is left empty), and so is an annex that announces a task table
    which could not be read.
    """
    rows, problems = parse_task_table(text, places)
    notes = [f"{doc_id}: {p}" for p in problems]
    tasks = tasks_frame(rows, doc_id)
    agencies = agencies_frame(rows, doc_id, places)
    if not rows and _ANNEX_TITLE.search(text) and re.search(r"^\s*#*\s*附\s*件", text, re.M):
        notes.append(f"{doc_id}: the annex names a task table (重点任务分工), but no table with columns "
                     "序号 / 工作任务 / 牵头单位 (or 负责单位) could be read; its tasks are missing")
    unknown = sorted(set(agencies.loc[agencies["agency_function"].isna(), "agency_name"]))
    if unknown:
        notes.append(f"{doc_id}: agency spellings not in agencies.yaml (agency_function left empty): "
                     + "、".join(unknown))
    return tasks, agencies, notes
