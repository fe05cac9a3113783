"""Agency names: splitting cells, expanding abbreviations, canonical functions."""
import pytest

from compare.extract.agencies import agency_function, aliases, match_agency_at_end, split_agencies


@pytest.mark.parametrize("cell,names", [
    ("市民政局、残联、财政局", ["市民政局", "市残联", "市财政局"]),
    ("市残联、财政局", ["市残联", "市财政局"]),
    ("区财政局，区残联，各镇街", ["区财政局", "区残联", "各镇街"]),
    ("区财政局,区残联", ["区财政局", "区残联"]),
    ("区财政局、区卫计委、区残联、", ["区财政局", "区卫计委", "区残联"]),
    ("区法制办、区司法局、团区委等", ["区法制办", "区司法局", "团区委"]),
    ("市教体局、民政局\n财政局、人社局", ["市教体局", "市民政局", "市财政局", "市人社局"]),
    ("市委宣传部、民政局、残联、团市委", ["市委宣传部", "市民政局", "市残联", "团市委"]),
    # a list that spells out 区 keeps its exceptions as written
    ("区委组织部、区人力社保局、广电新闻中心、区财政局", ["区委组织部", "区人力社保局", "广电新闻中心", "区财政局"]),
    ("区残联", ["区残联"]),
    ("", []),
])
def test_split_agencies(cell, names):
    assert split_agencies(cell) == names


@pytest.mark.parametrize("name,function", [
    ("区人力社保局", "人社"), ("区人社局", "人社"), ("市人社局", "人社"),
    ("区卫生计生委", "卫健"), ("区卫计委", "卫健"), ("区卫生健康委", "卫健"), ("市卫计局", "卫健"),
    ("区住建委", "住建"), ("区住房城乡建设委", "住建"), ("区住房城乡建委", "住建"), ("市住建局", "住建"),
    ("区发展改革委", "发改"), ("区发改委", "发改"), ("区教委", "教育"), ("市教体局", "教育"),
    ("区规划分局", "规划"), ("区工商局", "市场监管"), ("区市场监管局", "市场监管"),
    ("区地税局", "税务"), ("区国税局", "税务"), ("区税务局", "税务"), ("区乡村振兴局", "乡村振兴"), ("市扶贫办", "乡村振兴"),
    ("区政府残工委各成员单位", "残工委"), ("区残工委成员单位", "残工委"),
    ("各街乡", "街乡镇"), ("各镇街", "街乡镇"), ("各街乡镇", "街乡镇"),
    ("区委组织部", "组织"), ("团区委", "共青团"), ("区级各部门", "各部门"), ("区残联等", "残联"),
    ("区档案馆", None),
])
def test_agency_function(name, function):
    assert agency_function(name) == function


@pytest.mark.parametrize("name,places,function", [
    ("工商东城分局", ("东城",), "市场监管"), ("东城规划分局", ("东城",), "规划"), ("人行东城中心支行", ("东城",), "金融"),
    ("工商东城分局", (), None),
])
def test_place_names_inside_agency_names(name, places, function):
    assert agency_function(name, places) == function


@pytest.mark.parametrize("text,name", [
    ("等制度区民政局", "区民政局"), ("过渡性救助区民政局", "区民政局"), ("就业区政府残工委各成员单位", "区政府残工委各成员单位"),
    ("加强残疾人就业", None), ("财政局", None),  # an unprefixed stem in running text is not a name
])
def test_match_agency_at_end(text, name):
    assert match_agency_at_end(text) == name


def test_alias_file_has_no_spelling_under_two_functions():
    table = aliases()
    assert len(table) > 100 and table["残联"] == "残联"
