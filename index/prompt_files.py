"""Prompts live in ``prompts/`` (one file each, Chinese, versioned in their name);
nothing else in the code base holds text sent to an LLM."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

PROMPTS_DIR = Path(__file__).resolve().parents[1] / "prompts"
_HEADER = re.compile(r"\A<!--.*?-->\s*", re.DOTALL)


@cache
def load_prompt(name: str) -> str:
    """The template ``prompts/<name>.md`` without its leading comment header."""
    text = (PROMPTS_DIR / f"{name}.md").read_text(encoding="utf-8")
    return _HEADER.sub("", text)
