"""Every reader on a small generated file, read through the public read_document."""
import pytest

from compare.errors import DocumentError
from compare.read import read_document
from tests.helpers import html_page, write_docx, write_pdf


def _check_sample(doc):
    assert doc.meta["doc_number"] == "测政发〔2019〕5号"
    assert doc.meta["title"] == "北京市测试区人民政府关于加快推进残疾人小康进程的实施意见"
    assert doc.meta["cites"] == ["国发〔2015〕7号"]
    assert "残疾人家庭进行无障碍改造" in doc.text


@pytest.mark.parametrize("name, encoding", [
    ("plan.txt", "utf-8"), ("plan.md", "utf-8"), ("plan-gbk.txt", "gbk"), ("plan-gb18030.txt", "gb18030"),
    ("plan-bom.txt", "utf-8-sig"), ("plan-utf16.txt", "utf-16"), ("计划 带空格.txt", "utf-8"),
])
def test_text_files(tmp_path, sample_plan, name, encoding):
    path = tmp_path / name
    path.write_bytes(sample_plan.encode(encoding))
    doc = read_document(path, raw_root=tmp_path)
    _check_sample(doc)
    assert doc.source_file == name


def test_mixed_line_endings(tmp_path, sample_plan):
    lines = sample_plan.splitlines()
    mixed = "".join(line + ("\r\n" if i % 3 == 0 else "\r" if i % 3 == 1 else "\n") for i, line in enumerate(lines))
    path = tmp_path / "mixed.txt"
    path.write_bytes(mixed.encode("utf-8"))
    doc = read_document(path)
    _check_sample(doc)
    assert "\r" not in doc.text


def test_html_takes_the_article_and_drops_navigation(tmp_path, sample_plan):
    path = tmp_path / "page.html"
    path.write_text(html_page(sample_plan), encoding="utf-8")
    doc = read_document(path)
    _check_sample(doc)
    assert doc.format == "html"
    for furniture in ("机构概况", "政务公开", "版权所有", "tracking", "color: red"):
        assert furniture not in doc.text


def test_html_in_gbk(tmp_path, sample_plan):
    path = tmp_path / "page.htm"
    path.write_bytes(html_page(sample_plan).replace("utf-8", "gbk").encode("gbk"))
    _check_sample(read_document(path))


def test_docx_paragraphs_and_table_rows(tmp_path, sample_plan):
    path = write_docx(tmp_path / "plan.docx", sample_plan,
                      [["序号", "工作任务", "牵头单位", "责任单位", "时间进度"],
                       ["1", "落实残疾人生活补助制度", "区民政局", "区残联、区财政局", "持续实施"]])
    doc = read_document(path)
    _check_sample(doc)
    assert doc.format == "docx"
    assert "1\t落实残疾人生活补助制度\t区民政局\t区残联、区财政局\t持续实施" in doc.text


def test_pdf_with_text_layer(tmp_path, sample_plan):
    doc = read_document(write_pdf(tmp_path / "plan.pdf", sample_plan))
    assert doc.format == "pdf"
    assert doc.meta["doc_number"] == "测政发〔2019〕5号"
    assert "无障碍改造" in doc.text.replace("\n", "")


def test_a_pdf_of_pictures_only_is_refused_after_ocr(tmp_path):
    path = write_pdf(tmp_path / "scan.pdf", None)  # a page holding only a drawing
    with pytest.raises(DocumentError, match=r"scan\.pdf: is a PDF of 1 page\(s\) in which no text could be read.*OCR"):
        read_document(path)


def test_traditional_script_is_converted_and_original_kept(tmp_path, sample_plan):
    from compare.read.script import _t2s  # noqa: F401  (ensures OpenCC is importable)
    import opencc

    traditional = opencc.OpenCC("s2t").convert(sample_plan)
    path = tmp_path / "trad.txt"
    path.write_text(traditional, encoding="utf-8")
    doc = read_document(path)
    assert doc.script == "traditional"
    assert doc.original_text == traditional
    assert "关于加快推进残疾人小康进程" in doc.text
    _check_sample(doc)


@pytest.mark.parametrize("name, data, reason", [
    ("empty.txt", b"", "is empty"),
    ("blank.txt", b"  \n\t\n  ", "contains only whitespace"),
    ("photo.txt", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "PNG image"),
    ("old.doc", b"\xd0\xcf\x11\xe0" + b"\x00" * 64, "old binary Word file"),
    ("data.xlsx", b"PK\x03\x04", "unsupported file type"),
    ("short.txt", "关于某事的通知\n各单位：请按时参加。".encode(), "too short"),
])
def test_bad_files_name_the_file_and_the_problem(tmp_path, name, data, reason):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(DocumentError) as info:
        read_document(path, raw_root=tmp_path)
    assert str(info.value).startswith(f"{name}:")
    assert reason in str(info.value)


def test_news_article_is_not_a_policy_text(tmp_path):
    news = ("本报讯（记者 王某）昨天上午，区残联在区文化中心举办了助残日主题活动，来自各街道的三百余名残疾人朋友参加。"
            "活动现场，志愿者们为大家提供了义诊、理发、法律咨询等服务，受到参加活动群众的一致好评。") * 4
    path = tmp_path / "news.txt"
    path.write_text(news, encoding="utf-8")
    with pytest.raises(DocumentError, match="reads as a news report about a policy"):
        read_document(path)


def test_unreadable_file(tmp_path, sample_plan):
    import os

    path = tmp_path / "locked.txt"
    path.write_text(sample_plan, encoding="utf-8")
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):  # root reads everything
            pytest.skip("running as root: permissions do not stop reading")
        with pytest.raises(DocumentError, match="permission denied"):
            read_document(path)
    finally:
        path.chmod(0o644)
