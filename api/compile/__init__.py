"""经验汇编: compile selected practices into a cited promotion document (Word, Markdown)."""

from api.compile.docx_writer import write_docx
from api.compile.markdown_writer import write_markdown
from api.compile.outline import CompileRequest, Outline, build_outline

__all__ = ["CompileRequest", "Outline", "build_outline", "write_docx", "write_markdown"]
