"""Refused only when clearly not a policy text; partial texts are documents with a reason."""

import pytest

from compare.errors import DocumentError
from compare.read.acceptance import check_policy_text, partial_reason

OPENING = (
    "为进一步高质量推进我市无障碍环境建设和管理，根据《无障碍环境建设条例》精神，结合杭州实际，制定本行动计划。\n"
    "一、工作目标\n全面推进无障碍环境建设，有效补齐既有短板，强化落实长效管理，确保到2022年形成工作格局。\n"
    "二、基本原则\n（一）严控增量，化解存量。严格抓好各类新建无障碍设施建设的各个环节，确保新增的无障碍设施符合相关"
    "规范标准。开展地毯式排查，落实整改销号工作，逐步解决无障碍设施存量问题。（二）突出重点，兼顾全面。以城市道路、公共交通、"
    "体育场馆、公共服务场所及信息交流等领域为重点，补齐无障碍设施短板。（三）市区联动，条块结合。以场馆所在区"
)
NEWS = (
    "1月6日，记者从市残联获悉，为更好保障广大残疾儿童权益，促进社会文明进步，市政府出台残疾儿童康复救助制度，"
    "根据国务院、省政府《关于建立残疾儿童康复救助制度的实施意见》精神，日前，市政府制定下发《实施办法》。"
) * 3


def test_an_opening_cut_at_both_ends_is_built_and_marked_partial():
    meta = {
        "title": None,
        "notice_title": None,
        "doc_number": None,
        "cites": [],
        "issued_date": None,
    }
    check_policy_text(OPENING, meta, "plans/opening.txt")  # does not raise
    reason = partial_reason(OPENING, meta)
    assert (
        "starts without a title" in reason
        and "stops mid-sentence (…，条块结合。以场馆所在区)" in reason
    )


def test_a_news_report_about_a_policy_is_refused_by_name():
    meta = {"title": None, "doc_number": None, "cites": [], "issued_date": None}
    with pytest.raises(DocumentError, match=r"plans/news.txt: reads as a news report .*记者"):
        check_policy_text(NEWS, meta, "plans/news.txt")


@pytest.mark.parametrize(
    "lines, reason",
    [
        (
            [
                "关于印发工作要点的通知",
                "各区政府：",
                "现将要点印发给你们。",
                "附件：政府工作报告任务分解表",
                "某区人民政府办公室",
                "2021年1月25日",
                "（此件公开发布）",
            ],
            "its annex (政府工作报告任务分解表) is not in the text",
        ),
        (
            [
                "关于印发工作要点的通知",
                "各区政府：",
                "现将要点印发给你们。",
                "某区人民政府办公室",
                "2021年1月25日",
            ],
            None,
        ),
    ],
)
def test_a_missing_annex_makes_a_text_partial(lines, reason):
    assert partial_reason("\n".join(lines), {"title": lines[0]}) == reason


def test_a_short_text_needs_three_signs():
    meta = {"title": None, "doc_number": None, "cites": [], "issued_date": None}
    short = (
        "一、工作目标\n全面推进无障碍环境建设，确保到2022年形成工作格局。\n二、基本原则\n严控增量，化解存量。"
        * 2
    )
    with pytest.raises(DocumentError, match="too few signs of a policy text"):
        check_policy_text(short, meta, "plans/short.txt")
    check_policy_text(
        "各区人民政府：\n" + short, meta, "plans/short.txt"
    )  # an addressee: a third sign
