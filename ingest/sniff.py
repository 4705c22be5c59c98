"""What format a file's bytes are, whatever its name says.

Uploads arrive with names chosen by whoever sends them; a Markdown file may be called
``x.pdf`` and an executable ``report.docx``. TanLu decides the format from the content
and names the stored file after it, so a parser only ever sees the format it expects
and binary junk is refused before it is stored. The loader can use the same test.

Dependency-free on purpose (stdlib ``zipfile`` only): it runs on every upload, before
anything is parsed, and must not pull a parser library in. Every format it names is
one of the table in ``ingest/formats/__init__.py`` (tested).
"""

from __future__ import annotations

import io
import re
import struct
import unicodedata
import zipfile
from pathlib import Path

# Bytes read from the start of a file to decide. Enough for a text encoding guess and
# for the first local headers of a zip; a zip's central directory (at the end) is read
# by ``detect_path`` when the head alone does not settle it.
HEAD_BYTES = 8192

_ZIP_MAGIC = b"PK\x03\x04"
_BOMS = (b"\xef\xbb\xbf",)
# Notepad's "Unicode" is UTF-16 with a BOM; without one, UTF-16 is not told from binary.
_WIDE_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n")
_HTML_START = re.compile(
    r"\A(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])", re.IGNORECASE | re.DOTALL
)
_HTML_EARLY = re.compile(r"<(?:body|head)[\s>]", re.IGNORECASE)
_HTML_EARLY_CHARS = 1024
# Share of control characters (other than tab, newlines, form feed) above which
# decoded "text" is really binary that happened to decode.
_MAX_CONTROL_SHARE = 0.01
_TEXT_ENCODINGS = ("utf-8", "gb18030", "big5")


def detect_format(head: bytes) -> str | None:
    """The format of a file from its leading bytes (or all of it).

    Returns ``.pdf``, ``.docx``, ``.ofd``, ``.html``, ``.md`` (text that opens with a
    ``---`` front matter line), ``.txt`` (any other text in UTF-8, GB18030 or Big5), or
    None for binary or unknown content (images, spreadsheets, executables, empty files).
    A zip is told apart by the names of its members, so pass the whole file, or use
    ``detect_path``, when the head may not reach them.
    """
    if not head:
        return None
    if b"%PDF-" in head[:1024]:
        return ".pdf"
    if head.startswith(_ZIP_MAGIC):
        return _zip_format(_zip_names_from_bytes(head))
    return _text_format(head)


def detect_path(path: Path) -> str | None:
    """``detect_format`` for a file on disk, reading a zip's central directory when needed."""
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    if head.startswith(_ZIP_MAGIC):
        try:
            with zipfile.ZipFile(path) as archive:
                return _zip_format(set(archive.namelist()))
        except (zipfile.BadZipFile, OSError, ValueError):
            return _damaged_zip_format(path)
    return detect_format(head)


# A damaged zip is still read this far to name it: the parser then says it is damaged
# (「Word 文件已损坏」), which helps more than 「无法识别」.
_DAMAGED_ZIP_SCAN_BYTES = 64 * 1024 * 1024


def _damaged_zip_format(path: Path) -> str | None:
    """The format of a zip whose directory is unreadable, from the member names its
    local headers still carry in plain bytes."""
    with path.open("rb") as handle:
        raw = handle.read(_DAMAGED_ZIP_SCAN_BYTES)
    found = _zip_format(_zip_names_from_bytes(raw))
    if found is not None:
        return found
    if b"word/document.xml" in raw or b"word/_rels/" in raw:
        return ".docx"
    if b"OFD.xml" in raw:
        return ".ofd"
    return None


def decode_text(raw: bytes) -> tuple[str, str] | None:
    """(text, encoding) of bytes that are text in UTF-8, GB18030 or Big5, or UTF-16/32
    opened by a BOM, else None.

    A multi-byte character cut off at the very end (a truncated head) is tolerated.
    """
    for bom, encoding in _WIDE_BOMS:
        if raw.startswith(bom):
            text = _decode_allowing_cut_end(raw[len(bom) :], encoding)
            return (text, encoding) if text is not None and _looks_like_text(text) else None
    if b"\x00" in raw:
        return None  # UTF-16/32 without a BOM, or binary
    body = raw
    for bom in _BOMS:
        if body.startswith(bom):
            body = body[len(bom) :]
    # Big5 bytes mostly decode as GB18030 too, landing in its private-use area; the
    # encoding that leaves the fewest such oddities wins, the earlier one on a tie.
    candidates = []
    for order, encoding in enumerate(_TEXT_ENCODINGS):
        text = _decode_allowing_cut_end(body, encoding)
        if text is not None and _looks_like_text(text):
            candidates.append((_oddities(text), order, text, encoding))
            if candidates[-1][0] == 0:
                break  # no later encoding can do better
    if not candidates:
        return None
    _, _, text, encoding = min(candidates)
    return text, encoding


def _decode_allowing_cut_end(raw: bytes, encoding: str) -> str | None:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as error:
        # Only a character cut at the very end may be dropped, not one broken inside.
        if error.start < len(raw) - 3:
            return None
        try:
            return raw[: error.start].decode(encoding)
        except UnicodeDecodeError:
            return None


def _looks_like_text(text: str) -> bool:
    if not text.strip():
        return False
    control = sum(1 for char in text if char not in "\t\n\r\f\v" and unicodedata.category(char) == "Cc")
    return control <= len(text) * _MAX_CONTROL_SHARE


def _oddities(text: str) -> int:
    """Characters a wrong guess of the encoding produces: private-use and replacement."""
    return sum(1 for char in text if char == "\ufffd" or unicodedata.category(char) == "Co")


def _text_format(head: bytes) -> str | None:
    decoded = decode_text(head)
    if decoded is None:
        return None
    text = decoded[0].lstrip("\ufeff")
    if _FRONT_MATTER.match(text):
        return ".md"
    stripped = text.lstrip()
    if _HTML_START.match(stripped) or _HTML_EARLY.search(stripped[:_HTML_EARLY_CHARS]):
        return ".html"
    return ".txt"


def _zip_format(names: set[str]) -> str | None:
    if "word/document.xml" in names:
        return ".docx"
    if "OFD.xml" in names:
        return ".ofd"
    return None  # spreadsheets, presentations, plain archives: not documents TanLu reads


def _zip_names_from_bytes(raw: bytes) -> set[str]:
    """Member names of a zip held in memory: from its directory when complete, else by
    walking the local headers the bytes reach."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, EOFError):
        pass
    names: set[str] = set()
    offset = 0
    while raw.startswith(_ZIP_MAGIC, offset) and offset + 30 <= len(raw):
        flags, _, _, _, _, compressed, _, name_length, extra_length = struct.unpack_from("<HHHHIIIHH", raw, offset + 6)
        name_start = offset + 30
        names.add(raw[name_start : name_start + name_length].decode("utf-8" if flags & 0x800 else "cp437", "replace"))
        if flags & 0x08:
            break  # sizes follow the data: the next header cannot be found from here
        offset = name_start + name_length + extra_length + compressed
    return names
