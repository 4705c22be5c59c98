"""YAML from files a user hands in (front matter, sidecars), read without aliases.

An alias (``*name``) repeats a node anchored elsewhere; nested aliases multiply, so a
front matter of a few hundred characters can expand to tens of millions (the "billion
laughs"). Metadata never needs them, so an alias is refused where it is met, with the
line, before anything is built from it.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import ComposerError

ALIAS_REFUSED = "不允许使用 YAML 别名（*名称），请直接写出取值"


class _NoAliasLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing alias events (merge keys ``<<: *x`` included)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise ComposerError(None, None, ALIAS_REFUSED, event.start_mark)
        return super().compose_node(parent, index)


def load_yaml(text: str) -> Any:
    """``yaml.safe_load`` without aliases; raises ``yaml.YAMLError`` (with ``problem``
    and ``problem_mark``) like it."""
    return yaml.load(text, Loader=_NoAliasLoader)  # a SafeLoader subclass
