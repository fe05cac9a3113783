"""A Chinese font inside each report page, so it reads the same on any machine, offline.

A report is opened on machines we never see, some without any Chinese font: the page would
show tofu boxes. Each page therefore carries its own font: Noto Sans CJK SC (from the
``noto-cjk-sans-otc`` package the charts already use), cut down by fontTools to the characters
that page uses and written as WOFF2, as a ``data:`` URI in an ``@font-face`` rule (the page's
Content-Security-Policy allows fonts only that way). A report page needs a few hundred
kilobytes of font instead of the whole font's 20 MB.
"""

from __future__ import annotations

import base64
import io
import re
from functools import lru_cache

#: The family name pages use for the embedded font (first in their font stack).
FAMILY = "Compare CJK"
#: Which font of the Noto Sans CJK collection: Simplified Chinese.
SC_FONT_NUMBER = 2

_TAGS = re.compile(r"<[^>]*>")


def page_characters(page_html: str) -> str:
    """The characters a page can show: its text outside tags, its attributes' text (titles),
    and the ASCII range (numbers, Latin names), sorted."""
    import html

    text = html.unescape(_TAGS.sub(" ", page_html))
    return "".join(sorted(set(text) | {chr(c) for c in range(0x20, 0x7F)}))


@lru_cache(maxsize=64)
def woff2_subset(characters: str) -> bytes | None:
    """Noto Sans CJK SC cut down to ``characters``, as WOFF2 bytes; None when the font package
    is missing. The same characters always give the same bytes (no timestamps)."""
    from fontTools import subset, ttLib

    from compare.report.plots import _bundled_font

    path = _bundled_font()
    if path is None:
        return None
    font = ttLib.TTFont(str(path), fontNumber=SC_FONT_NUMBER, recalcTimestamp=False, lazy=True)
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]  # vertical punctuation, proportional digits …
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def font_face_css(page_html: str) -> str:
    """An ``@font-face`` rule embedding the font for the characters of ``page_html``; empty
    when no font package is installed (the page then falls back to the reader's fonts)."""
    data = woff2_subset(page_characters(page_html))
    if data is None:
        return ""
    encoded = base64.b64encode(data).decode("ascii")
    return (
        f'@font-face {{ font-family: "{FAMILY}"; font-style: normal; font-weight: 400; '
        f'src: url(data:font/woff2;base64,{encoded}) format("woff2"); }}'
    )
