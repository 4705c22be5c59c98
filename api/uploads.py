"""Receiving uploads: stream to disk under a size limit, decide the format by content,
stage, then swap into the uploads folder (and back, if the ingest refuses a file).

The multipart body is parsed as it arrives (python-multipart's streaming parser, the
one Starlette uses) and each file is written straight into a staging folder, counting
bytes: past the limit a file's bytes are dropped as they arrive, so a 50 MB upload never
sits in memory or fills the disk. Starlette's own form parsing would spool the whole
file first.

A bad file in a batch (too large, empty, unrecognised content, a name clash) is refused
on its own, named in the answer and in the job's per-file results, and the rest of the
batch goes on; only when every file is refused is the request itself refused.

Staging lives in ``<uploads>/.staging/<job id>/`` — inside the uploads folder, so the
final ``os.replace`` is an atomic rename on one file system, and hidden, so a folder
scan never reads half-received files. The upload job moves each staged file onto its
final name, keeping any file it replaces until the ingest has accepted the new one:
a refused upload restores what was there and loses nothing already stored.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import yaml
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from api import messages
from api.errors import ApiError
from api.safe_names import safe_file_name
from ingest.domain import DOC_TYPES, FIELDS, PILOT_TYPES, parse_period, pilot_id_problem
from ingest.errors import DocumentError
from ingest.formats import BY_EXTENSION
from ingest.formats.markdown import split_front_matter
from ingest.formats.text import decode_text
from ingest.loader import parse_file
from ingest.metadata import MAX_EXTRA_CHARS, pilot_id_of, too_long, value_limit
from ingest.metadata_sources import SIDECAR_SUFFIX  # the name the ingest reads a sidecar by
from ingest.sniff import detect_path

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

STAGING = ".staging"
FILES_FIELD = "files"
MAX_FILES = 100
MAX_FIELD_PARTS = 100  # metadata parts per request (``fields`` may repeat)
MAX_HEADER_BYTES = 16 * 1024  # one header line of one part
# Metadata a client may send with the files; written to a sidecar ``NAME.meta.yaml``.
META_FIELDS = ("title", "pilot", "pilot_id", "pilot_type", "region", "doc_type", "period", "date", "fields", "demo")
_TRUE = {"true", "1", "yes", "是"}
_FALSE = {"false", "0", "no", "否"}


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MB"
    if size >= 1024:
        return f"{size / 1024:g} KB"
    return f"{size} 字节"


def shown_name(client_name: str) -> str:
    """A client's file name as it may appear in a message (no control characters)."""
    cleaned = "".join(char if char.isprintable() else "?" for char in client_name)
    return cleaned[:200] or "（无文件名）"


@dataclass
class StagedFile:
    client_name: str
    part_path: Path  # the received bytes, in the staging folder
    size: int
    extension: str = ""
    name: str = ""  # the stored name in the uploads folder
    replaces: bool = False
    refusal: ApiError | None = None  # why this file is not kept (the others may be)


@dataclass
class ReceivedUpload:
    staging: Path
    files: list[StagedFile] = field(default_factory=list)
    fields: dict[str, list[str]] = field(default_factory=dict)

    def discard(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)

    @property
    def accepted(self) -> list[StagedFile]:
        return [staged for staged in self.files if staged.refusal is None]

    @property
    def refused(self) -> list[tuple[StagedFile, ApiError]]:
        """Each refused file with the reason it was refused."""
        return [(staged, staged.refusal) for staged in self.files if staged.refusal is not None]


def _unknown_field(name: str, allowed: str) -> ApiError:
    shown = shown_name(name)
    return ApiError(422, messages.UNKNOWN_FORM_FIELD.format(name=shown, allowed=allowed), shown)


_CONTINUATION_BYTES = bytes(range(0x80, 0xC0))


def utf8_chars(data: bytes) -> int:
    """Characters in a piece of UTF-8 (every byte that does not continue a character
    starts one), counted without decoding, so a field may be measured as it streams."""
    return len(data.translate(None, _CONTINUATION_BYTES))


def part_limit(name: str) -> int:
    """The most characters one form part of metadata field ``name`` may carry: the
    ingest's own limit for the field (ingest.metadata.value_limit), so that a value is
    refused at the same length, in the same words, as in front matter; ``fields`` may
    carry several comma-separated items in one part, each then checked on its own."""
    return MAX_EXTRA_CHARS if name == "fields" else value_limit(name)


def _too_long(name: str, length: int) -> ApiError:
    return _invalid(name, too_long(length, part_limit(name)))


class _Receiver:
    """python-multipart callbacks that write file parts to disk and keep small fields."""

    def __init__(self, staging: Path, max_bytes: int) -> None:
        self.staging = staging
        self.max_bytes = max_bytes
        self.upload = ReceivedUpload(staging)
        self._header_name = b""
        self._header_value = b""
        self._disposition = b""
        self._field: str | None = None
        self._field_data = bytearray()
        self._field_chars = 0
        self._file: StagedFile | None = None
        self._handle: BinaryIO | None = None
        self._field_parts = 0
        self.complete = False  # the closing boundary was seen (not a cut-off body)

    def on_part_begin(self) -> None:
        self._disposition, self._field, self._file = b"", None, None
        self._field_data = bytearray()
        self._field_chars = 0

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]
        self._check_header()

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]
        self._check_header()

    def _check_header(self) -> None:
        if len(self._header_name) + len(self._header_value) > MAX_HEADER_BYTES:
            raise ApiError(400, messages.MALFORMED_UPLOAD.format(reason="表单部分的头过长"), FILES_FIELD)

    def on_header_end(self) -> None:
        if self._header_name.strip().lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name, self._header_value = b"", b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        if b"name" not in options:
            raise ApiError(400, messages.MALFORMED_UPLOAD.format(reason="表单部分缺少 name"), FILES_FIELD)
        name = options[b"name"].decode("utf-8", "replace")
        if b"filename" not in options:
            if name == FILES_FIELD:
                raise ApiError(422, messages.FILES_FIELD_NOT_FILE, FILES_FIELD)
            if name not in META_FIELDS:
                raise _unknown_field(name, "、".join((FILES_FIELD, *META_FIELDS)))
            self._field_parts += 1
            if self._field_parts > MAX_FIELD_PARTS:
                raise ApiError(422, messages.MALFORMED_UPLOAD.format(reason="元数据字段过多"), name)
            self._field = name
            return
        if name != FILES_FIELD:
            raise _unknown_field(name, FILES_FIELD)
        if len(self.upload.files) >= MAX_FILES:
            raise ApiError(413, messages.TOO_MANY_FILES.format(limit=MAX_FILES), FILES_FIELD)
        client_name = options[b"filename"].decode("utf-8", "replace")
        part_path = self.staging / f"part-{len(self.upload.files):03d}"
        self._file = StagedFile(client_name=client_name, part_path=part_path, size=0)
        self._handle = part_path.open("wb")
        self.upload.files.append(self._file)

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._file is not None:
            if self._file.refusal is not None:
                self._file.size += end - start
                return
            if self._file.size + (end - start) > self.max_bytes:
                name, limit = shown_name(self._file.client_name), human_size(self.max_bytes)
                self._file.refusal = ApiError(413, messages.FILE_TOO_LARGE.format(name=name, limit=limit), FILES_FIELD)
                self._file.size += end - start
                self.close()
                self._file.part_path.unlink(missing_ok=True)
                return
            # Written here, on the event loop: a chunk is at most the socket read size
            # (64 KB) going to the page cache, microseconds, and the size check must
            # happen before the bytes land.
            if self._handle is not None:
                self._handle.write(data[start:end])
            self._file.size += end - start
        elif self._field is not None:
            # Past the field's limit the bytes are only counted (the refusal gives the
            # length, as the ingest's does), never kept: at most four bytes a character.
            piece = data[start:end]
            self._field_chars += utf8_chars(piece)
            if len(self._field_data) + len(piece) <= part_limit(self._field) * 4:
                self._field_data += piece

    def on_part_end(self) -> None:
        if self._file is not None:
            self.close()
        elif self._field is not None:
            if self._field_chars > part_limit(self._field):
                raise _too_long(self._field, self._field_chars)
            value = self._field_data.decode("utf-8", "replace")
            self.upload.fields.setdefault(self._field, []).append(value)

    def on_end(self) -> None:
        self.complete = True

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self.on_part_begin,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_end": self.on_end,
        }


async def receive_upload(request: Request, uploads_dir: Path, staging_id: str, max_bytes: int) -> ReceivedUpload:
    """Stream a multipart upload into ``<uploads>/.staging/<staging_id>/``, enforcing the
    size limit per file as bytes arrive, then decide each file's format and stored name.

    A refused file is marked (``StagedFile.refusal``) and the rest go on; when every
    file is refused, or the form itself is wrong, everything staged is removed and
    ApiError raised. Nothing reaches the uploads folder before the job commits it.
    """
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data" or b"boundary" not in params:
        raise ApiError(415, messages.NOT_MULTIPART, "Content-Type")
    staging = uploads_dir / STAGING / staging_id
    staging.mkdir(parents=True)
    receiver = _Receiver(staging, max_bytes)
    try:
        parser = MultipartParser(params[b"boundary"], receiver.callbacks())
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
        receiver.close()
        if not receiver.complete:
            raise ApiError(400, messages.MALFORMED_UPLOAD.format(reason="请求体不完整（缺少结束分隔符）"), FILES_FIELD)
        upload = receiver.upload
        _settle_files(upload, uploads_dir)
        return upload
    except FormParserError as error:
        receiver.close()
        receiver.upload.discard()
        raise ApiError(400, messages.MALFORMED_UPLOAD.format(reason=error), FILES_FIELD) from error
    except BaseException:
        receiver.close()
        receiver.upload.discard()
        raise


def _settle_files(upload: ReceivedUpload, uploads_dir: Path) -> None:
    """Drop a browser's empty "no file chosen" part; decide format and name of the rest,
    refusing each bad file on its own; refuse the request when no file is left."""
    upload.files = [f for f in upload.files if f.client_name or f.size]
    if not upload.files:
        raise ApiError(422, messages.NO_FILES, FILES_FIELD)
    by_name: dict[str, StagedFile] = {}
    root = uploads_dir.resolve()
    for staged in upload.files:
        if staged.refusal is not None:
            continue
        shown = shown_name(staged.client_name)
        if staged.size == 0:
            staged.refusal = ApiError(422, messages.FILE_EMPTY.format(name=shown), FILES_FIELD)
            continue
        extension = detect_path(staged.part_path)
        if extension is None:
            staged.refusal = ApiError(415, messages.UNSUPPORTED_CONTENT.format(name=shown), FILES_FIELD)
            continue
        staged.extension = _text_dialect(extension, staged.client_name)
        staged.name = safe_file_name(staged.client_name, staged.extension)
        if staged.name in by_name:
            first = shown_name(by_name[staged.name].client_name)
            staged.refusal = ApiError(
                422, messages.DUPLICATE_UPLOAD_NAME.format(first=first, second=shown, name=staged.name), FILES_FIELD
            )
            continue
        by_name[staged.name] = staged
        target = inside(root, staged.name)
        staged.replaces = target.exists()
    if not upload.accepted:
        refusals = [refusal for _, refusal in upload.refused]
        detail = "；".join(refusal.detail for refusal in refusals)
        raise ApiError(refusals[0].status, detail, FILES_FIELD)


def _text_dialect(extension: str, client_name: str) -> str:
    """Text the content cannot tell apart from plain text (Markdown without front
    matter) keeps Markdown when the client called it so: its headings then give sections.
    Only a choice between two text formats; binary formats are decided by content alone."""
    if extension == ".txt" and Path(client_name.replace("\\", "/")).suffix.lower() in BY_EXTENSION[".md"].extensions:
        return ".md"
    return extension


def inside(root: Path, name: str) -> Path:
    """``root / name``, verified to be a file directly in ``root`` or in one pilot's folder
    ``root/<pilot_id>/`` (never trusted blindly, even for a name this module made)."""
    *folders, base = name.split("/")
    if len(folders) > 1 or any(pilot_id_problem(folder) for folder in folders):
        raise ApiError(422, messages.MALFORMED_UPLOAD.format(reason="文件名无效"), FILES_FIELD)
    parent = root.joinpath(*folders)
    target = (root / name).resolve()
    if target.parent != parent or target.name != base:
        raise ApiError(422, messages.MALFORMED_UPLOAD.format(reason="文件名无效"), FILES_FIELD)
    return target


def file_under_pilots(
    upload: ReceivedUpload, uploads_dir: Path, pilot_id: str | None, meta: dict | None, max_bytes: int
) -> None:
    """Store the accepted files in ``<uploads>/<pilot_id>/``: two pilots' files of the same
    name (实施方案.md) are then two files, never one replacing the other. Without a pilot
    for the whole upload (the DRC sending several pilots' reports), each file goes to the
    pilot its front matter declares, else to the one the ingest will give it
    (content_pilot_id); only a file of no pilot (the programme's own notices) stays at
    the top of the uploads folder.

    Reads every such file once more than the ingest will: call it on a worker thread."""
    root = uploads_dir.resolve()
    for staged in upload.accepted:
        folder = pilot_id or declared_pilot_id(staged) or content_pilot_id(staged, upload.staging, meta, max_bytes)
        if folder:
            staged.name = f"{folder}/{staged.name}"
            staged.replaces = inside(root, staged.name).exists()


def declared_pilot_id(staged: StagedFile) -> str | None:
    """The valid pilot id a Markdown file's front matter gives (pilot_id, else made from
    pilot), or None. Read even when another field of the file is wrong: an update with a
    bad field is then refused in its pilot's folder, and the file it would replace is
    restored."""
    if staged.extension != ".md":
        return None
    try:
        text = decode_text(staged.part_path.read_bytes()).lstrip("\ufeff")
        front, _ = split_front_matter(text) if text.startswith("---") else ({}, text)
        return pilot_id_of(front, str(front.get("pilot") or "").strip()) or None
    except (DocumentError, OSError):
        return None


def content_pilot_id(staged: StagedFile, staging: Path, meta: dict | None, max_bytes: int) -> str | None:
    """The pilot id the ingest gives this file with the upload's metadata (declared in
    front matter, the form or the document's properties, or inferred from its title or
    name), or None for a file of no pilot or one the ingest will refuse (it reports why).

    Read under its stored name in a folder of the staging area, with the form's sidecar:
    the name and the sidecar are among what the metadata comes from, and neither folder
    name (``probe``, ``uploads``) looks like a pilot's."""
    probe = staging / "probe" / staged.name
    probe.parent.mkdir(exist_ok=True)
    try:
        try:
            os.link(staged.part_path, probe)
        except OSError:  # a file system without hard links
            shutil.copyfile(staged.part_path, probe)
        if meta:
            write_sidecar(sidecar_of(probe), meta)
        document, _ = parse_file(probe, max_bytes)
    except OSError:
        return None
    finally:
        probe.unlink(missing_ok=True)
        sidecar_of(probe).unlink(missing_ok=True)
    if document is None:
        return None
    return document.meta.pilot_id or None


# -- metadata form fields -------------------------------------------------------------
def sidecar_metadata(fields: dict[str, list[str]]) -> dict | None:
    """The metadata form fields as sidecar YAML data, validated up front (422 naming the
    field); None when none was given."""
    meta: dict = {}
    for name in META_FIELDS:
        values = [value.strip() for value in fields.get(name, []) if value.strip()]
        if not values:
            continue
        if name != "fields" and len(values) > 1:
            raise ApiError(422, messages.REPEATED_FORM_FIELD.format(name=name), name)
        meta[name] = _meta_value(name, values)
    return meta or None


def _invalid(name: str, reason: str) -> ApiError:
    return ApiError(422, messages.INVALID_PARAMETER.format(name=name, reason=reason), name)


def _meta_value(name: str, values: list[str]):
    value = values[0]
    longest = max(values, key=len) if name != "fields" else ""
    if len(longest) > value_limit(name):
        raise _invalid(name, too_long(len(longest), value_limit(name)))
    if name == "pilot_type" and value not in PILOT_TYPES:
        raise ApiError(422, messages.NOT_ALLOWED.format(name=name, allowed="、".join(PILOT_TYPES)), name)
    if name == "doc_type" and value not in DOC_TYPES:
        raise ApiError(422, messages.NOT_ALLOWED.format(name=name, allowed="、".join(DOC_TYPES)), name)
    if name == "period" and parse_period(value) is None:
        raise _invalid(name, f"“{value}”格式无效，应如 2025H1")
    if name == "date":
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise _invalid(name, f"“{value}”格式无效，应如 2025-06-30") from None
    if name == "pilot_id" and (problem := pilot_id_problem(value)) is not None:
        raise _invalid(name, problem)
    if name == "demo":
        lowered = value.lower()
        if lowered not in _TRUE | _FALSE:
            raise _invalid(name, "应为 true 或 false")
        return lowered in _TRUE
    if name == "fields":
        items = [item.strip() for value in values for item in value.replace("，", ",").replace("、", ",").split(",")]
        items = list(dict.fromkeys(item for item in items if item))
        unknown = [item for item in items if item not in FIELDS]
        if unknown:
            raise _invalid(name, f"未知领域“{'、'.join(unknown)}”，应取自：{'、'.join(FIELDS)}")
        return items
    return value


# -- committing staged files into the uploads folder ------------------------------------
@dataclass
class Committed:
    staged: StagedFile
    target: Path
    backup: Path | None = None  # the file this upload replaced, kept until the ingest accepts it
    sidecar_backup: Path | None = None
    sidecar_written: bool = False
    placed: bool = False


def is_uploaded(uploads: Path, source: str | Path) -> bool:
    """Whether a document's source file lies in the uploads folder: its metadata came
    from the upload form, and deleting the document deletes the file."""
    return uploads.resolve() in Path(source).resolve().parents


def sidecar_of(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR_SUFFIX)


def write_sidecar(path: Path, meta: dict) -> None:
    """The form's metadata as the YAML sidecar the ingest reads. Keys sorted: the
    sidecar is part of the document's hash, so the same fields given in another order
    (the page and curl, or filled from the token) make the same file, and an unchanged
    upload says it is unchanged."""
    path.write_text(yaml.safe_dump(meta, allow_unicode=True, sort_keys=True), encoding="utf-8")


def commit(upload: ReceivedUpload, uploads_dir: Path, meta: dict | None) -> list[Committed]:
    """Move staged files onto their names in the uploads folder (atomic renames), with
    the sidecar when metadata was given; what they replace goes to the staging folder.
    A file a stopped server already moved is taken as it lies (the upload rolls forward)."""
    root = uploads_dir.resolve()
    previous = upload.staging / "previous"
    previous.mkdir(exist_ok=True)
    committed: list[Committed] = []
    try:
        for staged in upload.accepted:
            target = inside(root, staged.name)
            target.parent.mkdir(exist_ok=True)  # a pilot's folder, made at its first upload
            sidecar = sidecar_of(target)
            item = Committed(staged, target)
            committed.append(item)  # from here on, a failure is undone by roll_back
            kept_as = staged.name.replace("/", "--")
            if not staged.part_path.exists():
                _placed_before(item, previous / kept_as, bool(meta))
                continue
            if target.exists():
                item.backup = previous / kept_as
                os.replace(target, item.backup)
            if sidecar.exists():
                # The new upload's metadata replaces the old, given or not.
                item.sidecar_backup = previous / (kept_as + SIDECAR_SUFFIX)
                os.replace(sidecar, item.sidecar_backup)
            if meta:
                temp = upload.staging / f"{staged.part_path.name}{SIDECAR_SUFFIX}"
                write_sidecar(temp, meta)
                os.replace(temp, sidecar)
                item.sidecar_written = True
            os.replace(staged.part_path, target)
            item.placed = True
    except BaseException:
        for item in reversed(committed):
            roll_back(item)
        raise
    return committed


def _placed_before(item: Committed, kept: Path, with_sidecar: bool) -> None:
    """A file swapped in by a server that stopped before ingesting it (a resumed upload,
    api/ingest_jobs.resumer): it is in place, and what it replaced is still kept aside."""
    item.placed = item.target.exists()
    item.backup = kept if kept.exists() else None
    kept_sidecar = kept.with_name(kept.name + SIDECAR_SUFFIX)
    item.sidecar_backup = kept_sidecar if kept_sidecar.exists() else None
    item.sidecar_written = with_sidecar and sidecar_of(item.target).exists()


def roll_back(item: Committed) -> None:
    """Undo one committed file: remove it and its sidecar, restore what it replaced."""
    if item.placed:
        item.target.unlink(missing_ok=True)
    if item.sidecar_written:
        sidecar_of(item.target).unlink(missing_ok=True)
    if item.backup is not None:
        os.replace(item.backup, item.target)
    if item.sidecar_backup is not None:
        os.replace(item.sidecar_backup, sidecar_of(item.target))


def clear_staging(uploads_dir: Path) -> None:
    """Remove what a stopped service left staged (uploads whose job never ran)."""
    shutil.rmtree(uploads_dir / STAGING, ignore_errors=True)
