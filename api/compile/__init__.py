"""经验汇编: compile selected practices into a cited promotion document (Word, PDF, Markdown).

Names load on first use (index/lazy_exports.py), as ``index``'s do: the CLI reads
``DEFAULT_TITLE`` at start, and must not load the compiler, the answer code and
llama-index to do so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from index.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from api.compile.build import Compiled, compile_docx, compile_outline
    from api.compile.checks import DEFAULT_TITLE, compile_request
    from api.compile.docx_writer import write_docx
    from api.compile.markdown_writer import write_markdown
    from api.compile.outline import CompileRequest, Outline, build_outline
    from api.compile.rendering import RenderUnavailable, docx_to_pdf

# name -> the module that defines it
_HOMES = {
    "Compiled": "api.compile.build",
    "compile_docx": "api.compile.build",
    "compile_outline": "api.compile.build",
    "DEFAULT_TITLE": "api.compile.checks",
    "compile_request": "api.compile.checks",
    "write_docx": "api.compile.docx_writer",
    "write_markdown": "api.compile.markdown_writer",
    "CompileRequest": "api.compile.outline",
    "Outline": "api.compile.outline",
    "build_outline": "api.compile.outline",
    "RenderUnavailable": "api.compile.rendering",
    "docx_to_pdf": "api.compile.rendering",
}

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


__getattr__, __dir__ = lazy_exports(__name__, _HOMES, globals())
