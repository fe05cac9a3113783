"""OCR of scanned plans: speed, memory and accuracy on a generated scan.

    .venv/bin/python benchmarks/ocr.py [--dpi 200] [--body-pages 4] [--rows 29] [--repeat 1]

A plan is printed to A4 PDF (tests/helpers.py): a body of dense text (the sample plan's opening
and closing around numbered measures, filling about ``--body-pages`` pages) and a ruled annex of
``--rows`` tasks over pages. The printout is scanned at ``--dpi`` with a small skew, speckle and
blur into an image-only PDF and read as a user would read it (``read_document``), ``--repeat``
times. Printed: pages per second (wall clock, and per second of CPU time of this process and
its threads, which a busy machine disturbs less), the machine's load, peak memory, the body
text's character accuracy against the source, the annex rows read with their exact lead
agencies, and the rows read exactly in every cell.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: Phrases measures of a local plan are made of; drawn in a fixed order so each run prints the
#: same plan.
_DOING = [
    "健全残疾人基本民生保障制度", "完善残疾人就业创业扶持政策", "推进残疾儿童康复救助",
    "加强无障碍环境建设和改造", "提高残疾人家庭医生签约服务质量", "落实困难残疾人生活补贴",
    "扩大残疾人职业技能培训规模", "支持社会力量兴办残疾人服务机构", "加强残疾人专门协会建设",
    "推动残疾人文化体育事业发展", "完善残疾人教育资助体系", "做好残疾人法律救助工作",
]
_HOW = [
    "各街道办事处要明确责任分工，建立工作台账，定期调度进展情况",
    "区民政局、区残联要会同有关部门制定具体实施办法，确保政策落地见效",
    "对符合条件的残疾人家庭做到应保尽保，按规定及时足额发放各类补贴",
    "将相关经费纳入区级财政预算，建立与经济社会发展水平相适应的增长机制",
    "充分发挥基层组织作用，组织专业人员入户走访，准确掌握残疾人基本需求",
    "加强部门之间信息共享，实现数据互联互通，提高服务的精准性和便利性",
    "每年开展一次专项督查，督查结果向社会公开并纳入年度绩效考核",
]


def dense_plan(base: str, body_pages: int, seed: int = 0) -> str:
    """``base`` (a plan) with numbered measures added before its closing section, about
    ``body_pages`` A4 pages of body text in all at the printed plan's type size."""
    rng = random.Random(seed)
    numerals = "三四五六七八九十"
    lines = base.splitlines()
    closing = next(i for i, line in enumerate(lines) if line.startswith("三、"))
    measures = []
    target = 1700 * body_pages - len(base)  # characters an A4 page of 11 pt type holds
    k = 0
    while sum(len(m) for m in measures) < target:
        head = f"（{numerals[k % len(numerals)]}）" if k < len(numerals) else f"（{k + 3}）"
        sentences = [f"{rng.choice(_DOING)}。"] + [
            f"{rng.choice(_HOW)}，{rng.choice(_HOW)}。" for _ in range(3)
        ]
        measures.append(head + "".join(sentences))
        k += 1
    return "\n".join(lines[:closing] + measures + lines[closing:]) + "\n"


def main() -> None:
    from compare.extract.tasks import extract_tasks
    from compare.read import read_document
    from compare.read.ocr import engine
    from tests.conftest import SAMPLE_PLAN
    from tests.helpers import ruled_task_rows, write_ruled_pdf, write_scanned_pdf
    from tests.read.test_ocr import character_accuracy

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dpi", type=int, default=200, help="resolution of the scan")
    ap.add_argument("--body-pages", type=int, default=4, help="pages of dense body text")
    ap.add_argument("--rows", type=int, default=29, help="rows of the annex table")
    ap.add_argument("--repeat", type=int, default=1, help="times the scan is read")
    args = ap.parse_args()
    plan = dense_plan(SAMPLE_PLAN, args.body_pages)
    with tempfile.TemporaryDirectory() as tmp:
        rows = ruled_task_rows(args.rows)
        printed = write_ruled_pdf(Path(tmp) / "printed.pdf", plan, rows, split_row=12)
        scan = write_scanned_pdf(Path(tmp) / "scan.pdf", printed, dpi=args.dpi)
        start = time.perf_counter()
        engine()
        print(f"engine loaded in {time.perf_counter() - start:.1f} s")
        for _ in range(args.repeat):
            load = os.getloadavg()[0]
            start, cpu = time.perf_counter(), time.process_time()
            doc = read_document(scan)
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            note = next(n for n in doc.warnings if "page(s) read by OCR" in n)
            pages = int(note.split()[0])
            print(
                f"{pages} scanned pages ({args.dpi} dpi) read in {seconds:.1f} s: "
                f"{pages / seconds:.2f} pages per second; {cpu:.1f} s of CPU time, "
                f"{pages / cpu:.2f} pages per CPU second; load average before {load:.1f} on "
                f"{os.cpu_count()} cores"
            )
    tasks, _, _ = extract_tasks(doc.text, "scan")
    leads = dict(zip(tasks["task_no"], tasks["lead_agencies"]))
    right = sum(leads.get(int(n)) == [lead] for n, _, lead, _, _ in rows)
    read = {
        int(t.task_no): (t.task, t.lead_agencies, t.supporting_agencies, t.timeline)
        for t in tasks.itertuples()
    }
    exact = sum(
        read.get(int(n)) == (task, [lead], support.split("、"), timeline)
        for n, task, lead, support, timeline in rows
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    body = doc.text.split("附件")[0]
    print(f"peak RSS {peak:.2f} GiB")
    print(
        f"body text ({len(plan):,} characters) character accuracy "
        f"{character_accuracy(plan, body):.4f}; mean OCR confidence {doc.ocr_confidence}"
    )
    print(f"annex rows with the exact lead agencies: {right}/{len(rows)}")
    print(f"annex rows read exactly (task, lead and supporting agencies, timeline): "
          f"{exact}/{len(rows)}")


if __name__ == "__main__":
    main()
