"""Plain text (.txt) -> sections, with the encoding found rather than assumed.

Chinese text files come in UTF-8 (with or without BOM), GB18030/GBK and Big5, and
nothing in the file says which. A BOM or valid UTF-8 settles it; otherwise
charset-normalizer's guess and the two Chinese legacy encodings are each decoded and
the decode whose Chinese characters are most plausibly common ones wins (Big5 read as
GBK, or GBK as Big5, gives strings of rare characters). Big5 text stays Traditional.

charset-normalizer finds *some* encoding for almost any bytes, so binary files named
``.txt`` are refused by checks of our own: NUL bytes, a share of control, unassigned
or replacement characters, and, for a Chinese decode, too few common characters.

The official numbering (一、 （一） 1. （1）) gives the structure; a first short line
without numbering or sentence punctuation is the title.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from charset_normalizer import from_bytes

from ingest.documents import FormatError, ParsedBody
from ingest.formats.sections import SectionBuilder
from ingest.numbering import numbering_level
from ingest.text_normal import normalise_text

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Mainland first: on a tie the file is read as GB18030 (a superset of GB2312 and GBK).
_CHINESE_ENCODINGS = ("gb18030", "big5hkscs", "cp950")
# Labels that name a subset of an encoding we decode with its superset.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "big5": "big5hkscs", "cp936": "gb18030"}

_MAX_BAD_SHARE = 0.02  # control, unassigned, private-use or replacement characters
_MIN_HAN_FOR_PLAUSIBILITY = 8
_MIN_COMMON_SHARE = 0.6  # real Chinese text scores above 0.9, random bytes about 0.3-0.45
_SAMPLE_CHARS = 200_000

_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
_ALLOWED_CONTROLS = frozenset("\n\r\t\f")

# A title line ends without sentence punctuation.
_TITLE_MAX_CHARS = 40
_NOT_TITLE_END = "。！？；…!?;：:，,、"
# A line that ends like this closes its paragraph; otherwise a long line may be a
# hard-wrapped paragraph continued on the next line.
_PARAGRAPH_END = "。！？；…!?;：:”’」』）)】》"
_MIN_WRAPPED_LINE = 20


def parse(raw: bytes) -> ParsedBody:
    """Parse a plain-text file; FormatError if it is not text."""
    text = normalise_text(decode_text(raw))
    title, body = _split_title(text)
    builder = SectionBuilder()
    for paragraph in _paragraphs(body):
        builder.paragraph(paragraph)
    return ParsedBody(builder.result(), title=title)


@dataclass(frozen=True)
class _Candidate:
    encoding: str
    text: str
    score: float


def decode_text(raw: bytes, declared: str | None = None) -> str:
    """Decode ``raw`` as text, or raise FormatError 「不是文本文件（…）」.

    ``declared`` is an encoding the file names itself (an HTML ``<meta charset>``); it is
    used when the bytes are not valid UTF-8 but decode with it and read as text.
    """
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            text = raw.decode(encoding, errors="replace")
            _refuse_if_not_text(text)
            return text
    if b"\x00" in raw:
        raise FormatError("不是文本文件（含有空字节，像是图片、压缩包等二进制文件）")
    # Valid UTF-8 is UTF-8 whatever a page declares: GBK or Big5 text is almost never
    # valid UTF-8, while pages saved as UTF-8 under a stale ``charset=gb2312`` are common.
    utf8 = _strict_decode(raw, "utf-8")
    if utf8 is not None:
        _refuse_if_not_text(utf8)
        return utf8
    if declared:
        as_declared = _strict_decode(raw, _codec_name(declared))
        if as_declared is not None and _problem(as_declared) is None:
            return as_declared
    candidates = [candidate for candidate in _candidates(raw) if candidate.score >= 0]
    if not candidates:
        raise FormatError("不是文本文件（无法识别其文字编码，或含有大量控制字符、乱码）")
    return max(candidates, key=lambda candidate: candidate.score).text


def _codec_name(label: str) -> str:
    label = label.strip().lower()
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return ""
    return _SUPERSETS.get(label, _SUPERSETS.get(name, name))


def _strict_decode(raw: bytes, encoding: str) -> str | None:
    if not encoding:
        return None
    try:
        return raw.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _candidates(raw: bytes) -> list[_Candidate]:
    """Each plausible decode with its score (-1 where the decode reads as garbage)."""
    encodings = list(_CHINESE_ENCODINGS)
    guess = from_bytes(raw).best()
    if guess is not None:
        guessed = _codec_name(guess.encoding)
        if guessed and guessed not in encodings:
            encodings.append(guessed)
    candidates = []
    for encoding in encodings:
        text = _strict_decode(raw, encoding)
        if text is not None:
            candidates.append(_Candidate(encoding, text, _score(text)))
    return candidates


def _score(text: str) -> float:
    """Plausibility of a decode: the share of common characters among its Chinese
    characters; 0.5 for text without Chinese; -1 when it is not text at all."""
    if _problem(text) is not None:
        return -1.0
    share = _common_share(text)
    return 0.5 if share is None else share


def _refuse_if_not_text(text: str) -> None:
    problem = _problem(text)
    if problem is not None:
        raise FormatError(f"不是文本文件（{problem}）")


def _problem(text: str) -> str | None:
    """Why ``text`` does not read as text, or None."""
    sample = text[:_SAMPLE_CHARS]
    if not sample.strip():
        return None
    bad = sum(1 for char in sample if _is_bad(char))
    if bad > _MAX_BAD_SHARE * len(sample):
        return "含有大量控制字符或无法识别的字符，像是二进制文件"
    share = _common_share(sample)
    if share is not None and share < _MIN_COMMON_SHARE:
        return "解码出的汉字多为生僻字，像是乱码或二进制文件"
    return None


def _is_bad(char: str) -> bool:
    if char in _ALLOWED_CONTROLS:
        return False
    return char == "\ufffd" or unicodedata.category(char) in ("Cc", "Cn", "Co", "Cs")


def _common_share(text: str) -> float | None:
    """Share of Chinese characters that are common ones, None if there are too few to judge."""
    han = _HAN.findall(text[:_SAMPLE_CHARS])
    if len(han) < _MIN_HAN_FOR_PLAUSIBILITY:
        return None
    return sum(1 for char in han if _is_common(char)) / len(han)


@lru_cache(maxsize=32768)
def _is_common(char: str) -> bool:
    """Whether ``char`` is a frequently used character: GB2312 level 1 (the 3,755 most
    common simplified characters) or Big5's frequently used block (5,401 traditional).
    Known from the encodings themselves, so no frequency list needs to ship."""
    try:
        encoded = char.encode("gb2312")
        if 0xB0 <= encoded[0] <= 0xD7:
            return True
    except UnicodeEncodeError:
        pass
    try:
        encoded = char.encode("big5")
    except UnicodeEncodeError:
        return False
    return 0xA440 <= (encoded[0] << 8 | encoded[1]) <= 0xC67E


def _split_title(text: str) -> tuple[str, str]:
    """(title, rest) when the first line is clearly a title, else ("", text)."""
    first, _, rest = text.lstrip("\n").partition("\n")
    first = first.strip()
    if (
        rest.strip()
        and 0 < len(first) <= _TITLE_MAX_CHARS
        and not numbering_level(first)
        and first[-1] not in _NOT_TITLE_END
        and "〔" not in first  # a document number line: 宁发改〔2025〕12号
        and _HAN.search(first)
    ):
        return first, rest
    return "", text


def _paragraphs(text: str) -> list[str]:
    """Group lines into paragraphs: a blank line or a line ending a sentence closes
    one; a line about as long as the longest lines that ends mid-sentence is taken as
    hard-wrapped and continues on the next line (SectionBuilder joins the lines and
    still opens a section at every numbered one)."""
    lines = text.split("\n")
    lengths = sorted(len(line) for line in lines if line)
    if not lengths:
        return []
    wrap_width = max(_MIN_WRAPPED_LINE, int(lengths[int(len(lengths) * 0.9)] * 0.8))
    paragraphs: list[list[str]] = []
    open_paragraph = False
    for line in lines:
        if not line:
            open_paragraph = False
            continue
        if open_paragraph:
            paragraphs[-1].append(line)
        else:
            paragraphs.append([line])
        open_paragraph = len(line) >= wrap_width and line[-1] not in _PARAGRAPH_END
    return ["\n".join(group) for group in paragraphs]
