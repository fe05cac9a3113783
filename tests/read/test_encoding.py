import codecs

import pytest

from compare.errors import DocumentError
from compare.read.encoding import decode_bytes

TEXT = "北京市朝阳区人民政府关于加快推进残疾人小康进程的实施意见。残疾人是一个特殊困难的群体。"


@pytest.mark.parametrize("encoding, data_maker, expected_name", [
    ("utf-8", lambda t: t.encode("utf-8"), "utf-8"),
    ("utf-8-sig", lambda t: codecs.BOM_UTF8 + t.encode("utf-8"), "utf-8-sig"),
    ("gbk", lambda t: t.encode("gbk"), "gb18030"),
    ("gb18030", lambda t: t.encode("gb18030"), "gb18030"),
    ("utf-16 with BOM", lambda t: t.encode("utf-16"), "utf-16-le"),
    ("utf-16-le without BOM", lambda t: t.encode("utf-16-le"), "utf-16-le"),
    ("utf-16-be without BOM", lambda t: t.encode("utf-16-be"), "utf-16-be"),
])
def test_decodes_real_encodings(encoding, data_maker, expected_name):
    text, name = decode_bytes(data_maker(TEXT), "plan.txt")
    assert text == TEXT
    assert name == expected_name


def test_gb18030_only_characters():
    text = TEXT + "𠀀"  # outside GBK, inside GB18030
    assert decode_bytes(text.encode("gb18030"), "x.txt")[0] == text


@pytest.mark.parametrize("data, what", [
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "PNG image"),
    (b"%PDF-1.4 binary", "PDF file"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old Microsoft Office"),
    (bytes([0, 1, 2, 3, 0, 0, 0, 9]) * 100, "binary data"),
])
def test_binary_is_refused_with_the_file_named(data, what):
    with pytest.raises(DocumentError) as info:
        decode_bytes(data, "plans/picture.txt")
    assert "plans/picture.txt" in str(info.value)
    assert what in str(info.value)
