"""The choices of a 汇编, checked once for the HTTP API, the CLI and MCP.

Each caller names its own parameters (``pilot_types`` in JSON, ``--type`` on the command
line), so the refusal it shows points at what the user actually typed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence

from api import messages
from api.compile.outline import CompileRequest
from ingest.domain import FIELDS, PILOT_TYPES, parse_period
from ingest.errors import InputError

DEFAULT_TITLE = CompileRequest().title
# Characters XML 1.0 cannot hold (tab, LF and CR it can), and lone surrogates: python-docx
# refuses them in a Word file (was a 500).
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_API_NAMES = {
    "pilot_types": "pilot_types",
    "fields": "fields",
    "periods": "periods",
    "title": "title",
    "issuer": "issuer",
    "field_order": "field_order",
}


def compile_request(
    *,
    pilot_types: Sequence[str] = (),
    fields: Sequence[str] = (),
    periods: Sequence[str] = (),
    title: str = DEFAULT_TITLE,
    issuer: str = "",
    date: dt.date | None = None,
    include_routine: bool = False,
    practice_ids: Sequence[str] = (),
    exclude_ids: Sequence[str] = (),
    field_order: Sequence[str] = (),
    names: Mapping[str, str] = _API_NAMES,
) -> CompileRequest:
    """A checked request; ``names`` maps each choice to the name its caller uses for it."""
    for text, key in ((title, "title"), (issuer, "issuer")):
        if _NOT_IN_XML.search(text):
            name = names.get(key, key)
            raise InputError(messages.CONTROL_CHARACTERS.format(name=name), parameter=name)
    checked = (
        (pilot_types, PILOT_TYPES, "pilot_types"),
        (fields, FIELDS, "fields"),
        (field_order, FIELDS, "field_order"),
    )
    for values, allowed, key in checked:
        unknown = [value for value in values if value not in allowed]
        if unknown:
            name = names.get(key, key)
            message = messages.NOT_ALLOWED_VALUES.format(
                name=name, values="、".join(unknown), allowed="、".join(allowed)
            )
            raise InputError(message, parameter=name)
    for period in periods:
        if not (parse_period(period) or (period.isdigit() and len(period) == 4)):
            message = messages.INVALID_PARAMETER.format(name=names["periods"], reason=period)
            raise InputError(message, parameter=names["periods"])
    return CompileRequest(
        pilot_types=tuple(pilot_types),
        fields=tuple(fields),
        periods=tuple(periods),
        title=title,
        issuer=issuer.strip(),
        date=date,
        include_routine=include_routine,
        practice_ids=tuple(practice_ids),
        exclude_ids=tuple(exclude_ids),
        field_order=tuple(dict.fromkeys(field_order)),
    )
