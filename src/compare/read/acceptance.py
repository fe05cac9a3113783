"""Is a text a policy document, and is it whole?

Users bring what they find: openings cut mid-sentence, a notice with its plan, a page that
holds only the plan's first chapter. Such texts are documents, marked partial with the reason.
A text is refused only when it clearly is not a policy document (too short, a news report
about a policy, no sign of a policy text at all), judged from many signals rather than a few.
"""

from __future__ import annotations

import re

from compare.config import MIN_POLICY_CJK_CHARS, MIN_TEXT_CJK_CHARS
from compare.errors import DocumentError
from compare.normalize import cjk_count
from compare.read import metadata as md

_VOCABULARY = re.compile(
    r"意见|规划|方案|印发|贯彻落实|贯彻|落实|实施|推进|加强|健全|完善|制定|部署|指导思想|"
    r"基本原则|主要任务|重点任务|保障措施|总体要求|工作目标|职责|责任|坚持|确保|力争|到20\d\d年"
)
_HEADINGS = re.compile(
    r"(?m)^(?:#+\s*)?(第[一二三四五六七八九十]+[章节]|[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）"
    r"|\d{1,2}[.．、](?=\D))"
)
_NEWS = re.compile(
    r"记者|本报讯|日电|获悉|据了解|撰稿|责任编辑|编辑[：:]|通讯员|消息来源|新闻|报道|日前，|近日，"
    r"|（[\u4e00-\u9fff]{2,3}）\s*$"
)
_COMPLETE_END = re.compile(r"(?:[。！？；”’）)」』]|印发|\d{4}年\d{1,2}月\d{1,2}日)\s*$")
_ANNEX_LINE = re.compile(r"^附件\s*\d*\s*[：:]?\s*(?P<name>.{0,60})$")


def policy_signals(text: str, meta: dict) -> dict[str, bool]:
    """Signs that a text is a policy document, by name (each true or false)."""
    lines = [ln.strip() for ln in text.split("\n")]
    headings = {m.group(1) for m in _HEADINGS.finditer(text)}
    return {
        "a title": bool(meta.get("title")),
        "policy vocabulary": len(set(_VOCABULARY.findall(text))) >= 4,
        "an addressee line": any(md.ADDRESSEE_RE.match(s) for s in lines),
        "a document number": bool(meta.get("doc_number")),
        "cited document numbers": bool(meta.get("cites")) or len(md.parse_doc_numbers(text)) >= 1,
        "numbered headings": len(headings) >= 2,
        "a signature": bool(md.issuer_from_signature(lines)) or bool(meta.get("issued_date")),
    }


def news_markers(text: str) -> list[str]:
    """Words of a news report (记者, 撰稿, 日前 …) found in the text."""
    return sorted(set(_NEWS.findall(text)))


def check_policy_text(text: str, meta: dict, shown: str) -> None:
    """Raise :class:`DocumentError` for a text that clearly is not a policy document."""
    n = cjk_count(text)
    if n < MIN_TEXT_CJK_CHARS:
        raise DocumentError(
            shown, f"has only {n} Chinese characters; too short to be a policy text"
        )
    signals = policy_signals(text, meta)
    found = [k for k, v in signals.items() if v]
    structure = any(
        signals[k]
        for k in ("an addressee line", "a document number", "numbered headings", "a signature")
    )
    news = news_markers(text)
    if len(news) >= 2 and not structure:
        raise DocumentError(
            shown,
            "reads as a news report about a policy (" + "、".join(news[:4]) + "), not the "
            "policy text: it has no addressee, document number, numbered headings or signature",
            hint="add the policy's own text instead",
        )
    needed = 2 if n >= MIN_POLICY_CJK_CHARS else 3  # a short text needs stronger evidence
    if len(found) < needed:
        if n < MIN_POLICY_CJK_CHARS:
            raise DocumentError(
                shown,
                f"has only {n} Chinese characters and too few signs of a policy text ("
                + (", ".join(found) or "none")
                + "); too short to be analysed",
            )
        raise DocumentError(
            shown,
            "does not look like a policy document: found "
            + (", ".join(found) or "none")
            + " of a title, "
            "policy vocabulary, an addressee line, a document number, cited documents, numbered "
            "headings and "
            "a signature",
            hint="if it is a partial template, name it in sources.yaml with its title",
        )


def partial_reason(text: str, meta: dict, *, contents: list[str] = ()) -> str | None:
    """Why a text is only part of its document, in words, or None when it looks whole: it
    starts with its body (no title or opening), stops mid-sentence, names an annex that is
    not there, or holds little besides a table of contents."""
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    if not lines:
        return None
    reasons = []
    if contents and cjk_count(text) < 500:
        reasons.append("it holds little besides a table of contents")
    if (
        not meta.get("title")
        and not meta.get("notice_title")
        and not md.ADDRESSEE_RE.match(lines[0])
        and not md.parse_doc_numbers(lines[0])
    ):
        reasons.append("the text starts without a title or opening")
    last = lines[-1]
    if (
        "\t" not in last
        and not md.is_issuer_line(last)
        and not _COMPLETE_END.search(last)
        and not (_has_table(lines) and (_cell_like(last) or re.match(r"^\d{1,3}\D", last)))
    ):
        reasons.append(f"the text stops mid-sentence (…{last[-12:]})")
    missing = _missing_annex(lines)
    if missing:
        reasons.append(f"its annex ({missing}) is not in the text")
    return "; ".join(reasons) or None


def _has_table(lines: list[str]) -> bool:
    """Does the text hold a table (a header naming 序号 and 牵头单位 / 责任单位 / 指标 …)? A text
    that ends with a row number or a short cell then ends with the table's last row, not
    mid-sentence."""
    header = re.compile(
        r"牵头|责任单位|配合单位|指标|任务"
    )  # beside 序号, or within the next lines (one cell a line)
    return any(
        "序号" in ln and any(header.search(x) for x in lines[i : i + 6])
        for i, ln in enumerate(lines)
    )


def _cell_like(line: str) -> bool:
    """A table cell printed on its own line: short, no sentence punctuation."""
    return len(line) <= 40 and not re.search(r"[。；，]", line)


def _missing_annex(lines: list[str]) -> str | None:
    """The name of an annex the text lists (附件：…) but does not hold: little text follows."""
    for i in range(len(lines) - 1, -1, -1):
        m = _ANNEX_LINE.match(lines[i])
        if not m:
            continue
        after = [
            ln
            for ln in lines[i + 1 :]
            if not md.is_issuer_line(ln)
            and not md.DATE_LINE_RE.match(ln)
            and not re.fullmatch(r"[（(][^）)]{0,12}[）)]", ln)
        ]
        name = m.group("name").strip() or "附件"
        return name if sum(cjk_count(ln) for ln in after) < 50 else None
    return None
