"""Shared fixtures: the real corpus in data/raw/ and small generated plan files."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from compare.config import RAW_DATA_DIR

SAMPLE_PLAN = """北京市测试区人民政府关于加快推进残疾人小康进程的实施意见
（测政发〔2019〕5号）
各街道办事处，区政府各委、办、局：
为贯彻落实《国务院关于加快推进残疾人小康进程的意见》（国发〔2015〕7号），现提出如下实施意见：
一、总体要求
到2020年，残疾人权益保障制度更加健全，基本公共服务体系更加完善，残疾人事业与经济社会协调发展。
二、重点任务
（一）加大残疾人社会救助力度。对符合最低生活保障条件的残疾人家庭应保尽保，逐步提高残疾人医疗救助水平。
（二）优先保障残疾人基本住房。对有需求的残疾人家庭进行无障碍改造，建设一所200张床位以上的精神残疾人福利机构。
三、保障措施
加强组织领导，完善工作保障机制，进一步加大经费投入，建立稳步增长机制，确保残疾人事业发展与经济发展同步。
北京市测试区人民政府
2019年3月8日
"""


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    return RAW_DATA_DIR


@pytest.fixture(scope="session")
def built(raw_dir):
    """Tables built from the real corpus (once per test session)."""
    from compare.build import build_tables

    tables, report = build_tables(raw_dir)
    return tables, report


@pytest.fixture(scope="session")
def documents(built):
    return built[0]["documents"].set_index("doc_id", drop=False)


@pytest.fixture
def sample_plan() -> str:
    return SAMPLE_PLAN


def tree_hashes(folder: Path) -> dict[str, str]:
    """Hashes of every file under ``folder``, except hidden ones (the build lock), the store
    (a database file: its tables are compared, not its bytes) and the fitted references'
    manifest (it says when the fit was made; its id is in the model)."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
        and p.relative_to(folder).as_posix() not in ("references/manifest.json",
                                                      "compare.duckdb", "compare.duckdb.wal")
    }


def run_build(raw: Path, out: Path, *extra: str, timeout: int = 600):
    """Run ``compare build`` as a user does (a separate process); what it did and said."""
    import subprocess
    import sys

    command = [sys.executable, "-m", "compare.cli", "build", "--raw", str(raw), "--out", str(out)]
    return subprocess.run(
        [*command, "--no-progress", *extra], capture_output=True, text=True, timeout=timeout
    )


def compare_build(raw: Path, out: Path, *extra: str) -> str:
    """:func:`run_build`'s printed report. Fails the test, showing the end of what it said, if
    the build fails."""
    done = run_build(raw, out, *extra)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout
