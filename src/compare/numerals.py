"""Chinese numerals → integers (shared by dates, headings and targets).

    >>> chinese_to_int("二〇一七")
    2017
    >>> chinese_to_int("十二")
    12
    >>> chinese_to_int("两千三百零五")
    2305
"""
from __future__ import annotations

import re

DIGITS = {"〇": 0, "○": 0, "零": 0, "Ｏ": 0, "O": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "俩": 2,
          "三": 3, "叁": 3, "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7,
          "八": 8, "捌": 8, "九": 9, "玖": 9}
UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
BIG_UNITS = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
NUMERAL_CHARS = "".join(DIGITS) + "".join(UNITS) + "".join(BIG_UNITS)
NUMERAL_RE = re.compile(f"[{NUMERAL_CHARS}]+")


def chinese_to_int(text: str) -> int | None:
    """Convert a Chinese numeral (positional like 二〇一七 or with units like 二十五) to int.

    Arabic digits pass through (``"12"`` → 12). Returns ``None`` for anything else.
    """
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        return int(text)
    if any(c not in DIGITS and c not in UNITS and c not in BIG_UNITS for c in text):
        return None
    if not any(c in UNITS or c in BIG_UNITS for c in text):  # positional: 二〇一七
        return int("".join(str(DIGITS[c]) for c in text))
    total = section = number = 0
    for char in text:
        if char in DIGITS:
            number = DIGITS[char]
        elif char in UNITS:
            section += (number or 1) * UNITS[char]
            number = 0
        else:  # 万, 亿
            total += (section + number) * BIG_UNITS[char]
            section = number = 0
    return total + section + number
