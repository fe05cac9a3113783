"""Bytes → text, with the encoding detected rather than assumed.

Order of evidence: a byte-order mark; strict UTF-8; UTF-16 without BOM (every other byte
NUL); then GB18030 (a superset of GBK and GB2312, the usual encodings of Chinese Word and
web exports) and Big5, judged by charset-normalizer. Binary files are refused by their
magic numbers or by NUL bytes.
"""
from __future__ import annotations

import codecs

from compare.errors import DocumentError

_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"%PDF": "a PDF file",
    b"PK\x03\x04": "a ZIP archive (for example a .docx or .xlsx)",
    b"\xd0\xcf\x11\xe0": "an old Microsoft Office file (.doc/.xls/.wps)",
    b"\x7fELF": "a program",
    b"{\\rtf": "an RTF file",
}


def sniff_binary(data: bytes) -> str | None:
    """Describe ``data`` if it is a known binary format, else ``None``."""
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            return what
    return None


def decode_bytes(data: bytes, path: str = "<bytes>", notes: list[str] | None = None) -> tuple[str, str]:
    """Decode ``data`` and return ``(text, encoding_name)``.

    A UTF-8 text with a few invalid bytes (a damaged download, a bad copy) is read with each
    invalid byte replaced by U+FFFD, and ``notes`` gets a sentence saying how many. Raises
    :class:`DocumentError` naming ``path`` when the bytes are binary or in no encoding we can read.
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    for bom, name in ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
                      (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(name), name
            except UnicodeDecodeError as exc:
                raise DocumentError(path, f"starts with a {name} byte-order mark but is not valid {name}") from exc
    what = sniff_binary(data)
    if what:
        raise DocumentError(path, f"is {what}, not a text file", hint="give it the matching extension or convert it to text")
    # UTF-16 without BOM: Chinese or ASCII text has NULs at every other byte in one parity.
    if len(data) >= 4 and data.count(b"\x00") > len(data) // 4:
        sample = data[:4000]
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        for name, ok in (("utf-16-le", odd > even * 4), ("utf-16-be", even > odd * 4)):
            if ok:
                try:
                    return data.decode(name), name
                except UnicodeDecodeError:
                    pass
        raise DocumentError(path, "contains binary data (NUL bytes), not text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    repaired = _mostly_utf8(data)
    if repaired is not None:
        text, bad = repaired
        if notes is not None:
            notes.append(f"{bad} invalid byte(s) in otherwise valid UTF-8 replaced by �")
        return text, "utf-8"
    if len(data) % 2 == 0:  # UTF-16 without BOM and without ASCII: judge by how Chinese it reads
        legacy = _plausibility(_try(data, "gb18030"))
        for name in ("utf-16-le", "utf-16-be"):
            text = _try(data, name)
            if text is not None and _plausibility(text) > max(0.6, legacy):
                return text, name
    return _decode_legacy(data, path)


def _mostly_utf8(data: bytes) -> tuple[str, int] | None:
    """``(text, invalid bytes)`` when ``data`` is UTF-8 but for a few invalid bytes, else None.

    A few means at most 1 in 1,000 bytes (and at most 1,000), with at least ten times as many
    valid multi-byte characters: text in GBK or Big5 read as UTF-8 is invalid at nearly every
    Chinese character, so it never passes.
    """
    text = data.decode("utf-8", errors="surrogateescape")
    bad = sum(1 for c in text if "\udc80" <= c <= "\udcff")
    wide = sum(1 for c in text if "\u0800" <= c < "\ud800" or "\ue000" <= c)
    if bad > min(1000, max(8, len(data) // 1000)) or wide < 10 * bad:
        return None
    return data.decode("utf-8", errors="replace"), bad


# The most frequent characters of modern Chinese prose: a text decoded with the wrong
# codec is made of rare characters, the right one mostly of these.
_COMMON = set(
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定"
    "行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其"
    "些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建"
    "月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接"
    "知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器"
    "压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议"
    "声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复"
    "容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往历市克何除消构府称太准精值号率族维划选标写"
    "存候亲快效院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该价严龙飞残疾障碍康复就服"
    "救助补贴护理福利障碍扶贫托照训练无障碍，。、；：“”（）《》"
)


def _try(data: bytes, name: str) -> str | None:
    try:
        return data.decode(name)
    except UnicodeDecodeError:
        return None


def _plausibility(text: str | None) -> float:
    """Share of characters that are common Chinese, ASCII or whitespace (0 = gibberish)."""
    if not text:
        return 0.0
    good = sum(1 for c in text if c in _COMMON or (c.isascii() and (c.isprintable() or c.isspace())))
    return good / len(text)


def _decode_legacy(data: bytes, path: str) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    candidates = []
    for name in ("gb18030", "big5"):
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        candidates.append((name, text))
    if len(candidates) == 1:
        return candidates[0][1], candidates[0][0]
    if candidates:
        best = from_bytes(data, cp_isolation=[n for n, _ in candidates]).best()
        if best is not None:
            name = "gb18030" if best.encoding in {"gb18030", "gbk", "gb2312"} else best.encoding
            return str(best) if name != "gb18030" else data.decode("gb18030"), name
        return candidates[0][1], candidates[0][0]
    best = from_bytes(data).best()
    if best is None or best.chaos > 0.3:
        raise DocumentError(path, "is in an encoding that could not be recognised",
                            hint="save it as UTF-8 or GB18030")
    return str(best), best.encoding
