"""The programme's own section on a pilot type, quoted as the answer.

「自治区方案对园区试点有哪些要求？」 is answered by the founding plan's section
「三、建设类型 > （二）园区试点」 as a whole: its five sentences are the requirements,
and picking the two that repeat the question's words would drop the rest (节能诊断
and 循环化改造 are separate sentences). Sentence scoring suits questions about one
fact; a question that names a section of a programme document wants that section.
"""

from __future__ import annotations

from collections.abc import Sequence

from index.answer_model import Answer, AnswerSentence, CitationNumbers, Plan
from index.catalog import ChunkRecord
from index.extractive import messages
from index.question_kind import QuestionKind
from ingest.numbering import without_numbering
from ingest.sentences import split_sentences

# A section is quoted up to this many sentences (the founding plan's type sections hold 4–6).
MAX_SECTION_SENTENCES = 6


def section_heading(heading_path: str) -> str:
    return heading_path.split(" > ")[-1] if heading_path else ""


def named_section(records: Sequence[ChunkRecord], name: str) -> list[ChunkRecord]:
    """The chunks, in document order, of the section whose own heading names ``name``
    (「（二）园区试点」 for 园区试点); the first such section of each document."""
    found: list[ChunkRecord] = []
    heading = None
    for record in records:
        path = str(record.metadata.get("heading_path", ""))
        if heading is None and name in section_heading(path):
            heading = path
        if heading is not None and path == heading:
            found.append(record)
    return found


def section_answer(question: str, kind: QuestionKind, chunks: Sequence[ChunkRecord], label: str) -> Answer | None:
    """The section's sentences (its heading line left out), each citing its chunk,
    grouped under ``label`` (the document's title); None when the section says nothing."""
    citations = CitationNumbers()
    sentences: list[AnswerSentence] = []
    heading = section_heading(str(chunks[0].metadata.get("heading_path", ""))) if chunks else ""
    for record in chunks:
        number = citations.number(record)
        for sentence in split_sentences(record.text):
            text = without_numbering(sentence).strip()
            if not text or text.rstrip("。：:") in (heading, without_numbering(heading)):
                continue
            sentences.append(AnswerSentence(text, (number,), 1.0))
    sentences = sentences[:MAX_SECTION_SENTENCES]
    if not sentences:
        return None
    return Answer(
        question,
        kind,
        found=True,
        plan=Plan.FACT,
        groups={label: sentences},
        citations=citations.citations,
        note=messages()["found_section"].format(section=without_numbering(heading).rstrip("。")),
    )
