"""Dify's ``metadata_condition`` -> the documents it selects, for a pre-fusion filter.

Every metadata field Dify can name here is a document's (pilot, type, region, kind,
period, date, fields …), so a condition is evaluated once per document of the
catalogue, with Dify's and/or, and the search is then confined to the documents that
pass (``SearchFilters.doc_ids``) before BM25 and the vector store take their top-k.
That supports every operator Dify sends, ``or`` across fields included, with exact
results; an operator that means nothing for a field (``>`` on a pilot type) or a field
TanLu does not have is refused with a message saying what is available.

Times (``before``/``after``, and ``>``/``<`` on date, period or year) compare dates: a
document's date, else the last day of its period (2025H1 -> 2025-06-30), else the
last day of its year. A value may be 2025-06-30, 2025H1, 2025 or a Unix timestamp
(Dify's time metadata).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field

from api import messages
from ingest.domain import parse_period
from ingest.errors import InputError

Value = str | int | float | bool | list[str] | None


class Condition(BaseModel):
    name: str | list[str] = Field(
        description="元数据字段名，如 pilot_type、region、period、date、fields；为列表时任一字段满足即可"
    )
    comparison_operator: str = Field(description="比较运算符，如 is、in、contains、before、≥")
    value: Value = Field(None, description="取值；in / not in 为列表；empty / not empty 不需要")


class MetadataCondition(BaseModel):
    logical_operator: Literal["and", "or"] = "and"
    conditions: list[Condition] = Field(default_factory=list)


TEXT = ("title", "pilot", "pilot_id", "pilot_type", "region", "doc_type", "doc_id")
TIME = ("date", "period", "year")
NAMES = (*TEXT, *TIME, "fields", "demo")

_TEXT_OPS = ("is", "is not", "=", "≠", "in", "not in", "contains", "not contains", "start with", "end with")
_PRESENCE = ("empty", "not empty")
# Dify's API description also names these two; they mean the same here.
_ALIASES = {"null": "empty", "not null": "not empty"}
_ORDER = (">", "<", "≥", "≤", "before", "after")
OPERATORS = (*_TEXT_OPS, *_PRESENCE, *_ORDER)
_ALLOWED = {
    **{name: (*_TEXT_OPS, *_PRESENCE) for name in TEXT},
    **{name: (*_TEXT_OPS, *_PRESENCE, *_ORDER) for name in TIME},
    "fields": ("contains", "not contains", "is", "is not", "=", "≠", "in", "not in", *_PRESENCE),
    "demo": ("is", "is not", "=", "≠"),
}

Predicate = Callable[[dict[str, Any]], bool]


def selected_documents(condition: MetadataCondition, documents: Sequence[tuple[str, dict[str, Any]]]) -> frozenset[str]:
    """The ids of the documents (id, metadata) that satisfy ``condition``."""
    tests = [_predicate(item) for item in condition.conditions]
    combine = all if condition.logical_operator == "and" else any
    return frozenset(doc_id for doc_id, meta in documents if combine(test(meta) for test in tests))


def _predicate(condition: Condition) -> Predicate:
    operator = condition.comparison_operator.strip()
    operator = _ALIASES.get(operator, operator)
    names = condition.name if isinstance(condition.name, list) else [condition.name]
    tests = [_one_predicate(name.strip(), operator, condition.value) for name in names]
    return lambda meta: any(test(meta) for test in tests)


def _one_predicate(name: str, operator: str, value: Value) -> Predicate:
    if name not in NAMES:
        raise InputError(messages.DIFY_UNKNOWN_METADATA.format(name=name, allowed="、".join(NAMES)), parameter=name)
    if operator not in OPERATORS:
        allowed = "、".join(OPERATORS)
        raise InputError(messages.DIFY_UNKNOWN_OPERATOR.format(operator=operator, allowed=allowed), parameter=name)
    if operator not in _ALLOWED[name]:
        allowed = "、".join(_ALLOWED[name])
        raise InputError(
            messages.DIFY_OPERATOR_NOT_FOR_FIELD.format(name=name, operator=operator, allowed=allowed), parameter=name
        )
    if operator in _PRESENCE:
        return lambda meta: _is_empty(meta.get(name)) == (operator == "empty")
    if value is None or value == "" or value == []:
        raise InputError(messages.DIFY_VALUE_NEEDED.format(name=name, operator=operator), parameter=name)
    if operator in _ORDER:
        return _order(name, operator, value)
    if name == "fields":
        return _fields(operator, value)
    return _text(name, operator, value)


def _is_empty(value: Any) -> bool:
    return value in (None, "", 0, []) and value is not False


def _values(value: Value) -> list[str]:
    """A list for in / not in: Dify sends a list; a comma-separated string is taken too."""
    items = value if isinstance(value, list) else str(value).replace("，", ",").split(",")
    return [str(item).strip() for item in items if str(item).strip()]


def _text(name: str, operator: str, value: Value) -> Predicate:
    def text(meta: dict[str, Any]) -> str:
        found = meta.get(name)
        return str(found).lower() if isinstance(found, bool) else str(found if found is not None else "")

    wanted = str(value).strip().lower() if isinstance(value, bool) else str(value).strip()
    if operator in ("is", "="):
        return lambda meta: text(meta) == wanted
    if operator in ("is not", "≠"):
        return lambda meta: text(meta) != wanted
    if operator in ("in", "not in"):
        choices = set(_values(value))
        return lambda meta: (text(meta) in choices) == (operator == "in")
    if operator in ("contains", "not contains"):
        return lambda meta: (wanted in text(meta)) == (operator == "contains")
    if operator == "start with":
        return lambda meta: text(meta).startswith(wanted)
    return lambda meta: text(meta).endswith(wanted)


def _fields(operator: str, value: Value) -> Predicate:
    """``fields`` is a list: contains / is mean "among the document's fields"."""
    choices = set(_values(value))
    if operator in ("contains", "is", "=", "in"):
        return lambda meta: bool(choices & set(meta.get("fields") or ()))
    return lambda meta: not choices & set(meta.get("fields") or ())


def _order(name: str, operator: str, value: Value) -> Predicate:
    if name == "year" and operator not in ("before", "after"):
        number = _number(name, operator, value)
        compare = _COMPARE[operator]
        return lambda meta: bool(meta.get("year")) and compare(float(meta["year"]), number)
    bound = _as_date(value)
    if bound is None:
        raise InputError(messages.DIFY_BAD_TIME.format(name=name, operator=operator, value=value), parameter=name)
    compare = _COMPARE[operator]
    return lambda meta: (day := document_day(meta)) is not None and compare(day, bound)


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    ">": lambda a, b: a > b,
    "after": lambda a, b: a > b,
    "<": lambda a, b: a < b,
    "before": lambda a, b: a < b,
    "≥": lambda a, b: a >= b,
    "≤": lambda a, b: a <= b,
}


def _number(name: str, operator: str, value: Value) -> float:
    try:
        return float(str(value).strip())
    except ValueError:
        raise InputError(
            messages.DIFY_BAD_NUMBER.format(name=name, operator=operator, value=value), parameter=name
        ) from None


def _as_date(value: Value) -> dt.date | None:
    """2025-06-30, 2025H1 (its last day), 2025 (its last day) or a Unix timestamp in seconds."""
    if value is None or isinstance(value, bool | list):
        return None
    if isinstance(value, int | float):
        return _from_timestamp(float(value))
    text = value.strip()
    period = parse_period(text)
    if period is not None:
        return _period_end(*period)
    if text.isdigit() and len(text) == 4:
        return dt.date(int(text), 12, 31)
    if text.replace(".", "", 1).isdigit():
        return _from_timestamp(float(text))
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def _from_timestamp(seconds: float) -> dt.date | None:
    try:
        return dt.datetime.fromtimestamp(seconds, dt.UTC).date()
    except (OverflowError, OSError, ValueError):
        return None


def _period_end(year: int, half: int) -> dt.date:
    return dt.date(year, 6, 30) if half == 1 else dt.date(year, 12, 31)


def document_day(meta: dict[str, Any]) -> dt.date | None:
    """The day a document stands for: its date, else the end of its period, else of its year."""
    if meta.get("date"):
        try:
            return dt.date.fromisoformat(str(meta["date"])[:10])
        except ValueError:
            pass
    period = parse_period(str(meta.get("period") or ""))
    if period is not None:
        return _period_end(*period)
    year = meta.get("year")
    return dt.date(int(year), 12, 31) if year else None
