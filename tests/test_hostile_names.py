"""Hostile file names in the raw folder: a name in any bytes is read and shown readably, and the
rest of the folder is always built."""

import json
import os

import pytest

from compare.build import build_tables
from compare.errors import printable, printable_path
from tests.conftest import SAMPLE_PLAN
from tests.hostile import bytes_named_file, gbk_named_plan

GOOD = SAMPLE_PLAN.replace("测试区", "良好区").replace("测政发", "良政发")
GBK_PLAN = SAMPLE_PLAN.replace("测试区", "国标区").replace("测政发", "国政发")
#: The GBK-named plan's name as every table and message shows it: read as GBK.
GBK_SHOWN = "plans/残疾人规划.txt"


def _hostile_folder(tmp_path):
    """A raw folder of a good plan and a plan named in GBK bytes."""
    raw = tmp_path / "raw"
    plans = raw / "plans"
    plans.mkdir(parents=True)
    (plans / "good.txt").write_text(GOOD, encoding="utf-8")
    gbk_named_plan(plans, GBK_PLAN)
    return raw


def test_a_file_name_in_any_bytes_is_read_and_shown_readably(tmp_path):
    raw = _hostile_folder(tmp_path)
    plans = raw / "plans"
    neither = GOOD.replace("良好区", "乱码区").replace("良政发", "乱政发")
    bytes_named_file(plans, b"plan\xff\xfe.txt", neither.encode("utf-8"))
    tables, report = build_tables(raw, cache_dir=tmp_path / "cache")
    shown = "plans/plan\\xff\\xfe.txt"  # neither UTF-8 nor GBK: its bytes written out
    status = {f.source_file: f for f in report.files}
    assert status[GBK_SHOWN].status == status[shown].status == "ok"
    assert {GBK_SHOWN, shown} <= set(tables["documents"]["source_file"])
    assert any(f["source_file"] == GBK_SHOWN for f in json.loads(report.to_json())["files"])
    again, _ = build_tables(raw, cache_dir=tmp_path / "cache")  # the same names from the cache
    assert sorted(again["documents"]["source_file"]) == sorted(tables["documents"]["source_file"])


@pytest.mark.parametrize(
    "name,shown",
    [
        ("残疾人规划.txt".encode("gbk"), "残疾人规划.txt"),
        ("残疾人规划.txt".encode(), "残疾人规划.txt"),
        ("國標".encode("gb18030") + b".docx", "國標.docx"),
        (b"plan\xff\xfe.txt", "plan\\xff\\xfe.txt"),
        ("国标".encode("gbk") + b"\x1b[2J.txt", "国标\\x1b[2J.txt"),
    ],
)
def test_a_name_is_shown_from_its_bytes_the_same_way_every_time(name, shown):
    path = "plans/" + os.fsdecode(name)
    assert printable_path(path) == printable_path(printable_path(path)) == "plans/" + shown
    # in a message, where a name's parts are not known, a stray byte is written out as itself
    bytes_out = "plans/" + name.decode("utf-8", "backslashreplace")
    assert printable(path) == printable(bytes_out)
