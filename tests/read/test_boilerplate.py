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


@pytest.mark.parametrize("text, expected", [
    # a table row of label / value pairs
    ("索引号：|612428-0025|发布文号：|镇政办发〔2011〕155号|\n公开日期：|2011-12-29|有效性：|有效|\n正文",
     {"index_number": "612428-0025", "doc_number": "镇政办发〔2011〕155号", "posted_date": "2011-12-29",
      "validity": "有效"}),
    # several pairs on one line, and a label with spaces inside
    ("文号：常政办发〔2023〕47号成文日期：2023-06-26\n索 引 号：02165835\n正文",
     {"doc_number": "常政办发〔2023〕47号", "signed_date": "2023-06-26", "index_number": "02165835"}),
    # bullets, the value on a later line, an empty label followed by the title (not taken)
    ("• 发文字号：\n\n 镇政发〔2024〕7号\n• 有效性：\n\n• 内容概述：\n\n镇巴县人民政府工作规则\n正文",
     {"doc_number": "镇政发〔2024〕7号"}),
    # the site's record dates are posting dates, never the signature date
    ("生成日期：2019-01-23发布机构：太湖县人民政府办公室\n正文",
     {"posted_date": "2019-01-23", "issuer": "太湖县人民政府办公室"}),
])
def test_metadata_blocks_of_every_shape(text, expected):
    rest, meta = extract_metadata_block(text)
    assert meta == expected
    assert "镇巴县人民政府工作规则" in rest or rest.strip().endswith("正文")


@pytest.mark.parametrize("line", ["城市无障碍环境建设方案_第1页", "第1页 / 共6页", "已阅读5页,还剩17页未读",
                                  "简介：写写帮文库小编为你整理了多篇相关的文件", "时间:2019-05-14 10:45:55下载本文作者:会员上传"])
def test_document_sharing_site_furniture_is_dropped(line):
    body = "\n".join(["正文第一段。"] * 10)
    text, removed = strip_boilerplate(line + "\n" + body)
    assert line not in text
