"""Every text TanLu sends to an LLM: one Markdown file each, Chinese, versioned in its name.

A package (not a loose folder) so an installed TanLu carries its prompts; nothing else in
the code base holds prompt text. Imports nothing of ``ingest``, ``index`` or ``api``.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files

_HEADER = re.compile(r"\A<!--.*?-->\s*", re.DOTALL)


@cache
def load_prompt(name: str) -> str:
    """The template ``prompts/<name>.md`` without its leading comment header."""
    text = files(__name__).joinpath(f"{name}.md").read_text(encoding="utf-8")
    return _HEADER.sub("", text)
