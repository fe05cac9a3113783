"""Traditional → Simplified script (OpenCC), only when a text is actually Traditional."""
from __future__ import annotations

from functools import lru_cache

from compare.normalize import cjk_count


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Convert Traditional characters to Simplified (``國務院關於`` → ``国务院关于``)."""
    return _t2s().convert(text)


def detect_script(text: str, *, threshold: float = 0.03) -> str:
    """``'traditional'`` when converting to Simplified changes at least ``threshold`` of the CJK
    characters, else ``'simplified'``. (Simplified text is nearly unchanged by t2s.)"""
    total = cjk_count(text)
    if total == 0:
        return "simplified"
    converted = to_simplified(text)
    if converted == text:
        return "simplified"
    changed = sum(1 for a, b in zip(text, converted) if a != b)
    return "traditional" if changed >= max(3, threshold * total) else "simplified"
