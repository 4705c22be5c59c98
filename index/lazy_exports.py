"""A package's public names loaded on first use (PEP 562 ``__getattr__``/``__dir__``).

Why: importing one light module of a package runs the package's ``__init__`` first.
``index`` and ``api.compile`` re-export names from modules that import llama-index
and Chroma, so every CLI command paid ~2.7 s and ~160 MB for them before it ran, and
the ``--workers`` supervisor kept them.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any


def lazy_exports(
    package: str, homes: dict[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """(``__getattr__``, ``__dir__``) for ``package``: ``homes`` maps each public name to
    the module that defines it; a name once loaded is kept in ``namespace``."""

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(home), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*homes, *(name for name in namespace if name.startswith("__"))})

    return __getattr__, __dir__
