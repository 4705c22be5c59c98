"""Read files and folders into parsed documents, one report per file.

A bad file is refused with an error naming it (and the field, when a metadata field is
at fault) while every other file is read: one typo must not stop a batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ingest.documents import FileReport, ParsedDocument, Section
from ingest.domain import PROGRAMME_ID
from ingest.errors import DocumentError
from ingest.formats import BY_EXTENSION, format_of
from ingest.metadata import MAX_HEADING_CHARS, MetadataError, too_long
from ingest.metadata_sources import is_sidecar, resolve_metadata, source_hash
from ingest.sniff import detect_format

# Files in a corpus folder that describe the folder rather than being documents.
IGNORED_NAMES = frozenset({"README.md", "readme.md"})

# Above this size a file is refused unread (a setting can change it).
DEFAULT_MAX_FILE_BYTES = 20 * 1024 * 1024


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


@dataclass
class LoadResult:
    documents: list[ParsedDocument] = field(default_factory=list)
    reports: list[FileReport] = field(default_factory=list)


def _without_title_heading(sections: list[Section], title: str) -> list[Section]:
    """Drop a leading heading that only repeats the document title (``# 标题``)."""
    normalised = "".join(title.split())
    for section in sections:
        if section.heading_path and "".join(section.heading_path[0].split()) == normalised:
            section.heading_path = section.heading_path[1:]
    return sections


def check_headings(sections: list[Section]) -> None:
    """Refuse a heading past MAX_HEADING_CHARS: it goes into the embedding text, the
    BM25 text and the heading path of every chunk below it."""
    for section in sections:
        for heading in section.heading_path:
            if len(heading) > MAX_HEADING_CHARS:
                start = heading[:20].replace("\n", " ")
                raise MetadataError("heading", f"标题行“{start}…”{too_long(len(heading), MAX_HEADING_CHARS)}")


def document_id(pilot_id: str, path: Path) -> str:
    """``<pilot_id>/<file stem>``: the same whichever folder the ingest started from."""
    return f"{pilot_id}/{path.stem}"


def parse_file(path: Path, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> tuple[ParsedDocument | None, FileReport]:
    shown = str(path)
    fmt = format_of(path.suffix)
    if fmt is None:
        return None, FileReport(shown, "skipped", f"不支持的文件类型 {path.suffix or '（无扩展名）'}")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return None, FileReport(shown, "error", f"文件过大（{_megabytes(size)}），上限为 {_megabytes(max_bytes)}")
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, FileReport(shown, "error", "文件不存在（读取前已被移走或删除）")
    except OSError as error:
        return None, FileReport(shown, "error", f"无法读取文件：{error.strerror or error}")
    if not raw.strip():
        return None, FileReport(shown, "error", "文件为空")
    # The content decides between the binary formats: a PDF saved as .txt is read as PDF.
    actual = BY_EXTENSION.get(detect_format(raw) or "")
    if actual is not None and actual.binary:
        fmt = actual
    try:
        body = fmt.parse(raw)
        check_headings(body.sections)
        meta = resolve_metadata(path, body)
    except DocumentError as error:  # format, front matter or metadata: this file only
        return None, FileReport(shown, "error", error.message, field_name=error.parameter or "")
    sections = _without_title_heading(body.sections, meta.title)
    if not sections:
        return None, FileReport(shown, "error", "正文为空")
    document = ParsedDocument(
        doc_id=document_id(meta.pilot_id or PROGRAMME_ID, path),
        source=str(path.resolve()),
        meta=meta,
        sections=sections,
        content_hash=source_hash(path, raw),
    )
    return document, FileReport(shown, "ok", doc_id=document.doc_id)


def iter_files(paths: Iterable[Path]) -> list[Path]:
    """Every candidate file under the given files and folders, in a stable order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            for candidate in sorted(path.rglob("*")):
                relative = candidate.relative_to(path)
                if any(part.startswith((".", "_")) for part in relative.parts):
                    continue
                if candidate.is_file() and candidate.name not in IGNORED_NAMES and not is_sidecar(candidate):
                    files.append(candidate)
        else:
            files.append(path)
    return files


def load_documents(
    paths: Iterable[Path],
    on_file: Callable[[Path], None] | None = None,
    max_bytes: int = DEFAULT_MAX_FILE_BYTES,
) -> LoadResult:
    """Parse every file; refuse duplicates of a document id within the batch."""
    result = LoadResult()
    seen: dict[str, str] = {}
    for path in iter_files(paths):
        if on_file is not None:
            on_file(path)
        if not path.exists():
            result.reports.append(FileReport(str(path), "error", "文件不存在"))
            continue
        document, report = parse_file(path, max_bytes)
        if document is not None and document.doc_id in seen:
            report = FileReport(
                str(path), "error", f"文档编号 {document.doc_id} 与 {seen[document.doc_id]} 重复", field_name="pilot_id"
            )
            document = None
        if document is not None:
            seen[document.doc_id] = str(path)
            result.documents.append(document)
        result.reports.append(report)
    return result
