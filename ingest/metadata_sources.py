"""Where a document's metadata comes from when the file itself may declare none.

In order: the file's own front matter (Markdown), a sidecar ``NAME.meta.yaml`` beside
it (for ``plan.docx``: ``plan.docx.meta.yaml``, or ``plan.meta.yaml``), the folder
layout, and last what the text itself says; fields guessed from the text are listed in
``DocumentMeta.inferred`` so that every view can mark them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ingest.documents import ParsedBody
from ingest.metadata import DocumentMeta, MetadataError, validate_metadata

SIDECAR_SUFFIX = ".meta.yaml"


def sidecar_paths(path: Path) -> tuple[Path, ...]:
    """Candidate sidecar files of ``path``, the most specific first."""
    return (path.with_name(path.name + SIDECAR_SUFFIX), path.with_name(path.stem + SIDECAR_SUFFIX))


def is_sidecar(path: Path) -> bool:
    return path.name.endswith(SIDECAR_SUFFIX)


def read_sidecar(path: Path) -> dict[str, Any] | None:
    """The sidecar mapping of ``path``, None if it has none; MetadataError names a bad one."""
    for candidate in sidecar_paths(path):
        if not candidate.is_file():
            continue
        try:
            data = yaml.safe_load(candidate.read_text(encoding="utf-8-sig"))
        except UnicodeDecodeError as error:
            raise MetadataError(candidate.name, "不是 UTF-8 编码的 YAML") from error
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f"第{mark.line + 1}行" if mark is not None else ""
            raise MetadataError(candidate.name, f"YAML 格式错误{where}：{getattr(error, 'problem', error)}") from error
        if not isinstance(data, dict):
            raise MetadataError(candidate.name, "应为 YAML 映射（键: 值）")
        return data
    return None


def resolve_metadata(path: Path, body: ParsedBody) -> DocumentMeta:
    """The document's validated metadata, from the first source that has it."""
    declared = body.front_matter if body.front_matter is not None else read_sidecar(path)
    if declared is None:
        raise MetadataError(
            "front matter", f"文件未声明元数据：请添加 front matter 或旁注文件 {path.name}{SIDECAR_SUFFIX}"
        )
    raw = dict(declared)
    if not raw.get("title") and body.title:
        raw["title"] = body.title
    return validate_metadata(raw)
