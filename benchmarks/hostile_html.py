"""Seconds to read a web page nested deep around a long text, against the same page unnested.

    PYTHONPATH=src .venv/bin/python benchmarks/hostile_html.py [--mb 6.4] [--depth 500]

Reading a page should cost about the same however deep its elements nest (within the
``html_depth`` limit): one line per page with the seconds :func:`read_html` takes to pick the
article and lay out its text, and the seconds the whole reading (:func:`read_document`) takes.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))  # this checkout's reader, not an installed one

from tests.hostile import deep_html_text


def main() -> None:
    from compare.read import read_document
    from compare.read.formats import read_html

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=6.4, help="megabytes of text in each page")
    parser.add_argument("--depth", type=int, default=500, help="levels the nested page nests")
    args = parser.parse_args()
    pages = [("flat", 0, "div"), ("nested div", args.depth, "div"),
             ("nested td", args.depth, "td"), ("nested span", args.depth, "span")]
    with tempfile.TemporaryDirectory() as tmp:
        for label, depth, tag in pages:
            path = deep_html_text(Path(tmp) / f"{label.replace(' ', '_')}.html", depth, args.mb,
                                  tag)
            data = path.read_bytes()
            start = time.perf_counter()
            text, _ = read_html(data, path.name)
            html_seconds = time.perf_counter() - start
            start = time.perf_counter()
            doc = read_document(path)
            doc_seconds = time.perf_counter() - start
            print(f"{label:12} depth {depth:4}  {len(data) / 2**20:5.1f} MB page  "
                  f"{len(text):>9,} chars  read_html {html_seconds:6.1f} s  "
                  f"read_document {doc_seconds:6.1f} s  ({len(doc.text):,} chars kept)")


if __name__ == "__main__":
    main()
