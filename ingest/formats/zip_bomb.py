"""The one unpacked-size limit for zip-based formats (Word, OFD).

A 20 MB upload of compressible XML can declare gigabytes; each parser checks the sizes
the archive's directory declares before anything is inflated (``zipfile`` itself stops
every member at its declared size, so the declaration is a bound, not a hint). Real
documents unpack to a few times their size, a zip bomb to thousands of times.
"""

from __future__ import annotations

import zipfile

from ingest.documents import FormatError

MAX_UNPACKED_BYTES = 256 * 1024 * 1024


def refuse_zip_bomb(members: list[zipfile.ZipInfo], kind: str) -> None:
    """FormatError naming ``kind`` (「Word」「OFD」) when ``members`` unpack beyond the limit."""
    if sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
        raise FormatError(f"{kind} 解压后超过 {MAX_UNPACKED_BYTES // 1024 // 1024} MB，拒绝读取（可能是压缩炸弹）")
