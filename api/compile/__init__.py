"""经验汇编: compile selected practices into a cited promotion document (Word, PDF, Markdown)."""

from api.compile.build import Compiled, compile_docx, compile_outline
from api.compile.checks import DEFAULT_TITLE, compile_request
from api.compile.docx_writer import write_docx
from api.compile.markdown_writer import write_markdown
from api.compile.outline import CompileRequest, Outline, build_outline
from api.compile.rendering import RenderUnavailable, docx_to_pdf

__all__ = [
    "DEFAULT_TITLE",
    "CompileRequest",
    "Compiled",
    "Outline",
    "RenderUnavailable",
    "build_outline",
    "compile_docx",
    "compile_outline",
    "compile_request",
    "docx_to_pdf",
    "write_docx",
    "write_markdown",
]
