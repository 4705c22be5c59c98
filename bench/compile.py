"""Time to compile the whole demo corpus into one 汇编 (.docx and .pdf), and its pages.

Why: the Word file is laid out once through LibreOffice to number the 目录, and the PDF
once more; this shows what that costs and how long the document is. Also prints, for
the 企业 汇编 the issue measured, its practices, pages and the duplicate 成效 figures.

How to run (LibreOffice and poppler-utils installed; no index needed: documents are parsed
and practices merged as ingest does)::

    python -m bench.compile
    python -m bench.compile --type 企业

A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

from api.compile.build import compile_docx
from api.compile.lessons import lessons_of
from api.compile.outline import CompileRequest, build_outline
from api.compile.rendering import clear_cache, page_texts
from index.practice_effects import duplicate_figures
from ingest.loader import iter_files, parse_file
from ingest.practice_merge import merge_practices
from ingest.practices import extract_practices

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--type", action="append", default=[], help="pilot type (repeatable); default all")
    parser.add_argument("--out", type=Path, default=None, help="also write the .docx and .pdf here")
    args = parser.parse_args()
    practices, documents = [], []
    for path in iter_files([args.corpus]):
        document, _ = parse_file(path)
        if document is not None:
            practices += extract_practices(document)
            sections = [(list(s.heading_path), "\n".join(s.blocks)) for s in document.sections]
            documents.append((document.meta.pilot_id, document.meta.doc_type, sections))
    merged = merge_practices(practices)
    issuer = "宁夏回族自治区发展和改革委员会"
    request = CompileRequest(pilot_types=tuple(args.type), issuer=issuer, date=dt.date.today())
    outline = build_outline(merged, request, lessons_of(documents))
    duplicates = sum(duplicate_figures(item.effects) for item in outline.items)
    print(
        f"practices {len(outline.practices)} (routine left out {outline.left_out_routine}), "
        f"references {len(outline.references)}, fields {len(outline.groups)}, duplicate 成效 figures {duplicates}"
    )
    start = time.perf_counter()
    docx_only = compile_docx(outline)
    docx_seconds = time.perf_counter() - start
    clear_cache()
    start = time.perf_counter()
    with_pdf = compile_docx(outline, with_pdf=True)
    pdf_seconds = time.perf_counter() - start
    if with_pdf.pdf is None:
        print(f".docx {docx_seconds:.1f} s; no PDF: {with_pdf.render_error}")
        return
    pages = len(page_texts(with_pdf.pdf))
    print(f".docx (目录 numbered) {docx_seconds:.1f} s; .docx + .pdf {pdf_seconds:.1f} s (cold); pages {pages}")
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "huibian.docx").write_bytes(docx_only.docx)
        (args.out / "huibian.pdf").write_bytes(with_pdf.pdf)


if __name__ == "__main__":
    main()
