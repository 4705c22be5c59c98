"""Synthetic corpora of a chosen size, in chunks, for the scale and memory benchmarks.

Why: the demo corpus holds ~1,500 chunks; a DRC running TanLu for years holds far more.
bench/latency.py's synthetic corpus copies the demo texts, so its vectors repeat and
the vector index never meets 100k distinct points. Here every paragraph is new: built
from sentences of the demo corpus picked at random, with their figures redrawn, so the
words and the embeddings look like real reports while no two chunks are equal.

Documents are fictional (``demo: true``, pilot ids ``synthetic-NNNN``), ~100 chunks
each, and the corpus of N chunks is the first documents of any larger one with the
same seed: the embedding cache of the 100k corpus serves the 1k and 10k ones.

    python -m bench.synthetic_corpus --chunks 100000 --out /tmp/synthetic-100k
"""

from __future__ import annotations

import argparse
import random
import re
from pathlib import Path

from ingest.domain import FIELDS, REGIONS

REPO_ROOT = Path(__file__).resolve().parents[1]
DEMO_CORPUS = REPO_ROOT / "corpus"
SEED = 20261206
SECTIONS_PER_DOCUMENT = 40
PARAGRAPHS_PER_SECTION = 2
# A paragraph of ~220 characters fills about one chunk (ingest/chunking.py: 250 with
# overlap), so a document makes ~100 chunks; measured by ``count_chunks`` below.
PARAGRAPH_CHARS = 220
PILOT_TYPES = (("城市", "city"), ("园区", "park"), ("企业", "enterprise"), ("社区", "community"), ("乡村", "village"))
PERIODS = ("2024H2", "2025H1", "2025H2", "2026H1")
HEADINGS = ("主要工作进展", "存在问题", "下一步工作计划", "重点项目", "能源结构调整", "节能改造", "政策保障", "成效")


def demo_sentences(corpus: Path = DEMO_CORPUS) -> list[str]:
    """Body sentences of the demo corpus (front matter and headings left out)."""
    sentences: list[str] = []
    for path in sorted(corpus.glob("*/*.md")):
        text = path.read_text(encoding="utf-8")
        body = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.DOTALL)
        for line in body.splitlines():
            line = line.strip()
            if not line or line.startswith(("#", "|")) or len(line) < 20:
                continue
            sentences.extend(part + "。" for part in re.split(r"[。；]", line) if len(part) >= 12)
    return sentences


def _redraw_figures(sentence: str, rng: random.Random) -> str:
    """Every figure drawn anew, digit by digit; years (``2025年``) stay as written."""

    def redraw(match: re.Match[str]) -> str:
        if match.group(1):
            return match.group(0)
        return re.sub(r"\d", lambda _: str(rng.randrange(10)), match.group(0))

    return re.sub(r"(20\d\d(?=年))|\d+", redraw, sentence)


def paragraph(sentences: list[str], rng: random.Random) -> str:
    parts: list[str] = []
    while sum(len(part) for part in parts) < PARAGRAPH_CHARS:
        parts.append(_redraw_figures(rng.choice(sentences), rng))
    return "".join(parts)[: PARAGRAPH_CHARS + 40]


def document(
    number: int, sentences: list[str], rng: random.Random, sections: int = SECTIONS_PER_DOCUMENT
) -> tuple[str, str]:
    """(pilot_id, Markdown text) of synthetic document ``number``."""
    pilot_type, prefix = rng.choice(PILOT_TYPES)
    region = rng.choice(REGIONS)
    period = rng.choice(PERIODS)
    pilot_id = f"synthetic-{prefix}-{number:05d}"
    pilot = f"合成试点{number:05d}{pilot_type}"
    title = f"{pilot}碳达峰试点{period}工作进展报告（合成）"
    fields = rng.sample(FIELDS, 3)
    lines = [
        "---",
        f"title: {title}",
        f"pilot: {pilot}",
        f"pilot_id: {pilot_id}",
        f"pilot_type: {pilot_type}",
        f"region: {region}",
        "doc_type: 进展报告",
        f"period: {period}",
        f"fields: [{', '.join(fields)}]",
        "demo: true",
        "---",
        "",
        f"# {title}",
        "",
    ]
    for section in range(1, sections + 1):
        lines += [f"## {section}. {rng.choice(HEADINGS)}（{rng.choice(fields)}）", ""]
        for _ in range(PARAGRAPHS_PER_SECTION):
            lines += [paragraph(sentences, rng), ""]
    return pilot_id, "\n".join(lines)


def write_corpus(out: Path, documents: int, seed: int = SEED) -> list[Path]:
    """Write ``documents`` synthetic documents under ``out`` (one folder per pilot)."""
    sentences = demo_sentences()
    paths = []
    for number in range(1, documents + 1):
        # One generator per document: document n is the same in every corpus size.
        rng = random.Random(seed * 100003 + number)
        pilot_id, text = document(number, sentences, rng)
        path = out / pilot_id / "report.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def count_chunks(folder: Path) -> int:
    """Chunks the folder makes with the default chunking (the ingest's own code)."""
    from ingest.chunking import ChunkingOptions, chunk_sections
    from ingest.loader import load_documents

    loaded = load_documents([folder])
    return sum(len(chunk_sections(doc.sections, ChunkingOptions())) for doc in loaded.documents)


def chunks_per_document() -> float:
    """Measured on a few documents (the ratio is stable: sections and paragraphs are fixed)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="tanlu-synthetic-") as folder:
        write_corpus(Path(folder), 5)
        return count_chunks(Path(folder)) / 5


def documents_for(chunks: int, per_document: float) -> int:
    return max(1, round(chunks / per_document))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks", type=int, required=True, help="target size in chunks")
    parser.add_argument("--out", type=Path, required=True, help="folder to write the documents into")
    args = parser.parse_args(argv)
    per_document = chunks_per_document()
    count = documents_for(args.chunks, per_document)
    write_corpus(args.out, count)
    print(f"{count} documents (~{per_document:.0f} chunks each) in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
