"""Chunks -> llama-index TextNodes with stable ids and flat metadata.

A chunk's id is a hash of its document id, heading path and text, so re-ingesting an
unchanged file yields the same ids (nothing to re-embed) and editing one section
changes only that section's ids. Position is not part of the id: inserting a
paragraph does not renumber the rest of the document.
"""

from __future__ import annotations

import hashlib
from collections import Counter

from llama_index.core.schema import TextNode

from ingest.chunking import Chunk, ChunkingOptions, chunk_sections
from ingest.documents import HEADING_SEPARATOR, ParsedDocument
from ingest.domain import FIELDS, field_key
from ingest.matching_form import fold

# Keys every chunk carries; Chroma stores them and filters on them.
FILTER_KEYS = ("pilot_type", "region", "doc_type", "year", "period", "pilot_id")


def chunk_id(doc_id: str, chunk: Chunk, occurrence: int) -> str:
    payload = "\x1f".join([doc_id, HEADING_SEPARATOR.join(chunk.heading_path), chunk.text, str(occurrence)])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def chunk_metadata(document: ParsedDocument, chunk: Chunk) -> dict[str, str | int | float | bool]:
    """Flat metadata (Chroma refuses lists): one 0/1 flag per field of work
    (llama-index metadata filters accept no booleans)."""
    meta = document.meta
    metadata: dict[str, str | int | float | bool] = {
        "doc_id": document.doc_id,
        "title": meta.title,
        "pilot": meta.pilot,
        "pilot_id": meta.pilot_id,
        "pilot_type": meta.pilot_type,
        "region": meta.region,
        "doc_type": meta.doc_type,
        "period": meta.period,
        "date": meta.date,
        "year": meta.year,
        "fields": "、".join(meta.fields),
        "heading_path": HEADING_SEPARATOR.join(chunk.heading_path),
        "demo": meta.demo,
        # The programme's documents (founding plan, notices): the 政策文件 filter option.
        "scope": meta.scope,
        "programme": int(meta.programme),
    }
    for field in FIELDS:
        metadata[field_key(field)] = int(field in meta.fields)
    # Only paged formats carry pages; other chunks keep their metadata (and vectors) as before.
    if chunk.page:
        metadata["page"] = chunk.page
        metadata["page_end"] = chunk.page_end
    # Fields guessed from the text (comma-joined: Chroma holds no lists); only present
    # when there are some, so documents with declared metadata keep their chunks as before.
    if meta.inferred:
        metadata["inferred"] = ",".join(meta.inferred)
    return metadata


def embedding_text(node: TextNode) -> str:
    """What the embedder sees: the document title and heading path give the chunk
    its context (a chunk saying 「年节约标准煤1.2万吨」 is about the section it is in).
    It is in matching form, so a traditional-character document is embedded as the
    simplified questions that look for it are."""
    return chunk_embedding_text(node.text, node.metadata)


def chunk_embedding_text(text: str, metadata: dict) -> str:
    """``embedding_text`` of a stored chunk's text and metadata (no node needed)."""
    context = " ".join(part for part in (metadata.get("title", ""), metadata.get("heading_path", "")) if part)
    return fold(f"{context}\n{text}" if context else text)


def document_nodes(document: ParsedDocument, options: ChunkingOptions) -> list[TextNode]:
    occurrences: Counter[tuple[tuple[str, ...], str]] = Counter()
    nodes = []
    for chunk in chunk_sections(document.sections, options):
        key = (chunk.heading_path, chunk.text)
        node = TextNode(
            id_=chunk_id(document.doc_id, chunk, occurrences[key]),
            text=chunk.text,
            metadata=chunk_metadata(document, chunk),
        )
        occurrences[key] += 1
        nodes.append(node)
    return nodes
