"""Validated document metadata (the YAML front matter schema).

A document without valid metadata is refused as a whole with an error naming the file
and the field, so that the index never holds a chunk whose pilot type or document kind
is a typo nobody can filter on.

Every value is bounded in length before anything else looks at it: the title goes in
front of every chunk's embedding text and a 1,000,000-character one once held the
embedder (and every search waiting on it) for minutes. The limits are far above any
real title or name; a value past one is refused, not cut, so nobody is left wondering
why a document reads differently from its file.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from ingest.domain import (
    DOC_TYPES,
    FIELDS,
    PILOT_TYPES,
    POLICY_DOC_TYPES,
    SCOPES,
    parse_period,
    pilot_id_from_name,
    pilot_id_problem,
    shown_field,
)
from ingest.errors import DocumentError

# Characters a metadata value may take: the title, each heading, every other field, and
# any other front matter or sidecar value as its JSON text.
MAX_TITLE_CHARS = 200
MAX_HEADING_CHARS = 200
MAX_VALUE_CHARS = 100
MAX_EXTRA_CHARS = 2000
_SHOWN_KEY_CHARS = 40


class MetadataError(DocumentError, ValueError):
    """A front matter value is missing or outside the vocabulary."""

    def __init__(self, field_name: str, message: str):
        super().__init__(f"字段 {shown_field(field_name)}：{message}", parameter=field_name)
        self.field_name = field_name
        self.detail = message


@dataclass(frozen=True, kw_only=True)
class DocumentMeta:
    title: str
    pilot: str
    pilot_id: str
    pilot_type: str
    region: str
    doc_type: str
    period: str = ""
    date: str = ""
    year: int = 0
    fields: tuple[str, ...] = ()
    demo: bool = False
    # 国家 / 自治区 / 地市 for a document of the programme (no pilot fields), else "".
    scope: str = ""
    # Fields guessed from the text rather than declared (front matter, sidecar, folder):
    # shown with a mark wherever the metadata is shown.
    inferred: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "pilot": self.pilot,
            "pilot_id": self.pilot_id,
            "pilot_type": self.pilot_type,
            "region": self.region,
            "doc_type": self.doc_type,
            "period": self.period,
            "date": self.date,
            "year": self.year,
            "fields": list(self.fields),
            "demo": self.demo,
            "scope": self.scope,
            "inferred": list(self.inferred),
        }

    @property
    def programme(self) -> bool:
        """Whether the document belongs to the programme rather than to a pilot."""
        return bool(self.scope)


_KNOWN_KEYS = {
    "title",
    "pilot",
    "pilot_id",
    "pilot_type",
    "region",
    "doc_type",
    "period",
    "date",
    "fields",
    "demo",
    "scope",
}
PILOT_KEYS = ("pilot", "pilot_id", "pilot_type")


def _required_text(raw: dict[str, Any], key: str) -> str:
    value = raw.get(key)
    if value is None or not str(value).strip():
        raise MetadataError(key, "缺失或为空")
    return str(value).strip()


def _choice(raw: dict[str, Any], key: str, allowed: tuple[str, ...]) -> str:
    value = _required_text(raw, key)
    if value not in allowed:
        raise MetadataError(key, f"取值“{value}”无效，应为：{'、'.join(allowed)}")
    return value


def _fields(raw: dict[str, Any]) -> tuple[str, ...]:
    value = raw.get("fields") or []
    if isinstance(value, str):
        value = [part for part in value.replace("，", ",").split(",") if part.strip()]
    if not isinstance(value, list):
        raise MetadataError("fields", "应为列表")
    cleaned = tuple(str(item).strip() for item in value)
    unknown = [item for item in cleaned if item not in FIELDS]
    if unknown:
        raise MetadataError("fields", f"未知领域“{'、'.join(unknown)}”，应取自：{'、'.join(FIELDS)}")
    return cleaned


def _period_and_year(raw: dict[str, Any]) -> tuple[str, str, int]:
    period = str(raw.get("period") or "").strip()
    date_value = raw.get("date")
    year = 0
    if period:
        parsed = parse_period(period)
        if parsed is None:
            raise MetadataError("period", f"“{period}”格式无效，应如 2025H1")
        year = parsed[0]
    date_text = ""
    if date_value:
        if isinstance(date_value, dt.date):
            date_text = date_value.isoformat()
        else:
            date_text = str(date_value).strip()
            try:
                dt.date.fromisoformat(date_text)
            except ValueError as error:
                raise MetadataError("date", f"“{date_text}”格式无效，应如 2025-06-30") from error
        year = year or int(date_text[:4])
    return period, date_text, year


def _demo(raw: dict[str, Any]) -> bool:
    demo = raw.get("demo", False)
    if not isinstance(demo, bool):
        raise MetadataError("demo", "应为 true 或 false")
    return demo


def _programme_metadata(raw: dict[str, Any], title: str) -> DocumentMeta:
    """A document of the programme: a scope, a policy kind, and no pilot fields, which
    would contradict the scope (a region-wide plan is no pilot's document)."""
    scope = _choice(raw, "scope", SCOPES)
    for key in PILOT_KEYS:
        if raw.get(key) not in (None, ""):
            raise MetadataError(
                key,
                f"scope 为“{scope}”的文件属于试点工作整体，不属于某个试点，不应填写 {key}"
                "（若是某个试点自己的文件，请删去 scope）",
            )
    region = str(raw.get("region") or "").strip()
    if region and scope != "地市":
        raise MetadataError(
            "region", f"scope 为“{scope}”的文件覆盖全{'国' if scope == '国家' else '区'}，不应填写地区“{region}”"
        )
    doc_type = _choice(raw, "doc_type", POLICY_DOC_TYPES)
    period, date_text, year = _period_and_year(raw)
    return DocumentMeta(
        title=title,
        pilot="",
        pilot_id="",
        pilot_type="",
        region=region,
        doc_type=doc_type,
        period=period,
        date=date_text,
        year=year,
        fields=_fields(raw),
        demo=_demo(raw),
        scope=scope,
        extra={key: value for key, value in raw.items() if key not in _KNOWN_KEYS},
    )


def too_long(length: int, limit: int) -> str:
    return f"过长（{length} 个字符，最多 {limit} 个）"


def value_limit(key: str) -> int:
    """The most characters a value of ``key`` may take (each item, for ``fields``), the one
    limit front matter, sidecars and the upload form's fields (api/uploads.py) all meet."""
    if key == "title":
        return MAX_TITLE_CHARS
    return MAX_VALUE_CHARS if key in _KNOWN_KEYS else MAX_EXTRA_CHARS


def check_lengths(raw: dict[str, Any]) -> None:
    """Refuse a value past its limit (MetadataError naming the key), before any other
    check reads or echoes it."""
    for key, value in raw.items():
        shown = str(key)[:_SHOWN_KEY_CHARS]
        if len(str(key)) > _SHOWN_KEY_CHARS:
            raise MetadataError(shown + "…", f"字段名{too_long(len(str(key)), _SHOWN_KEY_CHARS)}")
        if key in _KNOWN_KEYS:
            limit = value_limit(key)
            items = value if key == "fields" and isinstance(value, list) else [value]
            for item in items:
                if isinstance(item, str | int | float | bool | dt.date) or item is None:
                    if len(str(item)) > limit:
                        raise MetadataError(key, too_long(len(str(item)), limit))
                elif len(_as_text(item)) > limit:
                    raise MetadataError(key, too_long(len(_as_text(item)), limit))
        elif len(_as_text(value)) > value_limit(key):
            raise MetadataError(shown, too_long(len(_as_text(value)), value_limit(key)))


def _as_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def pilot_id_of(raw: dict[str, Any], pilot: str) -> str:
    """The declared pilot_id, else one made from the pilot's name; MetadataError if invalid."""
    declared = str(raw.get("pilot_id") or "").strip()
    value = declared or pilot_id_from_name(pilot)
    problem = pilot_id_problem(value)
    if problem is not None:
        where = f"“{value}”" if declared else f"由试点名称“{pilot}”得到的“{value}”"
        raise MetadataError("pilot_id", f"{where}无效：{problem}")
    return value


def validate_metadata(raw: Any) -> DocumentMeta:
    """Turn parsed front matter into :class:`DocumentMeta`, or raise MetadataError."""
    if not isinstance(raw, dict):
        raise MetadataError("front matter", "应为 YAML 映射（键: 值）")
    check_lengths(raw)
    title = _required_text(raw, "title")
    if raw.get("scope") not in (None, ""):
        return _programme_metadata(raw, title)
    pilot = _required_text(raw, "pilot")
    period, date_text, year = _period_and_year(raw)
    demo = _demo(raw)
    return DocumentMeta(
        title=title,
        pilot=pilot,
        pilot_id=pilot_id_of(raw, pilot),
        pilot_type=_choice(raw, "pilot_type", PILOT_TYPES),
        region=_required_text(raw, "region"),
        doc_type=_choice(raw, "doc_type", DOC_TYPES),
        period=period,
        date=date_text,
        year=year,
        fields=_fields(raw),
        demo=demo,
        extra={key: value for key, value in raw.items() if key not in _KNOWN_KEYS},
    )
