"""The choices of a 汇编, checked once for the HTTP API, the CLI and MCP.

Each caller names its own parameters (``pilot_types`` in JSON, ``--type`` on the command
line), so the refusal it shows points at what the user actually typed.
"""

from __future__ import annotations

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
_API_NAMES = {"pilot_types": "pilot_types", "fields": "fields", "periods": "periods", "title": "title"}


def compile_request(
    *,
    pilot_types: Sequence[str] = (),
    fields: Sequence[str] = (),
    periods: Sequence[str] = (),
    title: str = DEFAULT_TITLE,
    names: Mapping[str, str] = _API_NAMES,
) -> CompileRequest:
    """A checked request; ``names`` maps each choice to the name its caller uses for it."""
    if _NOT_IN_XML.search(title):
        raise InputError(messages.CONTROL_CHARACTERS.format(name=names["title"]), parameter=names["title"])
    for values, allowed, key in ((pilot_types, PILOT_TYPES, "pilot_types"), (fields, FIELDS, "fields")):
        unknown = [value for value in values if value not in allowed]
        if unknown:
            message = messages.NOT_ALLOWED_VALUES.format(
                name=names[key], values="、".join(unknown), allowed="、".join(allowed)
            )
            raise InputError(message, parameter=names[key])
    for period in periods:
        if not (parse_period(period) or (period.isdigit() and len(period) == 4)):
            message = messages.INVALID_PARAMETER.format(name=names["periods"], reason=period)
            raise InputError(message, parameter=names["periods"])
    return CompileRequest(pilot_types=tuple(pilot_types), fields=tuple(fields), periods=tuple(periods), title=title)
