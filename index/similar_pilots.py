"""Pilots like a given pilot, or like a free-text profile, with the reasons shown.

Not one embedding distance: the score adds up evidence an official can check, and every
part of it is returned as a reason: similar practices (cosine of practice vectors, each
the mean of its source chunks' vectors), shared fields of work, the same pilot type,
the same region. Practice vectors come from the embedding cache filled at ingest, so
no model runs here except for a free-text profile's one query embedding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

from ingest.domain import FIELDS, REGIONS
from ingest.extracted import Practice

WEIGHTS = {"practices": 0.5, "fields": 0.25, "type": 0.15, "region": 0.10}
CUES_FILE = Path(__file__).with_name("data") / "pilot_type_cues.txt"


@dataclass
class PracticeMatch:
    similarity: float
    practice_id: str
    practice_title: str
    other_practice_id: str
    other_practice_title: str
    doc_ids: list[str]


@dataclass
class SimilarPilot:
    pilot_id: str
    pilot: str
    pilot_type: str
    region: str
    score: float
    reasons: list[str] = field(default_factory=list)
    shared_fields: list[str] = field(default_factory=list)
    practice_matches: list[PracticeMatch] = field(default_factory=list)


@cache
def type_cues() -> list[tuple[str, str]]:
    cues: list[tuple[str, str]] = []
    for line in CUES_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            pilot_type, words = line.split(":", 1)
            cues.extend((word, pilot_type.strip()) for word in words.split())
    return sorted(cues, key=lambda cue: len(cue[0]), reverse=True)


def detect_profile(text: str) -> tuple[str | None, str | None, list[str]]:
    """Pilot type, region and fields named in a free-text profile (None when absent)."""
    pilot_type = next((t for word, t in type_cues() if word in text), None)
    region = next(
        (r for r in REGIONS if r in text or r.removesuffix("市") in text or (r.startswith("宁东") and "宁东" in text)),
        None,
    )
    fields = [f for f in FIELDS if f in text]
    return pilot_type, region, fields


def _unit(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


class PilotSimilarity:
    def __init__(self, pilots: list[dict], practices: list[Practice], practice_vectors: dict[str, np.ndarray]):
        self.pilots = {pilot["pilot_id"]: pilot for pilot in pilots}
        self.practices_of: dict[str, list[Practice]] = {}
        for practice in practices:
            if practice.practice_id in practice_vectors:
                self.practices_of.setdefault(practice.pilot_id, []).append(practice)
        self.vectors = {
            pilot_id: _unit(np.stack([practice_vectors[p.practice_id] for p in items]))
            for pilot_id, items in self.practices_of.items()
        }

    def _practice_matches(
        self, own: np.ndarray, own_practices: list[Practice] | None, other_id: str
    ) -> list[PracticeMatch]:
        if other_id not in self.vectors or own.size == 0:
            return []
        sims = own @ self.vectors[other_id].T
        matches = []
        for row in range(sims.shape[0]):
            column = int(np.argmax(sims[row]))
            other = self.practices_of[other_id][column]
            mine = own_practices[row] if own_practices else None
            matches.append(
                PracticeMatch(
                    similarity=round(float(sims[row, column]), 4),
                    practice_id=mine.practice_id if mine else "",
                    practice_title=mine.title if mine else "",
                    other_practice_id=other.practice_id,
                    other_practice_title=other.title,
                    doc_ids=sorted({source.doc_id for source in other.sources}),
                )
            )
        matches.sort(key=lambda match: match.similarity, reverse=True)
        return matches[:3]

    def _rank(
        self, own: np.ndarray, own_practices, pilot_type, region, fields: set[str], exclude: str | None, limit: int
    ) -> list[SimilarPilot]:
        candidates = [(pilot_id, pilot) for pilot_id, pilot in self.pilots.items() if pilot_id != exclude]
        matches_of = {pilot_id: self._practice_matches(own, own_practices, pilot_id) for pilot_id, _ in candidates}
        raw = {pid: float(np.mean([m.similarity for m in ms])) if ms else 0.0 for pid, ms in matches_of.items()}
        # Embedding cosines bunch in a narrow band (e5: ~0.85-0.98); rescale across the
        # candidates so that "most similar practices" weighs what its weight says.
        low, high = min(raw.values(), default=0.0), max(raw.values(), default=0.0)
        results = []
        for pilot_id, pilot in candidates:
            matches = matches_of[pilot_id]
            practice_score = (raw[pilot_id] - low) / (high - low) if high > low else float(bool(matches))
            shared = sorted(fields & set(pilot["fields"]), key=FIELDS.index)
            union = fields | set(pilot["fields"])
            field_score = len(shared) / len(union) if union else 0.0
            same_type = pilot_type is not None and pilot["pilot_type"] == pilot_type
            same_region = region is not None and pilot["region"] == region
            score = (
                WEIGHTS["practices"] * practice_score
                + WEIGHTS["fields"] * field_score
                + WEIGHTS["type"] * same_type
                + WEIGHTS["region"] * same_region
            )
            reasons = []
            if same_type:
                reasons.append(f"同为{pilot_type}类试点")
            if same_region:
                reasons.append(f"同在{region}")
            if shared:
                reasons.append("共同领域：" + "、".join(shared))
            for match in matches[:2]:
                own_title = f"「{match.practice_title}」与" if match.practice_title else ""
                reasons.append(
                    f"相似做法：{own_title}「{match.other_practice_title}」（相似度 {match.similarity:.2f}）"
                )
            results.append(
                SimilarPilot(
                    pilot_id,
                    pilot["pilot"],
                    pilot["pilot_type"],
                    pilot["region"],
                    round(score, 4),
                    reasons,
                    shared,
                    matches,
                )
            )
        results.sort(key=lambda item: item.score, reverse=True)
        return results[:limit]

    def similar_to_pilot(self, pilot_id: str, limit: int = 5) -> list[SimilarPilot]:
        pilot = self.pilots[pilot_id]
        own = self.vectors.get(pilot_id, np.zeros((0, 1)))
        return self._rank(
            own,
            self.practices_of.get(pilot_id),
            pilot["pilot_type"],
            pilot["region"],
            set(pilot["fields"]),
            pilot_id,
            limit,
        )

    def similar_to_profile(self, profile: str, profile_vector: np.ndarray, limit: int = 5) -> list[SimilarPilot]:
        pilot_type, region, fields = detect_profile(profile)
        own = _unit(np.asarray(profile_vector, dtype=np.float32).reshape(1, -1))
        return self._rank(own, None, pilot_type, region, set(fields), None, limit)
