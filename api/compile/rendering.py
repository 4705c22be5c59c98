"""Rendering the 汇编 through LibreOffice: PDF export, page images and 目录 page numbers.

LibreOffice is an optional runtime dependency (``make run`` and ``make test`` install
it; Debian ``libreoffice-writer-nogui``). When it is missing or fails, the caller still
has the .docx: :class:`RenderUnavailable` carries a Chinese message that says so and is
answered with 503.

Each conversion runs ``soffice --headless --convert-to pdf`` with a user profile of its
own process, made on first use and reused (a fresh profile costs seconds per call);
conversions take turns on a lock, as two at once would fight over the profile's lock
file, and the same .docx is converted once (a small cache by content hash). A
fontconfig file that maps the 公文 faces (方正小标宋简体, 仿宋_GB2312 …) to the CJK
faces Debian ships (Noto Serif/Sans CJK, AR PL UKai), in the order
api/compile/docx_layout.py declares as fallbacks; without it fontconfig would set every
face in one default sans face.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections import OrderedDict
from functools import cache
from pathlib import Path

from api.compile.docx_layout import FALLBACKS
from api.messages import PDF_FAILED, PDF_NEEDS_LIBREOFFICE, PREVIEW_NEEDS_PDFTOPPM
from ingest.errors import ServiceError

CONVERT_TIMEOUT_SECONDS = 240


class RenderUnavailable(ServiceError):
    """LibreOffice (or pdftoppm) is missing or failed: PDF and previews are unavailable."""


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def fontconfig_text() -> str:
    """A fontconfig file: the system configuration plus the 公文 faces' fallbacks."""
    aliases = []
    for name, alternatives in FALLBACKS.items():
        families = "".join(f"<family>{family}</family>" for family in alternatives)
        aliases.append(f"<alias binding='same'><family>{name}</family><prefer>{families}</prefer></alias>")
    return (
        "<?xml version='1.0'?><!DOCTYPE fontconfig SYSTEM 'fonts.dtd'><fontconfig>"
        "<include ignore_missing='yes'>/etc/fonts/fonts.conf</include>" + "".join(aliases) + "</fontconfig>"
    )


_LOCK = threading.Lock()
_CACHE: OrderedDict[str, bytes] = OrderedDict()
CACHE_SIZE = 8


@cache
def _profile_home() -> Path:
    """This process's LibreOffice home: user profile and fontconfig file (removed at exit)."""
    home = Path(tempfile.mkdtemp(prefix="tanlu-soffice-"))
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    (home / "fonts.conf").write_text(fontconfig_text(), encoding="utf-8")
    return home


def clear_cache() -> None:
    """Forget converted files (benchmarks measure cold conversions)."""
    with _LOCK:
        _CACHE.clear()


def docx_to_pdf(docx: bytes) -> bytes:
    soffice = soffice_path()
    if soffice is None:
        raise RenderUnavailable(PDF_NEEDS_LIBREOFFICE)
    key = hashlib.sha256(docx).hexdigest()
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
        pdf = _convert(soffice, docx)
        _CACHE[key] = pdf
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
        return pdf


def _convert(soffice: str, docx: bytes) -> bytes:
    home = _profile_home()
    with tempfile.TemporaryDirectory(prefix="tanlu-render-") as folder:
        work = Path(folder)
        source = work / "huibian.docx"
        source.write_bytes(docx)
        env = {**os.environ, "FONTCONFIG_FILE": str(home / "fonts.conf"), "HOME": str(home)}
        command = [
            soffice,
            f"-env:UserInstallation={(home / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(work),
            str(source),
        ]
        try:
            result = subprocess.run(command, env=env, capture_output=True, timeout=CONVERT_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            raise RenderUnavailable(PDF_FAILED.format(reason=f"超过 {CONVERT_TIMEOUT_SECONDS} 秒")) from None
        except OSError as error:
            raise RenderUnavailable(PDF_FAILED.format(reason=str(error))) from None
        output = work / "huibian.pdf"
        if result.returncode != 0 or not output.exists():
            reason = (result.stderr or result.stdout).decode("utf-8", "replace").strip()[-200:] or "未生成文件"
            raise RenderUnavailable(PDF_FAILED.format(reason=reason))
        return output.read_bytes()


def page_texts(pdf: bytes) -> list[str]:
    """The text of each page (pdfplumber), whitespace removed, for finding headings."""
    import io

    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return [re.sub(r"\s+", "", page.extract_text() or "") for page in document.pages]


def page_count(pdf: bytes) -> int:
    """Pages of a PDF LibreOffice wrote (its page objects)."""
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def page_images(pdf: bytes, *, dpi: int = 50, first: int = 1, last: int | None = None) -> list[bytes]:
    """PNG images of the pages (pdftoppm, poppler-utils)."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise RenderUnavailable(PREVIEW_NEEDS_PDFTOPPM)
    with tempfile.TemporaryDirectory(prefix="tanlu-pages-") as folder:
        work = Path(folder)
        (work / "in.pdf").write_bytes(pdf)
        command = [pdftoppm, "-png", "-r", str(dpi), "-f", str(first)]
        if last is not None:
            command += ["-l", str(last)]
        subprocess.run([*command, str(work / "in.pdf"), str(work / "page")], check=True, timeout=120)
        return [path.read_bytes() for path in sorted(work.glob("page-*.png"), key=_page_index)]


def _page_index(path: Path) -> int:
    return int(path.stem.rsplit("-", 1)[1])


def heading_pages(texts: list[str], entries: list[str], toc_last_entry: str) -> list[int | None]:
    """The printed page number of each heading, in order (the cover is page 0, the 前言 1).

    Headings repeat (「（一）企业类试点」 under every field), so the search goes on in
    document order from the page of the previous heading; the 目录 itself lists every
    heading, so it starts after the page on which the 目录 lists its last entry.
    """
    last = re.sub(r"\s+", "", toc_last_entry)
    cursor = next((index + 1 for index, text in enumerate(texts) if last in text), 0)
    found: list[int | None] = []
    for entry in entries:
        key = re.sub(r"\s+", "", entry)
        page = next((index for index in range(cursor, len(texts)) if key in texts[index]), None)
        found.append(page)
        if page is not None:
            cursor = page
    return found
