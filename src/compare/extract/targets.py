"""Targets: every quantified figure of a plan as a tidy row (value, unit, comparator, deadline).

Two sources:

* **clauses** (the ``measures`` table): figures in running text, in any number form the
  plans use — Arabic or full-width digits (``2%``), Chinese numerals before a measure
  word (``一所``, ``两项``), ranges (``1—2项``, ``1-3年``), ``万`` multiples
  (``2.1万余人次``), ``翻一番``. The comparator comes from the wording around the figure
  (至少 / 不低于 / 以上 → ``>=``; 以内 / 不超过 → ``<=``; a range → ``range``), the
  indicator from the words it counts (``…签约服务率达到90%`` → 签约服务率;
  ``一所200张床位以上的精神残疾人福利机构`` → 1 × 精神残疾人福利机构 and ≥ 200 ×
  精神残疾人福利机构床位);
* **indicator tables** (专栏 主要指标: 序号 / 指标 / 目标值 / 指标属性): one row per
  indicator with its unit from the indicator name (``参保率（%）``), its value as printed
  (``>92``, ``100``, or words such as ``与全区生产总值增长基本同步``, kept with a null
  value) and its binding type (约束性 / 预期性).

Each figure gets a ``kind``: ``target`` (a commitment), ``baseline`` (a past achievement:
figures in a review section such as 发展基础 / 编制背景, or clauses reporting what was
done) or ``context`` (facts about the population, or a threshold that says who a rule
applies to: ``编制50人以上的部门``).

Figures that are not quantities are left out: years and year ranges (deadlines), figures
inside 《》 “” 〔〕 or （）, ordinals (第七个), distributives (每一个), set phrases (一户多残,
一次性), ages (0—6岁, eligibility rather than commitments), document numbers and hotlines.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from compare import schema
from compare.extract.tables import (TableKind, Vocabulary, find_header, numbered_rows,
                                    prepare_lines, tab_cells)
from compare.numerals import chinese_to_int
from compare.read.metadata import YEAR_RANGE_RE

# --------------------------------------------------------------------------- figures
_CN = "一二两三四五六七八九十百千"
_NUM = rf"\d+(?:\.\d+)?|[{_CN}]+"
#: Measure words a figure may carry, longest first; money keeps its 万 / 亿.
UNITS = ("个百分点", "万元", "亿元", "元", "人次", "场次", "平方米", "小时", "公里", "%", "‰", "人", "名", "张",
         "所", "个", "户", "项", "处", "家", "场", "期", "次", "年", "倍", "天", "台", "套", "支", "类", "条",
         "本", "部", "件", "座", "间", "辆", "门", "种", "位", "床")
_UNIT_RE = "|".join(map(re.escape, UNITS))
_FIGURE = re.compile(
    rf"(?P<sym>[≥≤><]=?)?(?P<lo>{_NUM})(?:\s*[—–\-~～至到]\s*(?P<hi>{_NUM}))?\s*"
    rf"(?P<mult>万|亿)?(?P<approx>余|多)?\s*(?P<unit>{_UNIT_RE})")
_DOUBLING = re.compile(r"翻(?P<n>一|两|二|三)番")
_PERCENT_WORDS = re.compile(rf"百分之(?P<lo>{_NUM})")
_BRACKETS = {"《": "》", "“": "”", "〔": "〕", "（": "）", "(": ")", "‘": "’", "「": "」"}
_PUNCT = "，。；：、！？,;:"
#: after a figure: the unit starts a set phrase, not a count (一户多残, 一次性, 一体化)
_SET_PHRASE_AFTER = re.compile(r"^(?:多|性|化|式|级|体|些|批|致|定|起|道|样|同|并|旦|龙|心|线|揽子)")
_MEETING_AFTER = re.compile(r"^(?:全会|会议|常委会|常务会议|党代会|全体会议|代表大会|人代会|全委会)")
#: after a count in words: the rest of a rate's name and its figure
#: (两项|补贴覆盖率达到100%)
_NAME_OF_RATE = re.compile(
    r"^[\u4e00-\u9fff]{1,12}?(?:率|比例|覆盖面)(?:要|应)?"
    r"(?:达到|达|为|保持在?|提高到|提升到|稳定在|不低于|不少于|超过|在)?"
    r"\s*(?:百分之|\d)")
#: a time phrase opening an indicator (到2020年完成 → 完成): when, not what
_TIME_LEAD = re.compile(
    r"^(?:到|至|在|于)?(?:19|20)\d\d\s*年(?:底|末|内)?(?:前|以前|之前)?[，,]?")
_ABSTRACT_NOUNS = re.compile(r"^(?:方面|环节|领域|层次|层级|阶段|维度|重点|全面|统筹|协调|结合)")
_CUES_GE = re.compile(r"(至少|不低于|不少于|最少|起码|以上|及以上|≥|>=)")
_CUES = [(re.compile(r"(?:不超过|不高于|不多于|最多|控制在|以内|以下)$"), "<="),
         (re.compile(r"(?<!不)(?:超过|高于|多于|大于)$"), ">"), (re.compile(r"(?<!不)(?:低于|少于|小于)$"), "<")]
_AFTER_GE = re.compile(r"^(?:[\u4e00-\u9fff]{0,3}(?:以上|及以上)|（含[^）]*）)")
_AFTER_LE = re.compile(r"^(?:以下|以内|及以下)")
_AFTER_APPROX = re.compile(r"^左右")
_LEAD_VERBS = re.compile(r"^(?:实现|确保|力争|保证|推动|推进|使|让|全区|全市|全县|全面|进一步|逐步|基本|努力|要|将|"
                         r"按照|按|对|在|其中|并|和|及|，)+")
_TRAIL_CUES = re.compile(r"(?:要|应|须|必须)?(?:达到|达|提高到|提高至|提升到|提升至|保持在|稳定在|增长|增加到|增加至|"
                         r"控制在|不低于|不少于|至少|超过|高于|为|是|占|在)+$")
_RATE_NOUN = re.compile(r"(?:率|比例|比重|占比|人数|数量|人次|收入|水平|规模|面积|个数|户数|覆盖面)$")
#: A clause opening with its year sets it for the clauses that follow in its section
#: (到2020年，全面建成… / ——养老服务设施覆盖90%以上乡镇).
_LEAD_IN_YEAR = re.compile(r"^(?:[（(]?[一二三四五六七八九十\d]+[)）、.．]\s*)?(?:到|至|在)?(?:19|20)\d\d年(?:底|末)?(?:前)?[，,]")
_YEAR_RE = re.compile(r"(?<![\d比])((?:19|20)\d{2})\s*年(?:底|末)?(?:前|以前|之前)?")
_REVIEW_HEADING = re.compile(r"背景|基础|成就|回顾|现状|形势|进展|成效|成绩|十[一二三四五]五.{0,4}时期")
_CONTEXT_WORDS = re.compile(r"(?<![实体表发])现有|共有|占总数|占全区|占全市|占全县|总人口|其中，|户籍")
_PAST_WORDS = re.compile(r"累计|已经|已(?:完成|建成|实现|达到)|共(?:完成|投入|培训|安排)|先后|取得|圆满完成")
_FUTURE_WORDS = re.compile(r"到20\d\d|20\d\d年(?:底|末)?前|力争|确保|将|要|计划|争取|目标|逐步|至少|不低于")
_APPROXIMATE = re.compile(r"[多余]\s*\D*$")
_COMMIT_VERBS = re.compile(r"新增|新建|培训|建设|建成|扶持|完成|达到|提供|安排|开展|组织|改造|增加|提高|实现|帮助|吸纳|"
                           r"招录|资助|救助|适配|覆盖|惠及|每年")
_PROVIDE_VERBS = re.compile(r"建设|新建|建立|建成|设立|打造|培育|配备|安排|扶持|提供|招录|吸纳|开展|举办|组织|改造|增加|达到|实现")


@dataclass
class Figure:
    """One quantity in a clause."""

    value: float | None
    value_high: float | None
    unit: str | None
    comparator: str | None
    start: int
    end: int
    figure: str
    indicator: str


def _bracket_mask(text: str) -> list[bool]:
    """True for characters inside 《》 “” 〔〕 and short （） asides such as （含50人）.

    A long parenthesis is a sentence of its own (（现有持证残疾人2.44万人，其中…）) and is read.
    """
    mask, stack = [False] * len(text), []
    for i, ch in enumerate(text):
        if ch in _BRACKETS and not (ch == "“" and stack and stack[-1][0] == "”"):
            stack.append((_BRACKETS[ch], i))
        elif stack and ch == stack[-1][0]:
            close, opened = stack.pop()
            if close in "）)" and i - opened > 16 and not any(c in "》”〕" for c, _ in stack):
                for k in range(opened, i + 1):
                    mask[k] = False
                continue
            mask[i] = True
            continue
        mask[i] = bool(stack)
    return mask


def _number(token: str | None) -> float | None:
    if token is None:
        return None
    if re.fullmatch(r"\d+(?:\.\d+)?", token):
        return float(token)
    n = chinese_to_int(token)
    return float(n) if n is not None else None


def find_figures(text: str) -> list[Figure]:
    """Every quantity in a clause, in reading order (see the module doc for what is left out).

    >>> [(f.value, f.unit, f.comparator) for f in find_figures("建设一所200张床位以上的精神残疾人福利机构")]
    [(1.0, '所', '='), (200.0, '张', '>=')]
    """
    mask = _bracket_mask(text)
    out: list[Figure] = []
    last_end = 0
    for m in _FIGURE.finditer(text):
        start, end = m.start("lo") if not m.group("sym") else m.start(), m.end()
        if mask[m.start("lo")] or not _is_quantity(text, m):
            continue
        lo, hi = _number(m.group("lo")), _number(m.group("hi"))
        if lo is None:
            continue
        unit, mult = m.group("unit"), m.group("mult")
        if mult and unit == "元":
            unit = mult + unit
        elif mult:
            factor = 10_000 if mult == "万" else 100_000_000
            lo, hi = lo * factor, (hi * factor if hi is not None else None)
        comparator = _comparator(text, m, last_end)
        out.append(Figure(lo, hi, unit, comparator, start, end, text[start:end],
                          _indicator(text, start, end, unit)))
        last_end = end
    for m in _DOUBLING.finditer(text):
        if not mask[m.start()]:
            n = {"一": 1, "两": 2, "二": 2, "三": 3}[m.group("n")]
            out.append(Figure(float(2 ** n), None, "倍", "=", m.start(), m.end(), m.group(0),
                              _indicator(text, m.start(), m.end(), "倍")))
    for m in _PERCENT_WORDS.finditer(text):
        value = _number(m.group("lo"))
        if value is not None and not mask[m.start()]:
            out.append(Figure(value, None, "%", _comparator(text, m, 0), m.start(), m.end(), m.group(0),
                              _indicator(text, m.start(), m.end(), "%")))
    kept: list[Figure] = []
    for f in sorted(out, key=lambda f: f.start):
        if not kept or f.start >= kept[-1].end:  # one figure read one way only
            kept.append(f)
    return kept


def _is_quantity(text: str, m: re.Match) -> bool:
    lo, unit = m.group("lo"), m.group("unit")
    before = text[: m.start()]
    after = text[m.end():]
    is_cn = not lo[0].isdigit()
    if unit == "年" and (is_cn or (_number(lo) or 0) >= 1900):
        return False  # years, and 五年规划 / 三年行动
    if m.group("hi") and (_number(m.group("hi")) or 0) >= 1900:
        return False
    if before.endswith(("第", "每", "之", "统", "唯", "逐", "同", "万", "单")) or re.search(r"[A-Za-z]$", before):
        return False
    if is_cn and (_SET_PHRASE_AFTER.match(after) or (lo == "一" and re.match(rf"^[{_CN}]", after))):
        return False  # 一户多残, 一次性, 一人一档
    if is_cn and lo in ("一",) and unit in ("个", "项", "次") and re.match(r"^[^\d]{0,2}(?:也|都)", after):
        return False  # 一个也不能少
    if _ABSTRACT_NOUNS.match(after):
        return False
    if is_cn and _NAME_OF_RATE.match(after):
        return False  # 两项补贴覆盖率达到100%: the count names what the rate is of
    if is_cn and len(lo) == 1 and re.search(rf"[{_CN}]$", before):
        return False  # 三中、四中 / 二三级
    if lo == "一" and re.search(r"(?:是|成为|作为|之)$", before):
        return False  # 是一个特殊困难的群体: a description, not a count
    if unit in ("次", "届") and (before.endswith("届") or _MEETING_AFTER.match(after)):
        return False  # 十届十次全会, 第22次常务会议: which meeting, not how many
    return True


def _comparator(text: str, m: re.Match, last_end: int) -> str:
    sym = m.groupdict().get("sym")
    if m.groupdict().get("hi"):
        return "range"
    if sym:
        return {">": ">", ">=": ">=", "≥": ">=", "<": "<", "<=": "<=", "≤": "<="}[sym]
    after = text[m.end():]
    if m.groupdict().get("approx"):
        return ">"
    if _AFTER_GE.match(after):
        return ">="
    if _AFTER_LE.match(after):
        return "<="
    if _AFTER_APPROX.match(after):
        return "~"
    fragment = re.split(f"[{_PUNCT}]", text[last_end: m.start()])[-1]
    if _CUES_GE.search(fragment):
        return ">="
    for pattern, comp in _CUES:
        if pattern.search(fragment):
            return comp
    return "="


def _indicator(text: str, start: int, end: int, unit: str | None) -> str:
    """What the figure counts, from the words before (…服务率达到) or after (…张床位的机构),
    as a phrase a reader recognises: a figure inside brackets is read within them
    (（读一本书、看一场电影…） → 读书), brackets are never left open or cut in half, and a
    long phrase is cut where a phrase ends, not inside a word."""
    opened = _open_bracket(text, start)
    if opened is not None:  # read the figure within its brackets only
        close = text.find(_BRACKETS[text[opened]], end)
        inner = text[opened + 1 : close if close >= 0 else len(text)]
        text, start, end = inner, start - opened - 1, end - opened - 1
    return _tidy(_indicator_words(text, start, end, unit))


def _open_bracket(text: str, start: int) -> int | None:
    """Where the innermost bracket still open at ``start`` opens (None: none is open)."""
    stack = []
    for i, ch in enumerate(text[:start]):
        quote_closing = ch in "“‘" and stack and text[stack[-1]] == ch  # “…“ used for “…”
        if ch in _BRACKETS and not quote_closing:
            stack.append(i)
        elif stack and ch == _BRACKETS.get(text[stack[-1]]):
            stack.pop()
    return stack[-1] if stack else None


_CLOSERS = {v: k for k, v in _BRACKETS.items()}
#: Characters a long indicator may be cut after (a phrase ends there).
_PHRASE_ENDS = "、，；的和及与"


def _tidy(s: str) -> str:
    """An indicator without a bracket left open or a closing bracket whose opening was cut off,
    and without punctuation at either end."""
    stack, drop = [], set()
    for i, ch in enumerate(s):
        if ch in _BRACKETS and not (ch in "“‘" and stack and s[stack[-1]] == ch):
            stack.append(i)
        elif ch in _CLOSERS:
            if stack and s[stack[-1]] == _CLOSERS[ch]:
                stack.pop()
            else:
                drop.add(i)  # its opening bracket is not in the phrase
    if stack:  # an opening bracket never closed: the phrase ends before it
        s, drop = s[: stack[0]], {i for i in drop if i < stack[0]}
    s = "".join(ch for i, ch in enumerate(s) if i not in drop)
    return s.strip(_PUNCT + " ")


def _head(s: str, n: int) -> str:
    """At most ``n`` characters from the start of ``s``, cut where a phrase ends."""
    if len(s) <= n:
        return s
    cut = max(s.rfind(ch, 0, n) for ch in _PHRASE_ENDS)
    return s[:cut] if cut > 0 else s[:n]


def _tail(s: str, n: int) -> str:
    """At most ``n`` characters from the end of ``s``, starting where a phrase starts."""
    if len(s) <= n:
        return s
    starts = [s.find(ch, len(s) - n - 1) for ch in _PHRASE_ENDS]
    starts = [k + 1 for k in starts if 0 <= k < len(s) - 1]
    return s[min(starts):] if starts else s[-n:]


#: A figure written in words with its measure word (一场, 两名): where another figure starts.
_WORD_FIGURE = re.compile(
    r"\d|[一二两三四五六七八九十]+(?:个|名|所|项|场|本|次|家|支|处|张|期|户|人|套|条)"
)


def _indicator_words(text: str, start: int, end: int, unit: str | None) -> str:
    """:func:`_indicator` before tidying."""
    pre = re.split(f"[{_PUNCT}]", text[:start])[-1]
    opened = pre.rfind("（")
    if opened > pre.rfind("）"):
        pre = pre[opened + 1:]  # （现有持证残疾人2.44万人 → 现有持证残疾人
    post = re.split("[，。；：！？,;:]", text[end:])[0]
    pre_core = _TRAIL_CUES.sub("", pre)
    pre_core = re.sub(r"(?:按照?|按)?(?:不低于|不少于|至少)", "", pre_core)
    if unit in ("%", "倍", "‰", "个百分点") or _RATE_NOUN.search(pre_core):
        if post.startswith("的比例") or post.startswith("比例"):
            obj = re.sub(r"^的?比例", "", post)
            obj = re.sub(r"^(?:设置|安排|配备|增发|招录|吸纳|配置|用于)", "", obj)
            obj = re.split(r"并|和|及|，", obj)[0]
            return (obj or _clean_lead(pre_core).removesuffix("的")) + "比例"
        if _RATE_NOUN.search(pre_core) or unit == "倍":
            return _tail(_clean_lead(pre_core), 30)
    post = re.sub(r"^(?:以上|以下|以内|及以上|左右|余)", "", post)
    post = re.sub(r"^（[^）]*）", "", post)
    post = re.sub(r"^(?:以上|以下|以内)?的(?=.*(?:率|比例)$)", "", post)
    if unit in ("%", "‰"):  # 干部队伍中要有15%以上的残疾人 → 干部队伍中残疾人比例
        noun = _balanced(re.sub(r"^的", "", post))
        if noun:
            return _tail(_clean_lead(pre_core) + noun, 28) + "比例"
        return _tail(_clean_lead(pre_core), 30)
    m = re.match(r"^(?P<a>[^的]{0,3}?)(?:以上|以下|以内)?(?:（[^）]*）)?的(?P<b>.{1,24})$", post)
    if m and not re.search(r"[\d]", m.group("a")):
        return _head(_balanced(m.group("b") + m.group("a")), 30)
    post = re.sub(r"^的", "", post)
    digit = _WORD_FIGURE.search(post)
    if digit and "、" in post[: digit.start()]:  # a list of figures: 读一本书、看一场电影…
        post = post[: post.rfind("、", 0, digit.start())]
        verb = pre if len(pre) <= 3 and not _RATE_NOUN.search(pre) else ""
        return _head(_balanced(verb + post), 30)
    elif digit:  # another figure follows: 一所200张床位以上的…机构, 1名家庭成员掌握1项
        head = re.sub(r"(?:掌握|参与|参加|达到|实现|拥有|有)$", "", post[: digit.start()])
        post = head if head and not head.endswith("的") else post[post.rfind("的") + 1:]
    else:
        m = re.match(r"^[^的]{1,8}的(.+)$", post)  # 一支专业、长效的助残志愿者队伍
        post = m.group(1) if m else post
    post = _balanced(post)
    lead = _tail(_clean_lead(pre_core), 30)
    if _COMMIT_VERBS.fullmatch(lead):
        lead = ""  # 到2020年完成5000户: a verb, not what is counted
    return _head(post, 30) or lead or _subject(text[:start])


def _subject(before: str) -> str:
    """What a bare figure at the end of a clause counts: the phrase before it that is not a
    time or a verb (危房改造任务，到2020年完成5000户 → 危房改造任务)."""
    for phrase in reversed(re.split(f"[{_PUNCT}]", before)[:-1]):
        words = _clean_lead(_TRAIL_CUES.sub("", phrase))
        if words and not _COMMIT_VERBS.fullmatch(words):
            return _tail(words, 30)
    return ""


def _balanced(s: str) -> str:
    """Drop an unclosed bracket at the end of a phrase cut at punctuation (示范中心（站 → 示范中心)."""
    for o, c in (("（", "）"), ("(", ")"), ("“", "”"), ("《", "》")):
        if s.count(o) > s.count(c):
            s = s[: s.rfind(o)]
    return s


def _clean_lead(s: str) -> str:
    return _LEAD_VERBS.sub("", _TIME_LEAD.sub("", s)).strip()


# --------------------------------------------------------------------------- kinds and deadlines
def in_review_section(section_path: str | None) -> bool:
    """Is a clause under a heading that reviews the past (编制背景, 发展基础, “十三五”时期 …)?"""
    return bool(_REVIEW_HEADING.search(section_path or "")) and not re.search(r"目标|任务|措施", section_path or "")


def figure_kind(text: str, section_path: str, figure: Figure) -> str:
    """target, baseline or context (see the module doc)."""
    in_review = in_review_section(section_path)
    if _CONTEXT_WORDS.search(text):
        return "context"
    after = text[figure.end:]
    before = text[: figure.start]
    if re.match(r"^(?:以上|以下|以内)?(?:（[^）]*）)?的", after) and not _PROVIDE_VERBS.search(
            re.split(f"[{_PUNCT}]", before)[-1]) and figure.unit not in ("%", "‰"):
        return "context"  # 编制50人以上的部门, 稳定就业1年以上的单位: who a rule applies to
    if in_review:
        return "baseline"
    if _PAST_WORDS.search(text) and not _FUTURE_WORDS.search(text):
        return "baseline"
    fragment = re.split(f"[{_PUNCT}]", before)[-1]
    if _APPROXIMATE.search(figure.figure) and not _COMMIT_VERBS.search(fragment) and figure.comparator != ">=":
        return "context"  # 以7600多名持证残疾人为对象: how many there are, not how many there will be
    return "target"


def clause_deadline(text: str) -> int | None:
    """The year a clause sets (到2020年, 2025年前, 2020年底前), outside titles, brackets and periods."""
    mask = _bracket_mask(text)
    periods = [m.span() for m in YEAR_RANGE_RE.finditer(text)]
    for m in _YEAR_RE.finditer(text):
        if mask[m.start()] or any(a <= m.start() < b for a, b in periods):
            continue  # 《计划（2021—2025年）》, 2021—2025年: a title or a period, not a deadline
        return int(m.group(1))
    return None


# --------------------------------------------------------------------------- indicator tables
INDICATOR_WORDS = {
    "序号": "number", "编号": "number",
    "指标": "indicator", "指标名称": "indicator", "主要指标": "indicator", "指标内容": "indicator", "内容": "indicator",
    "目标值": "value", "目标": "value", "预期目标": "value", "指标值": "value", "预期值": "value", "规划目标": "value",
    "指标属性": "binding", "属性": "binding", "指标性质": "binding", "性质": "binding", "指标类型": "binding",
    "单位": "unit", "计量单位": "unit",
    "基期值": "baseline", "现状值": "baseline", "基础值": "baseline", "现状": "baseline",
    "备注": "other",
}
INDICATOR_VOCABULARY = Vocabulary(INDICATOR_WORDS, (frozenset({"indicator"}), frozenset({"value"})))
_BINDING = re.compile(r"^(约束性|预期性)$")
_UNIT_IN_NAME = re.compile(r"[（(]([^（）()]{1,6})[）)]$")
_TABLE_VALUE = re.compile(r"^(?P<sym>[≥≤><]=?)?\s*(?P<lo>\d+(?:\.\d+)?)\s*(?:[—–\-~～至到]\s*(?P<hi>\d+(?:\.\d+)?))?"
                          r"\s*(?P<unit>%|‰|(?!以上|及以上|以下|以内|左右)"
                          r"[\u4e00-\u9fff]{1,3}?)?\s*"
                          r"(?P<after>以上|及以上|以下|以内|左右)?$")
_PLAN_HEADING = re.compile(r"^(?:第[一二三四五六七八九十\d]+[章节]|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|专栏)")


def ends_indicator_table(line: str) -> bool:
    """An indicator table inside a plan's body ends at the plan's next heading."""
    return bool(_PLAN_HEADING.match(line))


#: Indicator tables, as :func:`compare.extract.tables.table_regions` finds them.
INDICATOR_TABLE = TableKind("indicator", INDICATOR_VOCABULARY, ends_indicator_table)


@dataclass
class IndicatorRow:
    row_no: int
    line: int
    indicator: str
    unit: str | None
    value_text: str
    value: float | None
    value_high: float | None
    comparator: str | None
    binding: str | None
    group: str | None = None


def parse_indicator_tables(text: str) -> tuple[list[IndicatorRow], list[str]]:
    """Rows of every indicator table (序号 / 指标 / 目标值 / 指标属性) in ``text``."""
    lines = prepare_lines(text)
    problems: list[str] = []
    rows: list[IndicatorRow] = []
    header = find_header(lines, INDICATOR_VOCABULARY)
    while header is not None:
        spans, end_at = numbered_rows(lines, header, INDICATOR_VOCABULARY, problems,
                                      stop=ends_indicator_table)
        roles = header.roles[1:] if header.roles[0] == "number" else header.roles
        for span in spans:
            row = tab_cells(span.rest, span.more, roles, lambda a, b, r: a + b)
            if row is None:
                row = _indicator_cells([ln.strip() for ln in [span.rest] + span.more if ln.strip()], roles)
            rows.append(_indicator_row(span.number, span.line, row, span.group))
        header = find_header(lines, INDICATOR_VOCABULARY, end_at)
    return rows, problems


def _indicator_cells(items: list[str], roles: list[str]) -> dict[str, str]:
    """Cells one per line: in column order when all are there, else by what they hold."""
    out = {r: "" for r in roles}
    if len(items) == len(roles):
        return dict(zip(roles, items))
    for item in items:
        if "binding" in roles and _BINDING.match(item):
            out["binding"] = item
        elif not out.get("indicator"):
            out["indicator"] = item
        elif "value" in roles and not out["value"]:
            out["value"] = item
    return out


def _indicator_row(number: int, line: int, row: dict[str, str], group: str | None) -> IndicatorRow:
    name = re.sub(r"\s+", "", row.get("indicator", ""))
    unit = (row.get("unit") or "").strip() or None
    m = _UNIT_IN_NAME.search(name)
    if m:
        unit = unit or m.group(1)
        name = name[: m.start()]
    value_text = re.sub(r"\s+", "", row.get("value", ""))
    value = high = comparator = None
    v = _TABLE_VALUE.match(value_text)
    if v:
        value, high = float(v.group("lo")), (float(v.group("hi")) if v.group("hi") else None)
        unit = unit or v.group("unit")
        sym, after = v.group("sym"), v.group("after")
        comparator = ("range" if high is not None else
                      {">": ">", ">=": ">=", "≥": ">=", "<": "<", "<=": "<=", "≤": "<="}.get(sym or "")
                      or {"以上": ">=", "及以上": ">=", "以下": "<=", "以内": "<=", "左右": "~"}.get(after or "", "="))
    binding = re.sub(r"\s+", "", row.get("binding") or "")
    binding = binding if _BINDING.match(binding) else None  # never a cell two rows ran into
    return IndicatorRow(number, line, name, unit, value_text, value, high, comparator, binding, group)


# --------------------------------------------------------------------------- tables


def targets_from_measures(measures: pd.DataFrame, period_end: dict[str, int | None]) -> pd.DataFrame:
    """Targets found in clauses: one row per figure, in measure order."""
    rows = []
    section_year: dict[tuple[str, str], int] = {}  # (doc, section) → year its lead-in sets
    for r in measures.itertuples(index=False):
        year = clause_deadline(r.text)
        key = (r.doc_id, str(r.section_number))
        inherited = None
        if year is not None and _LEAD_IN_YEAR.match(r.text):
            section_year[key] = year
        elif year is None:
            inherited = section_year.get(key)
        figures = find_figures(r.text)
        if not figures:
            continue
        for k, f in enumerate(figures, start=1):
            kind = figure_kind(r.text, r.section_path, f)
            deadline, source = _deadline(year, kind, period_end.get(r.doc_id))
            if kind == "target" and year is None and inherited is not None:
                deadline, source = inherited, "section"
            rows.append({
                "target_id": f"{r.measure_id}#{k}", "doc_id": r.doc_id, "measure_id": r.measure_id,
                "source": "clause", "indicator": f.indicator or None, "value": f.value, "value_high": f.value_high,
                "unit": f.unit, "comparator": f.comparator, "deadline_year": deadline, "deadline_source": source,
                "kind": kind, "binding": None, "figure": f.figure, "text": r.text,
                "span_start": f.start, "span_end": f.end,
            })
    return pd.DataFrame(rows, columns=schema.columns("targets"))


def _deadline(year: int | None, kind: str, plan_end: int | None) -> tuple[int | None, str | None]:
    if kind != "target":
        return None, None
    if year is not None:
        return year, "clause"
    if plan_end is not None and not pd.isna(plan_end):
        return int(plan_end), "plan_period"
    return None, None


def targets_from_tables(text: str, doc_id: str, plan_end: int | None,
                        box_of_line=None) -> tuple[pd.DataFrame, list[str]]:
    """Targets from a document's indicator tables; ``box_of_line(line)`` names the section a table is in."""
    rows, problems = parse_indicator_tables(text)
    out = []
    for r in rows:
        section = box_of_line(r.line) if box_of_line else None
        ref = f"{doc_id}:{section or 'T'}.R{r.row_no}"
        deadline, source = _deadline(None, "target", plan_end)
        label = f"{r.indicator}（{r.unit}）" if r.unit else r.indicator
        out.append({
            "target_id": ref, "doc_id": doc_id, "measure_id": ref, "source": "indicator_table",
            "indicator": r.indicator, "value": r.value, "value_high": r.value_high, "unit": r.unit,
            "comparator": r.comparator, "deadline_year": deadline, "deadline_source": source, "kind": "target",
            "binding": r.binding, "figure": r.value_text, "text": f"{label}：{r.value_text}" + (
                f"（{r.binding}）" if r.binding else ""),
            "span_start": None, "span_end": None,
        })
    notes = [f"{doc_id}: {p}" for p in problems]
    return pd.DataFrame(out, columns=schema.columns("targets")), notes


def extract_targets(text: str, doc_id: str, measures: pd.DataFrame, plan_end: int | None = None, *,
                    section_at: dict[int, str] | None = None) -> tuple[pd.DataFrame, list[str]]:
    """``targets`` rows of one document (indicator tables first, then clauses) and notes.

    ``section_at`` (line → section number, from the build's segmentation) names the box an
    indicator table is in; without it the text is segmented here.
    """
    if section_at is None:
        from compare.segment import segmentation

        section_at = segmentation(text, doc_id).section_at
    from_tables, notes = targets_from_tables(text, doc_id, plan_end, section_at.get)
    from_clauses = targets_from_measures(measures, {doc_id: plan_end})
    frames = [f for f in (from_tables, from_clauses) if not f.empty]
    out = pd.concat(frames, ignore_index=True) if frames else schema.empty_frame("targets")
    return out, notes
