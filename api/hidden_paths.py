"""No server path in anything a client reads.

Messages made for the operator (an ingest report in the terminal, an OSError) name
files by their absolute path; the same text reaching an HTTP client would tell it how
the server's disk is laid out. Before a job's report or an error leaves the API, each
known folder (data, uploads, corpus) is replaced by its own name, and any other
absolute path that slipped through by its last component.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from api.settings import Settings

# An absolute POSIX path: a slash not inside a word or URL, then components up to a
# space or Chinese punctuation.
_ABSOLUTE = re.compile(r"(?<![\w:/.])/(?:[^\s/：，。；、（）()“”\"'<>]+/)+[^\s/：，。；、（）()“”\"'<>]*")


def hide_paths(text: str, roots: Iterable[Path]) -> str:
    """``text`` with every known root shown by its name and other absolute paths cut to
    their last component."""
    if "/" not in text:
        return text
    forms: list[tuple[str, str]] = []
    for root in roots:
        for form in {str(root.absolute()), str(root.resolve())}:
            forms.append((form.rstrip("/"), root.name))
    for form, name in sorted(forms, key=lambda pair: len(pair[0]), reverse=True):
        if len(form) > 1:
            text = text.replace(form + "/", name + "/").replace(form, name)
    return _ABSOLUTE.sub(lambda match: match.group(0).rstrip("/").rsplit("/", 1)[-1], text)


def server_roots(settings: Settings | None) -> list[Path]:
    """The folders a message may name: uploads first (it usually lies inside data)."""
    if settings is None:
        return []
    return [settings.uploads_path(), settings.corpus_dir, settings.data_dir]
