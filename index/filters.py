"""Search filters, applied to both retrievers before fusion (never after top-k).

The same ``SearchFilters`` becomes llama-index ``MetadataFilters`` for the vector store
and a boolean mask over chunk metadata for BM25.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ingest.domain import DOC_TYPES, FIELDS, FILTER_PILOT_TYPES, PROGRAMME_FILTER, field_key, parse_period
from ingest.errors import InputError

if TYPE_CHECKING:
    from llama_index.core.vector_stores import MetadataFilters


class FilterError(InputError, ValueError):
    """A filter value is outside its vocabulary; ``parameter`` names it."""

    def __init__(self, parameter: str, message: str):
        super().__init__(message, parameter=parameter)


@dataclass(frozen=True, kw_only=True)
class SearchFilters:
    pilot_type: str | None = None
    region: str | None = None
    doc_type: str | None = None
    field: str | None = None
    year: int | None = None
    period: str | None = None
    pilot_id: str | None = None
    doc_id: str | None = None
    # Only these documents (chosen beforehand, e.g. by a Dify metadata condition over the
    # catalogue); an empty set matches nothing.
    doc_ids: frozenset[str] | None = None

    @classmethod
    def parse(cls, **values: Any) -> SearchFilters:
        """Validate user input; ``year`` accepts ``2025`` or a period like ``2025H1``."""
        texts = {key: str(value).strip() for key, value in values.items() if value is not None}
        cleaned: dict[str, Any] = {key: value for key, value in texts.items() if value}
        for key, value in cleaned.items():
            if not _is_text(value):  # a lone surrogate from a JSON body: Chroma refuses the where clause (was a 500)
                raise FilterError(key, f"参数 {key} 含有无效字符，应为正常的文本")
        for key, allowed in (("pilot_type", FILTER_PILOT_TYPES), ("doc_type", DOC_TYPES), ("field", FIELDS)):
            if key in cleaned and cleaned[key] not in allowed:
                raise FilterError(key, f"参数 {key} 的取值“{cleaned[key]}”无效，应为：{'、'.join(allowed)}")
        year = cleaned.pop("year", None)
        if year is not None:
            if parse_period(year):
                cleaned["period"] = year
            elif year.isdigit() and len(year) == 4:
                cleaned["year"] = int(year)
            else:
                raise FilterError("year", f"参数 year 的取值“{year}”无效，应为年份（如 2025）或半年度（如 2025H1）")
        if "period" in cleaned and not parse_period(cleaned["period"]):
            raise FilterError("period", f"参数 period 的取值“{cleaned['period']}”无效，应如 2025H1")
        return cls(**cleaned)

    def is_empty(self) -> bool:
        return not any(self.conditions()) and self.doc_ids is None

    def matches_nothing(self) -> bool:
        return self.doc_ids is not None and not self.doc_ids

    def conditions(self) -> dict[str, Any]:
        """Metadata key -> required value."""
        result: dict[str, Any] = {}
        for key in ("pilot_type", "region", "doc_type", "year", "period", "pilot_id", "doc_id"):
            value = getattr(self, key)
            if key == "pilot_type" and value == PROGRAMME_FILTER:
                result["programme"] = 1  # beside the pilot types: the programme's own documents
            elif value is not None:
                result[key] = value
        if self.field is not None:
            result[field_key(self.field)] = 1
        return result

    def to_metadata_filters(self) -> MetadataFilters | None:
        # Imported here: the settings import this module, and llama-index takes ~1 s to
        # load, which every CLI command would pay (only the vector store path needs it).
        from llama_index.core.vector_stores import FilterOperator, MetadataFilter, MetadataFilters

        filters = [
            MetadataFilter(key=key, value=value, operator=FilterOperator.EQ) for key, value in self.conditions().items()
        ]
        if self.doc_ids is not None:
            filters.append(MetadataFilter(key="doc_id", value=sorted(self.doc_ids), operator=FilterOperator.IN))
        return MetadataFilters(filters=list(filters)) if filters else None

    def matches(self, metadata: dict[str, Any]) -> bool:
        if self.doc_ids is not None and metadata.get("doc_id") not in self.doc_ids:
            return False
        return all(metadata.get(key) == value for key, value in self.conditions().items())


def _is_text(value: str) -> bool:
    """Whether ``value`` is real Unicode text (encodable as UTF-8: no lone surrogates)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
