"""经验汇编: compile selected practices into a cited promotion document (Word, Markdown)."""

from api.compile.checks import DEFAULT_TITLE, compile_request
from api.compile.docx_writer import write_docx
from api.compile.markdown_writer import write_markdown
from api.compile.outline import CompileRequest, Outline, build_outline

__all__ = [
    "DEFAULT_TITLE",
    "CompileRequest",
    "Outline",
    "build_outline",
    "compile_request",
    "write_docx",
    "write_markdown",
]
