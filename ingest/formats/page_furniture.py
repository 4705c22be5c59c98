"""Running headers, footers and page numbers of paged documents (PDF, OFD).

They are part of the page, not of the text: left in, 「贺兰山示范园区碳达峰试点进展报告」
would repeat in every chunk and a footer 「- 3 -」 would split the paragraph that runs
across the page break. A line is furniture when it sits among the outermost lines of a
page and the same line, digits aside, recurs there on most pages; a line that is only
a page number (「- 3 -」「第 3 页 共 10 页」「3」) is furniture wherever it is outermost,
even in a one-page document.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

# How many lines at each end of a page may be furniture.
ZONE = 3

_DIGITS = re.compile(r"[0-9０-９]+")
_CN_NUMERAL = re.compile(r"(?<=第)[一二三四五六七八九十百零〇两]+(?=页)")
_SPACE = re.compile(r"\s+")
# Page-number lines once digits are replaced by '#' and spaces removed.
_PAGE_NUMBER = re.compile(
    r"[-—–_·•]*#[-—–_·•]*"
    r"|第#页[,，]?(?:共#页)?|共#页[,，]?第#页|#/#|[-—–]#/#[-—–]"
    r"|(?:page)?#(?:of#)?",
    re.IGNORECASE,
)


def furniture_key(text: str) -> str:
    """The line with spaces removed and every number replaced by '#', so that the
    footers of page 3 and page 4 compare equal."""
    text = _SPACE.sub("", text)
    text = _CN_NUMERAL.sub("#", text)
    return _DIGITS.sub("#", text)


def is_page_number(text: str) -> bool:
    key = furniture_key(text)
    return bool(key) and _PAGE_NUMBER.fullmatch(key) is not None


def furniture(pages: Sequence[Sequence[str]]) -> list[tuple[int, int]]:
    """For each page (its lines top to bottom), how many leading and trailing lines
    are furniture.

    "Most pages" means at least half of them, and at least two; or, for the mirrored
    headers of books (title on odd pages, chapter on even ones), half of the odd or half
    of the even pages. Lines are peeled from the outside in: the header under a page
    number is furniture only if the page number above it was.
    """
    top_keys = [{furniture_key(line) for line in lines[:ZONE]} for lines in pages]
    bottom_keys = [{furniture_key(line) for line in lines[-ZONE:]} for lines in pages]
    top_repeated = _repeated(top_keys)
    bottom_repeated = _repeated(bottom_keys)

    def peel(lines: Sequence[str], repeated: set[str]) -> int:
        count = 0
        for line in lines[:ZONE]:
            key = furniture_key(line)
            if not key or key in repeated or _PAGE_NUMBER.fullmatch(key):
                count += 1
            else:
                break
        return count

    result = []
    for lines in pages:
        top = peel(lines, top_repeated)
        bottom = peel(list(reversed(lines[top:])), bottom_repeated)
        result.append((top, bottom))
    return result


def _repeated(keys_per_page: list[set[str]]) -> set[str]:
    """Keys found on most pages, or on most odd or most even pages."""
    repeated: set[str] = set()
    for group in (keys_per_page, keys_per_page[0::2], keys_per_page[1::2]):
        if len(group) < 2:
            continue
        counts = Counter(key for keys in group for key in keys)
        needed = max(2, math.ceil(len(group) / 2))
        repeated.update(key for key, count in counts.items() if count >= needed)
    return repeated
