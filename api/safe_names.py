"""Server-made file names for uploads: nothing a client sends can choose where a file lands.

A client's file name is only a hint for a readable stored name. It is NFKC-normalised
(so a full-width ／ or ． becomes the ASCII character it imitates and is then treated
as one), cut to its last path component, stripped of control, bidi-override and other
invisible characters, and reduced to letters (CJK included), digits, ``-``, ``_`` and
``.``. The result never starts with ``.`` or ``_`` (a folder scan skips such files),
is never empty or a reserved device name, and is short enough for any file system with
room for a ``.meta.yaml`` sidecar next to it. The extension is the one the *content*
decided, never the client's.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

# Bytes of UTF-8 a stem may take: ext4 allows 255 per name, and the sidecar adds
# ``.<ext>.meta.yaml`` while the upload's temp name adds a prefix.
MAX_STEM_BYTES = 120
FALLBACK_STEM = "upload"
# Names Windows reserves whatever the extension (a file copied there would break).
_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CLOCK$", "CONIN$", "CONOUT$"}
    | {f"{prefix}{digit}" for prefix in ("COM", "LPT") for digit in "0123456789¹²³"}
)
# Names a folder scan ignores (ingest.loader.IGNORED_NAMES), compared without extension.
_IGNORED_STEMS = frozenset({"readme"})
_KEPT_PUNCTUATION = "-_."
_RUNS = re.compile(r"_{2,}")
_DOTS = re.compile(r"\.{2,}")
# A client extension worth dropping: short, alphanumeric with a letter (``.pdf``, ``.md``,
# not the ``.2025`` of ``report.2025``).
_CLIENT_SUFFIX = re.compile(r"\.(?=[0-9]*[A-Za-z])[A-Za-z0-9]{1,8}$")


def safe_file_name(client_name: str, extension: str) -> str:
    """A safe stored name for an upload called ``client_name`` whose content is ``extension``.

    >>> safe_file_name("../../etc/园区 方案.pdf", ".md")
    '园区_方案.md'
    """
    stem = safe_stem(client_name)
    return f"{stem}{extension}"


def safe_stem(client_name: str) -> str:
    """The stem part of :func:`safe_file_name`."""
    name = unicodedata.normalize("NFKC", client_name or "")
    # The last path component, whichever separator the client's system uses.
    name = re.split(r"[/\\]", name)[-1]
    kept = []
    for char in name:
        category = unicodedata.category(char)
        if category[0] in "CZ" and category != "Zs":
            continue  # control, format (bidi overrides, zero-width), surrogates, line separators
        if category[0] in "LMN" or char in _KEPT_PUNCTUATION:
            kept.append(char)
        else:
            kept.append("_")  # spaces, punctuation, symbols
    stem = "".join(kept)
    stem = _CLIENT_SUFFIX.sub("", stem)
    stem = _DOTS.sub(".", _RUNS.sub("_", stem))
    stem = stem.strip("._- ")
    stem = _cap(stem, MAX_STEM_BYTES).rstrip("._- ")
    if not stem:
        # Nothing readable survived: a stable name from the original, so two such
        # uploads do not overwrite each other and a re-upload updates its own file.
        digest = hashlib.sha1((client_name or "").encode("utf-8", "surrogatepass")).hexdigest()[:8]
        return f"{FALLBACK_STEM}-{digest}"
    if stem.upper().split(".")[0] in _RESERVED or stem.lower() in _IGNORED_STEMS:
        stem += "_"
    return stem


def _cap(text: str, max_bytes: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    return encoded[:max_bytes].decode("utf-8", "ignore")
