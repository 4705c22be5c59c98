"""SQuAD-format data (e.g. CMRC 2018) as TanLu documents and questions."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from ingest.documents import ParsedDocument
from ingest.formats.sections import plain_text_sections
from ingest.metadata import DocumentMeta


@dataclass(frozen=True)
class Question:
    text: str
    doc_id: str
    answers: tuple[str, ...]


def load_squad(path: Path) -> tuple[list[ParsedDocument], list[Question]]:
    """Every paragraph becomes a document; its questions point at it."""
    data = json.loads(path.read_text(encoding="utf-8"))
    documents: list[ParsedDocument] = []
    questions: list[Question] = []
    for article_index, article in enumerate(data["data"]):
        title = article.get("title", "")
        for paragraph_index, paragraph in enumerate(article["paragraphs"]):
            doc_id = str(paragraph.get("id") or f"{article_index}-{paragraph_index}")
            context = paragraph["context"]
            meta = DocumentMeta(title=title, pilot="", pilot_id="bench", pilot_type="", region="", doc_type="")
            documents.append(
                ParsedDocument(
                    doc_id=doc_id,
                    source=f"bench:{path.name}:{doc_id}",
                    meta=meta,
                    sections=plain_text_sections(context),
                    content_hash=hashlib.sha256(context.encode("utf-8")).hexdigest(),
                )
            )
            for qa in paragraph["qas"]:
                answers = tuple(dict.fromkeys(answer["text"] for answer in qa.get("answers", [])))
                questions.append(Question(qa["question"], doc_id, answers))
    return documents, questions
