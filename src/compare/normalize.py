"""Small pure ``str -> str`` normalisers, composed into pipelines.

Two kinds of text are kept apart:

* **display text** (:func:`clean_text`): what a researcher reads and quotes. Full-width
  digits and Latin letters become ASCII, CJK punctuation becomes consistently full-width,
  stray whitespace inside Chinese text is removed, damaged document numbers are repaired.
  Line structure (newlines, tabs) is preserved because headings and annex tables depend on it.
* **comparison text** (added by the drift stage): further folded for matching only.

Every function takes and returns a string and has no side effects::

    >>> fold_width("到２０２０年，比例不低于２％")
    '到2020年，比例不低于2%'
    >>> repair_doc_numbers("（国发〔20157号）")
    '（国发〔2015〕7号）'
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
#: CJK ideographs plus CJK punctuation and full-width forms: text where spaces carry no meaning.
CJK_CONTEXT = CJK + r"\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u2018-\u201d\u2026\u2014"

_CJK_CHAR = re.compile(f"[{CJK}]")

# Full-width forms folded to ASCII in display text: digits, Latin letters and signs that
# belong to numbers. CJK punctuation (，。：；（）) is deliberately kept.
_WIDTH_MAP = {chr(c): chr(c - 0xFEE0) for c in range(0xFF10, 0xFF1A)}  # ０-９
_WIDTH_MAP.update({chr(c): chr(c - 0xFEE0) for c in range(0xFF21, 0xFF3B)})  # Ａ-Ｚ
_WIDTH_MAP.update({chr(c): chr(c - 0xFEE0) for c in range(0xFF41, 0xFF5B)})  # ａ-ｚ
_WIDTH_MAP.update({"％": "%", "＋": "+", "．": ".", "／": "/", "＜": "<", "＞": ">", "＝": "=",
                   "＆": "&", "＠": "@", "＃": "#", "＄": "$", "－": "-"})
_WIDTH_TABLE = str.maketrans(_WIDTH_MAP)

_SPACE_CHARS = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_SPACE_TABLE = str.maketrans({**{c: " " for c in _SPACE_CHARS}, **{c: None for c in _ZERO_WIDTH}})


def fold_width(text: str) -> str:
    """Fold full-width digits, Latin letters and number signs to ASCII (``２％`` → ``2%``)."""
    return text.translate(_WIDTH_TABLE)


def normalize_newlines(text: str) -> str:
    """Use ``\\n`` for every line break (``\\r\\n``, ``\\r``, form feed, Unicode separators)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return re.sub("[\u2028\u2029\x0b]", "\n", text).replace("\x0c", "\n\n")


#: Control characters that no document means: C0 codes other than tab, line feed and carriage
#: return (NUL, ESC, form feed …), DEL and the C1 codes. They break spreadsheets (openpyxl
#: refuses them) and terminals (ESC sequences), and carry no text.
CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def strip_control_chars(text: str) -> str:
    """Remove control characters (:data:`CONTROL_CHARS`); tabs and line breaks stay.

    >>> strip_control_chars("东城\x00区\x1b[31m")
    '东城区[31m'
    """
    return CONTROL_CHARS.sub("", text) if CONTROL_CHARS.search(text) else text


#: Characters that draw nothing but change how the text around them shows or compares: the
#: text-direction marks, embeddings, overrides and isolates (after U+202E a title reads
#: backwards), and zero-width spaces, joiners and the byte-order mark inside text. No policy
#: text means them; kept, they make equal titles and agency names differ.
INVISIBLE_CHARS = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def strip_invisible_chars(text: str) -> str:
    """Remove invisible formatting characters (:data:`INVISIBLE_CHARS`); nothing else changes.

    >>> strip_invisible_chars("区\u202e局政民")
    '区局政民'
    """
    return INVISIBLE_CHARS.sub("", text) if INVISIBLE_CHARS.search(text) else text


def normalize_spaces(text: str) -> str:
    """Remove whitespace that carries no meaning in Chinese text, keeping tabs and newlines.

    Non-breaking, ideographic and zero-width spaces are unified; spaces at line ends are
    dropped; spaces between CJK characters, CJK punctuation and digits are removed
    (``到 2020 年`` → ``到2020年``; ``需要格外关心、 格外关注`` → ``需要格外关心、格外关注``).
    Spaces between two Latin words are kept (``Powered by``).
    """
    text = text.translate(_SPACE_TABLE)
    lines = []
    for line in text.split("\n"):
        line = line.rstrip(" ").lstrip(" ")
        # a space touching CJK context on one side and CJK/digit/punctuation on the other
        line = _SPACE_AFTER_CJK.sub("", line)
        line = _SPACE_BEFORE_CJK.sub("", line)
        if _CJK_CHAR.search(line):  # a space after punctuation in Chinese text is converter noise
            line = _SPACE_AFTER_MARK.sub("", line)
        line = _SPACES.sub(" ", line)
        lines.append(line)
    return "\n".join(lines)


_SPACE_AFTER_CJK = re.compile(f"(?<=[{CJK_CONTEXT}]) +(?=[{CJK_CONTEXT}0-9%(),.:;])")
_SPACE_BEFORE_CJK = re.compile(f"(?<=[{CJK_CONTEXT}0-9%(),.:;]) +(?=[{CJK_CONTEXT}])")
_SPACE_AFTER_MARK = re.compile(r"(?<=[，。：；、！？,.:;!?）)]) +(?=[0-9A-Za-z(（])")
_SPACES = re.compile(r" {2,}")


_PUNCT_PAIRS = {",": "，", ":": "：", ";": "；", "!": "！", "?": "？"}


def normalize_punctuation(text: str) -> str:
    """Make punctuation in Chinese context consistently full-width.

    ``,:;!?`` next to a CJK character become ``，：；！？``; a pair of round brackets
    becomes ``（）`` when its content or its surroundings are Chinese (``(一)`` → ``（一）``,
    ``(朝政发〔2017〕7号)`` → ``（朝政发〔2017〕7号）``). ASCII in ASCII context is untouched
    (``1:2``, ``http://``).
    """
    for mark, pattern, wide in _PUNCT_MARKS:  # in turn: a mark made wide is context for the next
        if mark in text:
            text = pattern.sub(wide, text)
    if "(" not in text:
        return text
    for _ in range(3):  # nested brackets, innermost first
        new = _BRACKET_PAIR.sub(_wide_pair, text)
        if new == text:
            break
        text = new
    return text


_PUNCT_MARKS = [(m, re.compile(f"(?<=[{CJK_CONTEXT}]){re.escape(m)}|{re.escape(m)}(?=[{CJK}])"), wide)
                for m, wide in _PUNCT_PAIRS.items()]
_BRACKET_PAIR = re.compile(r"(^|.)\(([^()\n]{0,120})\)(.|$)", re.M)


def _wide_pair(match: re.Match) -> str:
    inner, before, after = match.group(2), match.group(1), match.group(3)
    if _CJK_CHAR.search(inner) or _CJK_CHAR.match(before or "") or _CJK_CHAR.match(after or ""):
        return f"{before}（{inner}）{after}"
    return match.group(0)


# A document number such as 国发〔2015〕7号. Brackets seen in the wild: 〔〕 [] ［］ 【】 () （） „‟ (a
# PDF converter's mapping of 〔〕),
# an opening bracket turned into a closing one (国发）2015〕7号); the closing bracket is sometimes
# lost (国发〔20157号) and is restored when the year is 4 digits.
_DOC_NO_DAMAGED = re.compile(
    f"(?<=[{CJK}])\\s*[〔\\[［【(（)）„]\\s*((?:19|20)\\d{{2}})\\s*[〕\\]］】)）‟]?\\s*(\\d{{1,4}})\\s*[号號]"
)
#: The issuing organ's abbreviation ends so (国发, 国办发, 京政函, 鄂字, 莆政综, 盘政办): only after
#: such an ending is a number without its 号 or without any bracket a document number.
_ORGAN_END = "发發函字办辦综綜"
# 国办发(2004)76) — the 号 lost inside a citation's brackets
_DOC_NO_NO_HAO = re.compile(
    f"(?<=[{_ORGAN_END}])\\s*[〔\\[［【(（]\\s*((?:19|20)\\d{{2}})\\s*[〕\\]］】)）]\\s*(\\d{{1,4}})(?=\\s*[)）])"
)
# 国发20157号 — both brackets lost: the year is the first four digits
_DOC_NO_NO_BRACKETS = re.compile(f"(?<=[{_ORGAN_END}])\\s*((?:19|20)\\d{{2}})\\s*(\\d{{1,4}})\\s*[号號]")


def repair_doc_numbers(text: str) -> str:
    """Normalise document numbers to ``X〔YYYY〕N号`` and restore what copying lost.

    ``国发[2015]7号`` → ``国发〔2015〕7号``; ``京政发〔20168号`` → ``京政发〔2016〕8号`` (a lost
    〕); ``国发）2015〕7号`` → ``国发〔2015〕7号``; ``国办发(2004)76）`` → ``国办发〔2004〕76号）``
    (a lost 号); ``国发20157号`` → ``国发〔2015〕7号`` (both brackets lost).
    """
    if not any(ch in text for ch in "号號"):
        return _DOC_NO_NO_HAO.sub(lambda m: f"〔{m.group(1)}〕{m.group(2)}号", text)
    text = _DOC_NO_NO_BRACKETS.sub(lambda m: f"〔{m.group(1)}〕{m.group(2)}号", text)
    text = _DOC_NO_NO_HAO.sub(lambda m: f"〔{m.group(1)}〕{m.group(2)}号", text)
    return _DOC_NO_DAMAGED.sub(lambda m: f"〔{m.group(1)}〕{m.group(2)}号", text)


def unicode_nfc(text: str) -> str:
    """Compose Unicode (NFC), so visually equal strings compare equal."""
    return unicodedata.normalize("NFC", text)


def strip_markdown_emphasis(text: str) -> str:
    """Drop Markdown emphasis and rules left by converters (``**五、…**``, ``---``), keep ``#`` headings."""
    text = re.sub(r"\*\*(.+?)\*\*|__(.+?)__", lambda m: m.group(1) or m.group(2), text)
    return re.sub(r"(?m)^\s*(?:-{3,}|\*{3,}|_{3,})\s*$", "", text)


def collapse_blank_lines(text: str, *, keep: int = 2) -> str:
    """Limit runs of blank lines to ``keep`` (page breaks stay visible as a blank line)."""
    return re.sub("\n{%d,}" % (keep + 2), "\n" * (keep + 1), text).strip("\n") + "\n"


def make_pipeline(funcs: Iterable[Callable[[str], str]]) -> Callable[[str], str]:
    """Compose ``str -> str`` functions left to right into one function."""
    funcs = list(funcs)

    def pipeline(text: str) -> str:
        for func in funcs:
            text = func(text)
        return text

    return pipeline


#: Display text: what every table quotes.
clean_text = make_pipeline([
    unicode_nfc,
    normalize_newlines,
    strip_control_chars,
    strip_invisible_chars,
    fold_width,
    normalize_spaces,
    normalize_punctuation,
    repair_doc_numbers,
    strip_markdown_emphasis,
    collapse_blank_lines,
])


#: The code point ranges of :data:`CJK`, as numbers.
_CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))


def cjk_count(text: str) -> int:
    """Number of CJK ideographs in ``text``."""
    if len(text) < 200:
        return len(_CJK_CHAR.findall(text))
    # a whole document: counted on its code points at once (a regex match per character made a
    # string per ideograph, a sixth of the time to read a plain-text plan)
    import numpy as np

    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    hit = np.zeros(len(points), dtype=bool)
    for lo, hi in _CJK_RANGES:
        hit |= (points >= lo) & (points <= hi)
    return int(np.count_nonzero(hit))


# --------------------------------------------------------------------------- comparison text
#: Words by which a government names its own jurisdiction; folded so that a 区 → 市 swap is no edit.
JURISDICTION_WORDS = ("我国", "全国", "我省", "全省", "本省", "我市", "全市", "本市", "我区", "全区", "本区", "我县",
                      "全县", "本县", "我旗", "全旗", "首都", "各地区", "各地", "地方")
JURISDICTION_MARK = "◇"
_LEVEL_BEFORE_ORGAN = re.compile(r"[省市区县旗](?=(?:委|政府|级|属|人民政府|残联|残工委|民政|财政|人力社保|"
                                 r"教委|卫生|住房|发展改革|各|有关|直))")


def fold_jurisdiction(text: str, places: Iterable[str] = ()) -> str:
    """Replace words naming the issuing jurisdiction with ``◇`` (comparison text only).

    ``places`` are the issuer's own place names (东城区, 东城, 北京市), longest first.

    >>> fold_jurisdiction("加快推进本区残疾人小康进程，与全区人民共享", ["东城区"])
    '加快推进◇残疾人小康进程，与◇人民共享'
    >>> fold_jurisdiction("牢牢把握东城发展战略定位，区政府残工委", ["东城区", "东城"])
    '牢牢把握◇发展战略定位，◇政府残工委'
    """
    for place in sorted((p for p in places if p), key=len, reverse=True):
        text = text.replace(place, JURISDICTION_MARK)
    for word in JURISDICTION_WORDS:
        text = text.replace(word, JURISDICTION_MARK)
    return _LEVEL_BEFORE_ORGAN.sub(JURISDICTION_MARK, text)


def comparison_text(text: str, places: Iterable[str] = (), *, jurisdiction: bool = True) -> str:
    """Text folded for matching only: widths, punctuation, no whitespace, jurisdiction words as ``◇``.

    Never shown to people; alignment and similarity use it, redlines use the display text.

    >>> comparison_text("残疾人是一个特殊困难群体, 需要格外关心、 格外关注。")
    '残疾人是一个特殊困难群体，需要格外关心、格外关注。'
    """
    text = normalize_punctuation(fold_width(unicode_nfc(text)))
    text = re.sub(r"\s+", "", text).replace("(", "（").replace(")", "）")
    return fold_jurisdiction(text, places) if jurisdiction else text
