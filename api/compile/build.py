"""One 汇编 from a request: select and assess practices, then write Word, PDF or Markdown.

Shared by POST /compile, the CLI and MCP so they cannot drift. The Word file gets its
目录 page numbers by rendering once through LibreOffice (api/compile/rendering.py) and
writing the pages found; when LibreOffice is missing or fails, the Word file is still
produced, with a TOC field Word fills in on opening, and ``Compiled.note`` says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from api import messages
from api.compile.docx_writer import REFERENCES_HEADING, toc_entries, write_docx
from api.compile.lessons import pilot_lessons
from api.compile.outline import MAX_COMPILE_PRACTICES, CompileRequest, Outline, build_outline
from api.compile.rendering import RenderUnavailable, docx_to_pdf, heading_pages, page_texts
from index import KnowledgeBase
from ingest.errors import InputError


def compile_outline(kb: KnowledgeBase, request: CompileRequest) -> Outline:
    practices = kb.all_practices()
    lessons = pilot_lessons(kb, {practice.pilot_id for practice in practices})
    outline = build_outline(practices, request, lessons)
    if not outline.practices:
        raise InputError(messages.NOTHING_TO_COMPILE, parameter="pilot_types")
    if len(outline.practices) > MAX_COMPILE_PRACTICES:
        message = messages.COMPILE_TOO_MANY.format(count=len(outline.practices), limit=MAX_COMPILE_PRACTICES)
        raise InputError(message, parameter="practice_ids")
    return outline


@dataclass
class Compiled:
    docx: bytes
    pdf: bytes | None  # the rendering the 目录 numbers come from, when LibreOffice ran
    render_error: str = ""  # why LibreOffice could not render (no PDF, 目录 without page numbers)

    @property
    def note(self) -> str:
        return messages.TOC_WITHOUT_PAGES.format(reason=self.render_error) if self.render_error else ""


def compile_docx(outline: Outline, *, with_pdf: bool = False) -> Compiled:
    """Word with a numbered 目录: render a draft to find the pages, then write them.

    The numbers take the place of zeros of the draft in right-aligned tab stops, so the
    final layout is the draft's; ``with_pdf`` renders the final file too.
    """
    entries = [text for _, text in toc_entries(outline)]
    draft = write_docx(outline, page_numbers=[0] * len(entries))
    try:
        pages = heading_pages(page_texts(docx_to_pdf(draft)), entries, REFERENCES_HEADING)
        final = write_docx(outline, page_numbers=pages)
        return Compiled(final, docx_to_pdf(final) if with_pdf else None)
    except RenderUnavailable as error:
        return Compiled(write_docx(outline), None, render_error=str(error))
