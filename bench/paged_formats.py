"""Parse speed of the paged formats: pages per second for PDF and OFD.

Why: a PDF is read character by character with positions (pdfplumber), tables are
searched for on every page, and OFD pages are rebuilt from positioned text runs; this
shows what that costs next to the bare text extraction of the libraries underneath.

How to run (from the repo root, in the venv with the [test] extra, which brings
reportlab and pypdf)::

    python -m bench.paged_formats            # a 20-page report
    python -m bench.paged_formats --pages 60 --repeat 3

The report is the fictional one the tests typeset (tests/paged_report.py), repeated
until it fills the pages. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable

from ingest.formats import ofd, pdf
from tests.ofd_writer import flow, write_ofd
from tests.paged_report import HEADER, PARAGRAPHS, TITLE
from tests.pdf_writer import write_pdf

LINES_PER_PAGE = 30


def _layout(pages: int):
    paragraphs = list(PARAGRAPHS)
    while True:
        layout = flow(paragraphs, lines_per_page=LINES_PER_PAGE, title=TITLE)
        if len(layout.pages) >= pages:
            layout.pages = layout.pages[:pages]
            return layout
        paragraphs += PARAGRAPHS


def _timed(function: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    layout = _layout(args.pages)
    raw_pdf = write_pdf(layout.pages, title=TITLE, header=HEADER)
    raw_ofd = write_ofd(layout.pages, header=HEADER)
    pages = len(layout.pages)

    def pypdf_text() -> None:
        from pypdf import PdfReader

        for page in PdfReader(io.BytesIO(raw_pdf)).pages:
            page.extract_text()

    def pdfplumber_text() -> None:
        import pdfplumber

        with pdfplumber.open(io.BytesIO(raw_pdf)) as document:
            for page in document.pages:
                page.extract_text()

    def ofdkit_text() -> None:
        import ofdkit

        ofdkit.extract_text(raw_ofd)

    rows = [
        ("PDF  ingest.formats.pdf.parse", lambda: pdf.parse(raw_pdf)),
        ("PDF  pdfplumber extract_text only", pdfplumber_text),
        ("PDF  pypdf extract_text only", pypdf_text),
        ("OFD  ingest.formats.ofd.parse", lambda: ofd.parse(raw_ofd)),
        ("OFD  ofdkit extract_text only", ofdkit_text),
    ]
    print(f"{pages} pages, median of {args.repeat} runs")
    for name, function in rows:
        seconds = _timed(function, args.repeat)
        print(f"{name:36s} {seconds * 1000:8.1f} ms  {pages / seconds:7.1f} pages/s")


if __name__ == "__main__":
    main()
