"""Hostile file names and links in the raw folder: links that lead round in a circle are refused
by name with their reason, a name in any bytes is read and shown readably, and the rest of the
folder is always built, by the library and by ``compare build``."""

import json
import os

import pytest
from click.testing import CliRunner

from compare.build import build_tables, load_tables
from compare.cli import main
from compare.errors import printable, printable_path
from compare.inputs import raw_key
from tests.conftest import SAMPLE_PLAN, tree_hashes
from tests.hostile import (
    bytes_named_file,
    gbk_named_folder,
    gbk_named_plan,
    self_link,
    symlink_loop,
)

GOOD = SAMPLE_PLAN.replace("测试区", "良好区").replace("测政发", "良政发")
GBK_PLAN = SAMPLE_PLAN.replace("测试区", "国标区").replace("测政发", "国政发")
#: The GBK-named plan's name as every table and message shows it: read as GBK.
GBK_SHOWN = "plans/残疾人规划.txt"


def _hostile_folder(tmp_path, *, links: bool = True):
    """A raw folder of a good plan, a plan named in GBK bytes, and (with ``links``) a loop and
    a self-link."""
    raw = tmp_path / "raw"
    plans = raw / "plans"
    plans.mkdir(parents=True)
    (plans / "good.txt").write_text(GOOD, encoding="utf-8")
    gbk_named_plan(plans, GBK_PLAN)
    if links:
        symlink_loop(plans)
        self_link(plans)
    return raw


@pytest.mark.parametrize("follow_links", [False, True])
def test_links_in_a_circle_are_skipped_and_the_rest_is_built(tmp_path, follow_links):
    raw = _hostile_folder(tmp_path)
    before = tree_hashes(raw)
    tables, report = build_tables(raw, follow_links=follow_links)
    assert tree_hashes(raw) == before
    status = {f.source_file: f for f in report.files}
    for name in ("loop_a.txt", "loop_b.txt"):
        entry = status[f"plans/{name}"]
        assert entry.status == "skipped", entry
        assert "leads round in a circle" in entry.messages[0], entry.messages
    assert status["plans/self.txt"].status == "skipped"
    assert "is a link to itself" in status["plans/self.txt"].messages[0]
    assert status["plans/good.txt"].status == status[GBK_SHOWN].status == "ok"
    titles = dict(zip(tables["documents"]["source_file"], tables["documents"]["title"]))
    assert set(titles) == {"plans/good.txt", GBK_SHOWN}
    assert "良好区" in titles["plans/good.txt"] and "国标区" in titles[GBK_SHOWN]


def test_the_raw_key_names_links_in_a_circle_by_where_they_point(tmp_path):
    raw = _hostile_folder(tmp_path)
    key = raw_key(raw)
    assert raw_key(raw) == key
    (raw / "plans" / "loop_b.txt").unlink()
    (raw / "plans" / "loop_b.txt").symlink_to("self.txt")  # a longer circle, the same names
    assert raw_key(raw) != key


def test_a_file_name_in_any_bytes_is_read_and_shown_readably(tmp_path):
    raw = _hostile_folder(tmp_path, links=False)
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


@pytest.mark.parametrize("options", [[], ["--follow-links"]])
def test_compare_build_goes_through_hostile_names(tmp_path, options):
    raw = _hostile_folder(tmp_path)
    out = tmp_path / "out"
    args = ["build", "--raw", str(raw), "--out", str(out), "--jobs", "1", *options]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "2 document(s) built" in result.output and "3 skipped" in result.output
    assert "plans/self.txt: is a link to itself" in result.output
    written = json.loads((out / "build_report.json").read_text(encoding="utf-8"))
    assert {f["source_file"]: f["status"] for f in written["files"]}[GBK_SHOWN] == "ok"
    assert GBK_SHOWN in set(load_tables(out)["documents"]["source_file"])
    assert "Nothing has changed" in CliRunner().invoke(main, args).output



def test_compare_build_goes_through_folders_named_in_gbk(tmp_path):
    raw = gbk_named_folder(tmp_path, "原始规划")
    plans = gbk_named_folder(raw, "规划")
    (plans / "good.txt").write_text(GOOD, encoding="utf-8")
    (plans / "manifest.yaml").write_text("plans:\n  - file: missing.txt\n", encoding="utf-8")
    args = ["build", "--raw", str(raw), "--out", str(tmp_path / "out"), "--jobs", "1"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "原始规划/规划/manifest.yaml: entry 'missing.txt' matches no file" in result.output
    written = json.loads((tmp_path / "out" / "build_report.json").read_text(encoding="utf-8"))
    assert written["files"][0]["source_file"] == "规划/good.txt"
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 0 and "Nothing has changed" in again.output, again.output
    assert "原始规划," in again.output


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
