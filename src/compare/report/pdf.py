"""PDF copies of the report pages, printed by headless Chromium from the same HTML.

The page's own print stylesheet (:data:`compare.report.export.CSS`) does the layout: A4
portrait, navigation hidden, each page headed by the report's title and numbered, charts and
table rows kept whole, folded tables printed open. Chromium's own header and footer are
switched off (they would print the file's path).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from compare.errors import CompareError

#: Seconds one page may take to print.
TIMEOUT = 180


def chromium() -> str | None:
    """The headless Chromium on this machine, or None."""
    return (
        shutil.which("chromium")
        or shutil.which("chromium-browser")
        or shutil.which("google-chrome")
    )


def write_pdf(html_path: str | Path, pdf_path: str | Path, *, browser: str | None = None) -> Path:
    """Print one report page to PDF (A4). Raises :class:`CompareError` naming the page when
    no Chromium is installed or printing fails."""
    html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path)
    browser = browser or chromium()
    if browser is None:
        raise CompareError(
            "no Chromium to print PDFs with (apt-get install chromium, or run "
            "`make all`, which installs it)"
        )
    with tempfile.TemporaryDirectory(prefix="compare-pdf-") as profile:
        # a profile of its own: two pages printing at once must not share one
        result = subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--proxy-server=http://127.0.0.1:9",
                f"--user-data-dir={profile}",
                "--no-pdf-header-footer",
                f"--print-to-pdf={pdf_path.resolve()}",
                html_path.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
    if result.returncode != 0 or not pdf_path.exists() or pdf_path.stat().st_size == 0:
        raise CompareError(f"{html_path.name}: Chromium could not print the page to PDF")
    return pdf_path
