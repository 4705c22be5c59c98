"""What a pilot's token may say about who the pilot is: its name, type and region.

Why: a pilot token writes only its own pilot's documents (its ``pilot_id``), but each
document also carries the pilot's name, type and region, and the pilot list and every
view show them. Unchecked, a token of 清泉园区 uploaded a report with the form's
pilot name 「塞北乳业」 and the pilot list then showed two 塞北乳业 (the probe of issue 13);
a new pilot's report whose text named another pilot took that pilot's name by
inference. So, for a pilot token:

- a value the pilot's stored documents *declare* (not inferred) is fixed: another one
  in the form, the front matter or the text is refused (the DRC's token can change it);
- a value only inferred so far may be declared differently (the pilot correcting a guess);
- the pilot's name may never be one another pilot already has, however it is spelt
  (``_as_compared``); its own registered name is always its own, even where the DRC
  gave another pilot the same one.

The same rule checks the form before the upload is accepted (403) and each file's
metadata as the ingest reads it (the file is refused, the others go on).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from api import messages
from ingest.domain import METADATA_LABELS
from ingest.matching_form import fold

# The pilot's identity as documents declare it.
IDENTITY_FIELDS = ("pilot", "pilot_type", "region")


@dataclass(frozen=True)
class IdentityProblem:
    field_name: str
    detail: str


def _as_compared(value: Any) -> str:
    """A name as the check for another pilot's compares it: what a reader cannot tell
    apart is the same name. Full-width forms, traditional characters (the search's own
    matching form, ingest/matching_form.py), letter case, spaces and invisible format
    characters (zero-width space, soft hyphen…) do not make another name: 「甲 园区」,
    「甲\u200b园区」 and 「ＡＢＣ園區」 are 「甲园区」 and 「abc园区」. A pilot's own fixed
    values are compared as they are: a variant of its name is refused too, naming the
    one registered."""
    text = unicodedata.normalize("NFKC", str(value or ""))
    visible = "".join(char for char in text if not char.isspace() and unicodedata.category(char) != "Cf")
    return fold(visible).casefold()


def _stored(owner: str, pilots: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next((pilot for pilot in pilots if pilot["pilot_id"] == owner), None)


def pilot_details(owner: str, pilots: list[dict[str, Any]]) -> dict[str, str]:
    """The name, type and region of pilot ``owner`` as its stored documents give them
    (none if it has no document yet): what a pilot's upload form is prefilled with."""
    stored = _stored(owner, pilots)
    return {} if stored is None else {key: str(stored.get(key) or "") for key in IDENTITY_FIELDS}


def fixed_fields(owner: str, pilots: list[dict[str, Any]]) -> dict[str, str]:
    """The name, type and region of pilot ``owner`` that its token may not change: those
    its stored documents declare (field -> value)."""
    stored = _stored(owner, pilots)
    if stored is None:
        return {}
    inferred = stored.get("inferred", ())
    return {key: str(stored[key]) for key in IDENTITY_FIELDS if stored.get(key) and key not in inferred}


def identity_problem(owner: str, declared: Mapping[str, Any], pilots: list[dict[str, Any]]) -> IdentityProblem | None:
    """Why ``declared`` (form fields or a document's metadata) may not be stored by the
    token of pilot ``owner``, given the knowledge base's ``pilots()``; None if it may."""
    for key, fixed in fixed_fields(owner, pilots).items():
        value = str(declared.get(key) or "").strip()
        if value and value != fixed:
            label = METADATA_LABELS[key]
            return IdentityProblem(key, messages.PILOT_IDENTITY_FIXED.format(label=label, fixed=fixed, given=value))
    name = str(declared.get("pilot") or "").strip()
    taken = _as_compared(name)
    own = _stored(owner, pilots)
    if own is not None and _as_compared(own["pilot"]) == taken:
        return None  # its own name, even if the DRC gave another pilot the same one
    holder = next((p for p in pilots if p["pilot_id"] != owner and _as_compared(p["pilot"]) == taken), None)
    if name and holder is not None:
        return IdentityProblem("pilot", messages.PILOT_NAME_TAKEN.format(name=name, other=holder["pilot_id"]))
    return None
