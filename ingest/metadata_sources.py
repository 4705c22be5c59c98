"""Where a document's metadata comes from when the file itself may declare none.

Layered, most authoritative first; each layer only fills the fields still missing:

1. **Declared**: the file's own front matter (Markdown), else a sidecar
   ``NAME.meta.yaml`` beside it (for ``plan.docx``: ``plan.docx.meta.yaml``, or
   ``plan.meta.yaml``). Front matter is the file's own declaration: a sidecar beside it
   (an upload's form fields) fills only the fields it lacks, and nothing is inferred for
   it (a missing doc_type there is the author's mistake, reported, not guessed; a pilot
   uploading a report whose front matter names no pilot gets its pilot from its token's
   form). A sidecar alone may be partial and the layers below complete it.
2. **Folder layout**: the nearest ancestor folder named like a pilot type
   (:data:`TYPE_FOLDERS`: 城市 园区 乡村 社区 公共机构 企业, the same with 试点/类/类试点
   after it, and 工业园区/产业园区 → 园区, 农村/村庄 → 乡村 — exact names only) gives
   ``pilot_type``, and the folder right below it names the pilot (``园区/贺兰山示范园区/
   报告.txt``); an ASCII folder name there (``园区/park-helanshan/``) is taken as the
   ``pilot_id`` instead, leaving the name to the text; a folder of digits only
   (``园区/2025/``) is not a pilot. An ancestor folder named exactly like a region
   (银川市 … 宁东能源化工基地) gives ``region``. The folder layout is a declaration by
   whoever organised the files, so these fields are *not* marked inferred. The demo
   layout ``corpus/<pilot_id>/<file>`` with front matter is untouched by this layer.
3. **Inference from the text** (``ingest.metadata_inference``): title, pilot,
   pilot_type, region, doc_type, period and date, from the title, the first ~2000
   characters, the last lines and the file name. Every field taken from here is listed
   in ``DocumentMeta.inferred``, and every view marks it 「推断」. A required field that
   cannot be inferred with confidence is an error naming the field and the sidecar to
   write.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
from pathlib import Path
from typing import Any

import yaml

from ingest.documents import ParsedBody
from ingest.domain import PILOT_TYPES, POLICY_DOC_TYPES, REGIONS, pilot_id_problem, shown_field
from ingest.metadata import MAX_TITLE_CHARS, DocumentMeta, MetadataError, check_lengths, too_long, validate_metadata
from ingest.metadata_inference import (
    HEAD_CHARS,
    TAIL_CHARS,
    Inference,
    TextClues,
    infer_date,
    infer_doc_type,
    infer_period,
    infer_pilot,
    infer_pilot_type,
    infer_programme_doc_type,
    infer_region,
    infer_scope,
    infer_title,
)
from ingest.yaml_input import load_yaml

SIDECAR_SUFFIX = ".meta.yaml"

# Folder name -> pilot type. Exact names only, so that a folder is read the same way
# every time; anything else in a path means nothing.
TYPE_FOLDERS: dict[str, str] = {
    **{kind: kind for kind in PILOT_TYPES},
    **{f"{kind}试点": kind for kind in PILOT_TYPES},
    **{f"{kind}类": kind for kind in PILOT_TYPES},
    **{f"{kind}类试点": kind for kind in PILOT_TYPES},
    "工业园区": "园区",
    "产业园区": "园区",
    "农村": "乡村",
    "村庄": "乡村",
}

# Fields that inference may supply, in the order they are inferred (later ones use
# earlier ones: the pilot's name tells its type and region, the kind tells whether
# the opening text may give the period).
INFERABLE = ("title", "pilot", "pilot_type", "region", "doc_type", "scope", "period", "date")
REQUIRED = ("title", "pilot", "pilot_type", "region", "doc_type")

FOLDER = "文件夹"


def sidecar_advice(file_name: str) -> str:
    """Where the user of a folder ingest declares a field the text does not give: the
    file's sidecar. One function, so that an upload (which has no sidecar for its user to
    edit: the API writes it from the form) can find this advice and word it for its form
    (``api.ingest_jobs.for_uploader``)."""
    return f"请在 {file_name}{SIDECAR_SUFFIX} 中填写"


def sidecar_note(sidecar_name: str) -> str:
    """The note naming the sidecar a wrong value came from (an upload's is its form)."""
    return f"（旁注文件 {sidecar_name}）"


def sidecar_paths(path: Path) -> tuple[Path, ...]:
    """Candidate sidecar files of ``path``, the most specific first."""
    return (path.with_name(path.name + SIDECAR_SUFFIX), path.with_name(path.stem + SIDECAR_SUFFIX))


def is_sidecar(path: Path) -> bool:
    return path.name.endswith(SIDECAR_SUFFIX)


def sidecar_of(path: Path) -> Path | None:
    """The sidecar file of ``path``, if it has one."""
    return next((candidate for candidate in sidecar_paths(path) if candidate.is_file()), None)


def read_sidecar(path: Path) -> dict[str, Any] | None:
    """The sidecar mapping of ``path``, None if it has none; MetadataError names a bad
    one (the sidecar file, and the line of a YAML error)."""
    candidate = sidecar_of(path)
    if candidate is None:
        return None
    try:
        data = load_yaml(candidate.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as error:
        raise MetadataError(candidate.name, "不是 UTF-8 编码的 YAML") from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"（第{mark.line + 1}行）" if mark is not None else ""
        raise MetadataError(candidate.name, f"YAML 格式错误{where}：{getattr(error, 'problem', error)}") from error
    if not isinstance(data, dict):
        raise MetadataError(candidate.name, "应为 YAML 映射（键: 值）")
    return data


def folder_metadata(path: Path) -> dict[str, str]:
    """Fields the folders around ``path`` declare (see the module docstring)."""
    folders = path.absolute().parent.parts
    found: dict[str, str] = {}
    for index in range(len(folders) - 1, -1, -1):
        kind = TYPE_FOLDERS.get(folders[index].strip())
        if kind is None:
            continue
        found["pilot_type"] = kind
        below = folders[index + 1].strip() if index + 1 < len(folders) else ""
        if below and not below.isdigit() and below not in TYPE_FOLDERS:
            if below.isascii():
                if pilot_id_problem(below) is None:  # else the text names the pilot
                    found["pilot_id"] = below
            else:
                found["pilot"] = below
        break
    region = next((name for name in reversed(folders) if name in REGIONS), None)
    if region:
        found["region"] = region
    return found


def _missing(raw: dict[str, Any], key: str) -> bool:
    value = raw.get(key)
    return value is None or (isinstance(value, str) and not value.strip())


def reading_lines(body: ParsedBody) -> list[str]:
    """The document's text in reading order: each heading once (where it is not the
    start of its own paragraph), then the paragraphs."""
    lines: list[str] = []
    previous: tuple[str, ...] = ()
    for section in body.sections:
        first = section.blocks[0] if section.blocks else ""
        for depth, heading in enumerate(section.heading_path):
            opens = previous[: depth + 1] != section.heading_path[: depth + 1]
            repeated_in_text = depth == len(section.heading_path) - 1 and first.startswith(heading)
            if opens and not repeated_in_text:
                lines.append(heading)
        previous = section.heading_path
        for block in section.blocks:
            lines.extend(line for line in block.splitlines() if line.strip())
    return lines


def _infer(raw: dict[str, Any], path: Path, body: ParsedBody) -> dict[str, Inference]:
    """Fill the missing fields of ``raw`` that the text gives; return what was inferred."""
    lines = reading_lines(body)
    text = "\n".join(lines)
    found: dict[str, Inference] = {}

    def take(key: str, inference: Inference | None) -> None:
        if inference is not None and _missing(raw, key):
            raw[key] = inference.value
            found[key] = inference

    if _missing(raw, "title"):
        take("title", infer_title(body.title, lines, path.stem))
    title = str(raw.get("title") or "")
    if _missing(raw, "pilot"):
        take("pilot", infer_pilot(title, path.parent.name, path.stem))
    clues = TextClues(
        title=title,
        file_name=path.stem,
        head=text[:HEAD_CHARS],
        tail=text[-TAIL_CHARS:],
        pilot=str(raw.get("pilot") or ""),
    )
    if _missing(raw, "pilot_type"):
        take("pilot_type", infer_pilot_type(clues))
    if _missing(raw, "region"):
        take("region", infer_region(clues))
    if _missing(raw, "doc_type"):
        take("doc_type", infer_doc_type(clues))
    # Period and date both say when; a declared one is not joined by a guessed other.
    if _missing(raw, "period") and _missing(raw, "date"):
        take("period", infer_period(clues, str(raw.get("doc_type") or "")))
        take("date", infer_date(clues))
    return found


def _as_programme(
    declared: dict[str, Any], raw: dict[str, Any], found: dict[str, Inference], path: Path, body: ParsedBody
) -> tuple[dict[str, Any], dict[str, Inference]]:
    """A document no pilot can be found for, whose title names the programme for a whole
    country, region or city (the founding plan 「宁夏碳达峰试点建设方案」), is the
    programme's: scope and kind inferred, no pilot fields. Otherwise ``raw`` as it was
    (and the missing field is reported)."""
    if any(not _missing(declared, key) for key in ("pilot", "pilot_id", "pilot_type")):
        return raw, found
    title = str(raw.get("title") or "")
    text = "\n".join(reading_lines(body))
    clues = TextClues(title=title, file_name=path.stem, head=text[:HEAD_CHARS], tail=text[-TAIL_CHARS:])
    scoped = infer_scope(clues) if _missing(declared, "scope") else None
    if scoped is None and _missing(declared, "scope"):
        return raw, found
    programme = {key: value for key, value in declared.items()}
    kept: dict[str, Inference] = {key: found[key] for key in ("title", "period", "date") if key in found}
    for key, inference in kept.items():
        programme[key] = inference.value
    if scoped is not None:
        scope, region = scoped
        programme["scope"] = scope.value
        kept["scope"] = scope
        if region and _missing(programme, "region"):
            programme["region"] = region
    if _missing(declared, "doc_type") and programme.get("doc_type") not in POLICY_DOC_TYPES:
        kind = infer_programme_doc_type(clues)
        programme["doc_type"] = kind.value
        kept["doc_type"] = kind
    return programme, kept


def _refuse_missing(raw: dict[str, Any], path: Path) -> None:
    if not _missing(raw, "scope"):  # the programme's document: no pilot fields to ask for
        missing = [key for key in ("title", "doc_type") if _missing(raw, key)]
    else:
        missing = [key for key in REQUIRED if _missing(raw, key)]
    if missing:
        others = f"；另缺 {'、'.join(map(shown_field, missing[1:]))}" if missing[1:] else ""
        raise MetadataError(missing[0], f"无法从文本推断，{sidecar_advice(path.name)}{others}")


def _declared_in_file(body: ParsedBody, sidecar: dict[str, Any], origin: dict[str, str]) -> DocumentMeta:
    """The metadata of a file with front matter: its own values, the fields it lacks from
    a sidecar beside it (an upload's form), the title from its first heading if still
    missing. Nothing is inferred from the text or the folders."""
    raw = dict(body.front_matter or {})
    filled = {key for key, value in sidecar.items() if _missing(raw, key) and key in origin}
    raw.update({key: sidecar[key] for key in filled})
    inferred: tuple[str, ...] = ()
    if _missing(raw, "title") and body.title:
        raw["title"] = body.title
        inferred = ("title",)
    try:
        meta = validate_metadata(raw)
    except MetadataError as error:
        if error.field_name in filled:
            raise MetadataError(error.field_name, error.detail + sidecar_note(origin[error.field_name])) from error
        raise
    return dataclasses.replace(meta, inferred=inferred)


def resolve_metadata(path: Path, body: ParsedBody) -> DocumentMeta:
    """The document's validated metadata from declared values, the folder layout and
    the text, in that order; fields taken from the text are listed in ``inferred`` and
    the evidence for each is kept in ``extra["inference_evidence"]`` (field -> why)."""
    if len(body.title) > MAX_TITLE_CHARS:  # a document property, before inference reads it
        raise MetadataError("title", f"文档属性中的标题{too_long(len(body.title), MAX_TITLE_CHARS)}")
    sidecar = sidecar_of(path)
    declared = read_sidecar(path) or {}
    if sidecar is not None:
        try:
            check_lengths(declared)
        except MetadataError as error:
            raise MetadataError(error.field_name, f"{error.detail}{sidecar_note(sidecar.name)}") from error
    origin = {key: sidecar.name for key in declared if sidecar is not None and not _missing(declared, key)}
    if body.front_matter is not None:
        return _declared_in_file(body, declared, origin)
    raw = dict(declared)
    for key, value in folder_metadata(path).items():
        if _missing(raw, key):
            raw[key] = value
            origin[key] = FOLDER
    found = _infer(raw, path, body)
    if any(_missing(raw, key) for key in REQUIRED):
        raw, found = _as_programme(declared, raw, found, path, body)
    _refuse_missing(raw, path)
    try:
        meta = validate_metadata(raw)
    except MetadataError as error:
        source = origin.get(error.field_name)
        if source and source != FOLDER:
            raise MetadataError(error.field_name, f"{error.detail}{sidecar_note(source)}") from error
        raise
    evidence = {key: inference.evidence for key, inference in found.items()}
    return dataclasses.replace(
        meta,
        inferred=tuple(key for key in INFERABLE if key in found),
        extra={**meta.extra, **({"inference_evidence": evidence} if evidence else {})},
    )


def source_hash(path: Path, raw: bytes) -> str:
    """Hash of what a document is made from: the file's bytes and its sidecar's, so
    that correcting a sidecar re-ingests the document even though the file is unchanged."""
    digest = hashlib.sha256(raw)
    sidecar = sidecar_of(path)
    if sidecar is not None:
        with contextlib.suppress(OSError):  # a sidecar removed meanwhile: hashed as absent
            digest.update(b"\x1fsidecar\x1f" + sidecar.read_bytes())
    return digest.hexdigest()
