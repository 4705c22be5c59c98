"""The catalogue views' JSON is kept per catalogue and within its size (api/view_cache.py).

Across processes, a write showing in the kept views is tested with real servers in
tests/api/test_live_index.py; here the rules of keeping."""

from __future__ import annotations

import json

from api.view_cache import ViewCache


class Catalogue:
    """Stands for a generation's practice catalogue: only its identity matters."""


def test_a_view_is_built_once_per_catalogue_and_again_for_the_next_one():
    views, built = ViewCache(), []

    def build(label: str):
        built.append(label)
        return {"label": label}

    first = Catalogue()
    bodies = [views.response(first, ("pilots",), dict, lambda: build("first")).body for _ in range(3)]
    assert built == ["first"] and {json.loads(body)["label"] for body in bodies} == {"first"}
    second = Catalogue()
    assert json.loads(views.response(second, ("pilots",), dict, lambda: build("second")).body) == {"label": "second"}
    assert built == ["first", "second"]
    # The old catalogue's views went with it: asked under it again, the view is built anew.
    views.response(first, ("pilots",), dict, lambda: build("first again"))
    assert built[-1] == "first again"


def test_the_least_recently_used_views_go_first_and_an_oversized_one_is_never_kept():
    views, built = ViewCache(max_bytes=100), []
    catalogue = Catalogue()

    def ask(key: str, size: int) -> None:
        views.response(catalogue, key, str, lambda: built.append(key) or "x" * size)

    ask("a", 30)
    ask("b", 30)
    ask("a", 30)  # kept: a is now the most recently used
    ask("c", 30)  # 3 x 32 bytes with the quotes: all three fit
    ask("d", 30)  # over 100 bytes: b, the least recently used, goes
    ask("a", 30)
    ask("b", 30)
    assert built == ["a", "b", "c", "d", "b"]
    ask("big", 200)
    ask("big", 200)
    assert built[-2:] == ["big", "big"]
