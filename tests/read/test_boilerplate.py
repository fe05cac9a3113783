import pytest

from compare.read.boilerplate import extract_metadata_block, strip_boilerplate


@pytest.mark.parametrize("line", [
    "首页>>政务公开>>政策文件>>部门文件",
    "首页>政务公开>政府信息公开目录>政策文件>其他文件",
    "当前位置：首页 > 政策文件",
    "日期：2017-09-22 10:35来源：朝阳区政府打印页面关闭页面",
    "时间：2023-06-01 12:00:30阅读：",
    "【打印】【关闭】",
    "扫一扫在手机打开当前页",
    "关于…的实施意见各镇政府：残疾人是…下面是小编为大家整理的…，供大家参考。",
    "PAGE",
    "— 20 —",
])
def test_furniture_lines_are_dropped(line):
    body = "\n".join(["正文第一段。"] * 10)
    text, removed = strip_boilerplate(line + "\n" + body)
    assert line not in text
    assert line in removed


def test_footer_dropped_from_marker_to_end():
    body = "\n".join(f"第{i}段正文。" for i in range(20))
    text, removed = strip_boilerplate(body + "\n相关热词搜索：残疾人\n版权所有：某网\nPowered by X")
    assert text.rstrip().endswith("第19段正文。")
    assert "版权所有：某网" in removed


def test_footer_marker_near_the_top_is_not_a_footer():
    body = "\n".join(f"第{i}段正文。" for i in range(20))
    text, _ = strip_boilerplate("本文版权所有说明\n" + body)
    assert "第19段正文。" in text


def test_essay_site_title_decorations_are_stripped():
    text, _ = strip_boilerplate("【民政意见】北京市某区人民政府关于某事的实施意见(范文推荐)\n正文。")
    assert text.splitlines()[0] == "北京市某区人民政府关于某事的实施意见"


def test_policy_sentences_survive():
    policy = "落实残疾人免费乘车政策。定期开展无障碍监督检查。发布日期前完成任务。"
    assert strip_boilerplate(policy)[0] == policy


def test_metadata_block_label_value_on_same_line():
    text = "  4. [成文日期] 2017-09-11 07:09:07\n  5. [发文字号] 〔〕\n  8. [有效性] 有效\n正文"
    rest, meta = extract_metadata_block(text)
    assert meta == {"signed_date": "2017-09-11 07:09:07", "validity": "有效"}
    assert rest.strip() == "正文"


def test_metadata_block_value_on_next_line():
    text = "  • [ 发文字号 ]\n  • 巴南府发〔2022〕35号\n  • [ 成文日期 ]\n  • 2022-06-30\n  • [ 发布日期 ]\n  • 2022-07-01\n正文"
    rest, meta = extract_metadata_block(text)
    assert meta == {"doc_number": "巴南府发〔2022〕35号", "signed_date": "2022-06-30", "posted_date": "2022-07-01"}
    assert rest.strip() == "正文"
