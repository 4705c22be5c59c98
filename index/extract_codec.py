"""Figures and practices to and from JSON, for the catalogue."""

from __future__ import annotations

import json
from dataclasses import asdict

from ingest.extracted import Figure, Practice, PracticeSource


def dump_extracts(figures: list[Figure], practices: list[Practice]) -> tuple[str, str]:
    return (
        json.dumps([asdict(figure) for figure in figures], ensure_ascii=False),
        json.dumps([asdict(practice) for practice in practices], ensure_ascii=False),
    )


def load_figures(text: str) -> list[Figure]:
    return [Figure(**item) for item in json.loads(text or "[]")]


def load_practices(text: str) -> list[Practice]:
    practices = []
    for item in json.loads(text or "[]"):
        item["figures"] = [Figure(**figure) for figure in item.get("figures", [])]
        item["sources"] = [PracticeSource(**source) for source in item.get("sources", [])]
        practices.append(Practice(**item))
    return practices
