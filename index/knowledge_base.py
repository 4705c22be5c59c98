"""The knowledge base: one object that ingests, searches and lists what it holds.

It owns the catalogue, the embedding cache, the embedder, the vector store and the
BM25 index, and swaps in a fresh retriever after each ingest, so searches keep
running (against the previous state) while an ingest is in progress.

Several processes may open one data folder (a ``tanlu ingest`` beside ``tanlu serve``,
two servers). Writers take turns through ``ingest.lock`` (index/ingest_lock.py);
``refresh`` brings a reader up to what another process committed: the catalogue's
``generation`` and ``vectors`` state keys change with every write, and when they
differ from those the retriever was built from, the chunk table, BM25 index and
Chroma view are loaded anew (the server calls it four times a second).
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from llama_index.core.llms import LLM

from index.answer_model import Answer, Correction
from index.answering import Answerer, EvidenceThresholds
from index.bm25_index import Bm25Index, remove_leftovers
from index.catalog import CATALOG_FILE, Catalog, ChunkRecord, DocumentRecord
from index.chunk_table import ChunkTable
from index.chunk_vectors import ChunkVectors
from index.config import ANSWER_TOP_K, DEFAULT_TOP_K, IndexConfig, SearchMode
from index.diversity import POOL_FACTOR, diversify
from index.embedders import embedder_key, make_embedder, query_vector
from index.embedding_cache import EmbeddingCache
from index.extractive import messages
from index.figure_check import CheckReport, check_figures
from index.figure_series import Series
from index.filters import SearchFilters
from index.fusion import unit_score
from index.generative import generate_answer
from index.homophones import HomophoneIndex
from index.hybrid import HybridRetriever, ScoredChunk
from index.ingest_lock import IngestLock
from index.insights import Insights
from index.memory import release_memory
from index.practice_catalog import PracticeCatalog
from index.programme_answers import named_section, section_answer
from index.programme_questions import asks_the_programme, without_programme_words
from index.progress import ProgrammeProgress
from index.question_kind import classify
from index.question_scope import named_pilot_type, question_scope
from index.question_terms import TermStats
from index.similar_pilots import SimilarPilot
from index.sync import VECTORS_STATE, Ingestor, IngestReport, Progress
from index.vector_store import collection_name, open_client, open_vector_store, reopen_client
from ingest.documents import ParsedDocument
from ingest.domain import PROGRAMME_FILTER
from ingest.extracted import Figure, Practice
from ingest.loader import LoadResult
from ingest.matching_form import fold
from ingest.tokenizer import Tokenizer, configure_jieba

# The pilot-level fields a document's metadata may have inferred rather than declared.
PILOT_KEYS = ("pilot", "pilot_type", "region")
# Catalogue state keys that change with every write, whichever process makes it.
WRITE_MARKS = ("generation", VECTORS_STATE)
BM25_STAGE = "重建BM25索引"
# How long a reader waits for another process's writer to finish before it loads the
# committed catalogue without it (BM25 built in memory; the Chroma view reopened again
# once the writer's ``vectors`` mark follows).
REFRESH_PATIENCE = 3.0
# Stage shown while another process holds ingest.lock.
WAITING_STAGE = "等待其他进程的导入完成"


class KnowledgeBase:
    def __init__(self, config: IndexConfig) -> None:
        self.config = config
        data_dir = config.data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        configure_jieba(data_dir / "cache" / "jieba")
        self.catalog = Catalog(data_dir / CATALOG_FILE)
        self.cache = EmbeddingCache(data_dir / "embeddings.sqlite")
        self.embedder = make_embedder(config.embedder)
        self.embedder_key = embedder_key(config.embedder)
        self.chroma_client = open_client(config.chroma, data_dir)
        self.collection_name = collection_name(config.chroma, self.embedder_key)
        self.vector_store = open_vector_store(
            self.chroma_client, self.collection_name, rebuild_unreadable=config.chroma.mode == "embedded"
        )
        self.tokenizer = Tokenizer(config.tokenizer_scheme)
        self._lock = IngestLock(data_dir)
        self._insights_lock = threading.Lock()
        self._insights: tuple[str, Insights] | None = None
        self._homophones: tuple[HybridRetriever, HomophoneIndex] | None = None
        self.answer_thresholds = EvidenceThresholds()
        self._loaded: tuple[str, ...] = ()  # the write marks the retriever was built from
        self._stale_since: float | None = None
        self._vectors: ChunkVectors | None = None  # the last retriever's, reused by the next
        with self._lock.attempt() as free:
            if free:  # no other process is writing: finish what a killed one left
                self._finish_interrupted_ingest()
            self.retriever = self._load_retriever(save=free)
        # Opening reads every chunk (catalogue rows, BM25, vectors, the readability
        # check): ~195 MB of it is free again at 100k chunks and goes back to the system.
        release_memory()

    # -- other processes' writes ---------------------------------------------------
    def _write_marks(self) -> tuple[str, ...]:
        return tuple(self.catalog.get_state(key) for key in WRITE_MARKS)

    def refresh(self, patience: float = REFRESH_PATIENCE) -> bool:
        """Load what another process wrote since the retriever was built; True if it did.

        Cheap when nothing changed (one SQLite read). While another process holds the
        ingest lock the current state is kept, up to ``patience`` seconds after the
        first change is seen: a writer commits the catalogue near its end, and its
        vectors and BM25 follow within moments.
        """
        if self._lock.wanted_here:
            return False  # this process's own write reloads when it ends
        marks = self._write_marks()
        if marks == self._loaded:
            self._stale_since = None
            return False
        now = time.monotonic()
        self._stale_since = self._stale_since or now
        with self._lock.attempt() as free:
            if self._lock.wanted_here or (not free and now - self._stale_since < patience):
                return False
            self._reopen_vectors()
            if free:
                self._finish_interrupted_ingest()
            retriever = self._load_retriever(save=free)
        self._homophone_index(retriever)  # built before searches see the new state, not by the first of them
        self.retriever = retriever
        self._stale_since = None
        with self._insights_lock:
            self._insights = None  # built again on first use; kept, it would hold the previous table
        release_memory()
        return True

    def warm_up(self) -> None:
        """Load what the first search would (jieba's dictionary, pinyin, the homophone
        index, the model's first run), so that no user waits for it: a server calls it
        before it answers."""
        self.understand("余热梯级利用")
        query_vector(self.embedder, "余热梯级利用")
        release_memory()

    def _leave_vector_graph_on_disk(self) -> None:
        """Embedded Chroma: a fresh client, without the collection's HNSW graph that any
        read or write of the collection loads into the client (21 MB on the demo corpus,
        230 MB at 100k chunks). Searches read vectors from memory (index/chunk_vectors.py),
        so only the next write loads it again (~1.3 s at 100k). Called as a retriever is
        built, after whatever loaded the graph (opening's readability check, the count of
        an interrupted ingest's check, a write); the retriever takes the new store, and the
        old client is freed with the old retriever."""
        if self.config.chroma.mode == "embedded":
            self._reopen_vectors()

    def _reopen_vectors(self) -> None:
        self.chroma_client = reopen_client(self.config.chroma, self.config.data_dir)
        self.vector_store = open_vector_store(self.chroma_client, self.collection_name)

    # -- state -----------------------------------------------------------------
    def _finish_interrupted_ingest(self) -> None:
        """Make the vectors match the catalogue after an ingest was killed (README 数据安全).

        A kill before the catalogue commit leaves vectors the catalogue does not hold
        (searches ignore them; they are removed here so they cannot crowd the dense
        candidates); a kill after it leaves same-id vectors with old metadata and
        stale ones. Both are put right from the embedding cache, without model time.
        When no ingest was cut short this is one state lookup and a count.
        """
        ingestor = self._ingestor()
        if ingestor.vectors_in_step() and self.vector_store.client.count() == self.catalog.chunk_count():
            return
        ingestor.repair_vectors()

    def _bm25_dir(self) -> Path:
        return self.config.data_dir / "bm25"

    def _load_retriever(self, *, save: bool = True) -> HybridRetriever:
        """A retriever over the catalogue as committed now. With ``save`` (this process
        holds the ingest lock) a stale BM25 index is rebuilt on disk too; without, only
        in memory: a reader never writes files a writer is writing."""
        self._leave_vector_graph_on_disk()
        marks, records = self.catalog.snapshot(WRITE_MARKS)
        generation = marks[0]
        bm25 = Bm25Index.load(self._bm25_dir())
        if bm25 is None or bm25.generation != generation or len(bm25.chunk_ids) != len(records):
            marks, records = self.catalog.snapshot(WRITE_MARKS, with_tokens=True)
            generation = marks[0]
            # The table keeps no tokens (Catalog.chunks says why); same records, same order.
            token_texts = [record.tokens for record in records]
            records = [replace(record, tokens="") for record in records]
            bm25 = Bm25Index.build(token_texts, [r.chunk_id for r in records], generation)
            if save:
                bm25.save(self._bm25_dir())
        else:
            order = {chunk_id: row for row, chunk_id in enumerate(bm25.chunk_ids)}
            records.sort(key=lambda record: order.get(record.chunk_id, len(order)))
            if save:
                remove_leftovers(self._bm25_dir())  # of a save killed after its pointer switch
        self._loaded = marks
        self._vectors = ChunkVectors.load(records, self.cache, self.embedder_key, self.vector_store, self._vectors)
        return HybridRetriever(
            vectors=self._vectors,
            table=ChunkTable(records),
            bm25=bm25,
            vector_store=self.vector_store,
            embedder=self.embedder,
            tokenizer=self.tokenizer,
            fusion=self.config.fusion,
        )

    # -- ingest ----------------------------------------------------------------
    def _ingestor(self) -> Ingestor:
        return Ingestor(
            catalog=self.catalog,
            cache=self.cache,
            embedder=self.embedder,
            embedder_key=self.embedder_key,
            vector_store=self.vector_store,
            tokenizer=self.tokenizer,
            chunking=self.config.chunking,
            write_batch=self.config.chroma.write_batch,
            max_file_bytes=self.config.max_file_bytes,
        )

    @contextmanager
    def writing(self, progress: Progress | None = None) -> Iterator[None]:
        """Hold the data folder's ingest lock (waiting for another process's writer,
        shown as a stage) with the catalogue as the last writer left it."""
        waited = [False]

        def waiting(seconds: float) -> None:
            if progress and not waited[0]:
                progress(WAITING_STAGE, 0, 1)
            waited[0] = True

        with self._lock.held(waiting):
            if waited[0] and progress:
                progress(WAITING_STAGE, 1, 1)
            if self._write_marks() != self._loaded:
                # Another process wrote since this one last looked: start from its state.
                self._reopen_vectors()
                self._finish_interrupted_ingest()
                self.retriever = self._load_retriever()
            yield

    def ingest(self, paths: list[Path], progress: Progress | None = None, *, reload: bool = True) -> IngestReport:
        """Ingest files and folders (removing documents whose files are gone).

        Without ``reload`` (a process that ends after the write: ``tanlu ingest``) only the
        BM25 index is brought up to date on disk, from the chunks' ids and tokens alone, and
        this process's retriever is left as it was, marked stale: the next ``refresh`` or
        write loads it. Loading it cost a 100k-chunk ingest ~1 GB more at its peak (every
        chunk's text and metadata, every vector) for searches that never come.
        """
        with self.writing(progress):
            report, changed = self._ingestor().run(paths, progress)
            self._after_ingest(changed, progress, reload=reload)
            return report

    def ingest_documents(self, documents: list[ParsedDocument], progress: Progress | None = None) -> IngestReport:
        """Ingest documents parsed elsewhere; removes nothing."""
        with self.writing(progress):
            report, changed = self._ingestor().run_loaded(LoadResult(documents=documents), [], progress)
            self._after_ingest(changed, progress)
            return report

    def delete_documents(self, doc_ids: list[str]) -> int:
        """Remove documents from the index; returns how many were there.

        Files are never touched here. A document whose source file still exists is
        remembered, so ingesting its folder again skips the file until it changes
        (ingesting the file by name brings it back).
        """
        with self.writing():
            removed = self._ingestor().delete(doc_ids)
            self._after_ingest(removed > 0, None)
            return removed

    def _save_bm25(self) -> None:
        """Write the BM25 index of the catalogue as committed now (see ``ingest``)."""
        generation, chunk_ids, token_texts = self.catalog.chunk_tokens("generation")
        Bm25Index.build(token_texts, chunk_ids, generation).save(self._bm25_dir())
        self._loaded = ()  # the retriever no longer matches the catalogue

    def _after_ingest(self, changed: bool, progress: Progress | None, *, reload: bool = True) -> None:
        if changed:
            if progress:
                progress(BM25_STAGE, 0, 1)
            release_memory()  # the ingest's parsed documents are partly garbage in cycles: freed before the build
            if reload:
                self.retriever = self._load_retriever()
                with self._insights_lock:
                    # Built again on first use; kept, they would hold the previous retriever.
                    self._homophones = None
                    self._insights = None
            else:
                self._save_bm25()
            if progress:
                progress(BM25_STAGE, 1, 1)
        release_memory()

    # -- reads -----------------------------------------------------------------
    def understand(self, query: str) -> tuple[str, list[Correction]]:
        """The query as it is searched: in matching form (simplified, half-width), with
        homophone typos replaced by the corpus word they sound like (index/homophones.py)."""
        folded = fold(query)
        found = self._homophone_index().corrections(folded)
        corrections = [Correction(c.typed, c.meant) for c in found]
        for correction in corrections:
            folded = folded.replace(correction.typed, correction.meant)
        return folded, corrections

    def _homophone_index(self, retriever: HybridRetriever | None = None) -> HomophoneIndex:
        """Built once per retriever (about a second on the demo corpus), on first use."""
        retriever = retriever or self.retriever
        with self._insights_lock:
            if self._homophones is None or self._homophones[0] is not retriever:
                index = HomophoneIndex(retriever.bm25.vocabulary(), retriever.bm25.document_frequency)
                self._homophones = (retriever, index)
            return self._homophones[1]

    def term_stats(self) -> TermStats:
        retriever = self.retriever
        return TermStats(len(retriever.table), retriever.bm25.document_frequency)

    def search(
        self,
        query: str,
        filters: SearchFilters | None = None,
        top_k: int = DEFAULT_TOP_K,
        mode: SearchMode = "hybrid",
        *,
        diverse: bool = True,
        read_as: str | None = None,
        understood: Callable[[str, list[Correction]], object] | None = None,
    ) -> list[ScoredChunk]:
        """Hybrid (or single-side) search for the query as ``understand`` reads it; with
        ``diverse``, ordered to show several documents and pilots (index/diversity.py).
        ``read_as``: what ``understand(query)`` gave, when the caller has it already;
        else the reading is worked out beside the query's forward pass, which starts on
        the query in matching form (HybridRetriever.search), and ``understood`` is
        called with it there (the API prepares its highlight terms)."""

        def reading() -> str:
            text, corrections = self.understand(query)
            if understood is not None:
                understood(text, corrections)
            return text

        text, read = (read_as, None) if read_as is not None else (fold(query), reading)
        if not diverse:
            return self.retriever.search(text, filters, top_k, mode, reading=read)
        pool = self.retriever.search(text, filters, top_k * POOL_FACTOR, mode, reading=read)
        return diversify(pool, top_k)

    def relevance(self, hit: ScoredChunk) -> float:
        """A hybrid hit's score on 0–1, whichever fusion is configured (index/fusion.py)."""
        fusion = self.config.fusion
        return unit_score(hit.score, fusion.method, fusion.rrf_k)

    def chunk(self, chunk_id: str) -> ChunkRecord | None:
        """A chunk of the searchable generation by id (citations read its page numbers)."""
        return self.retriever.table.get(chunk_id)

    def chunks(self, doc_id: str | None = None) -> list[ChunkRecord]:
        """The chunks of one document, or of all, in document order."""
        return self.catalog.chunks(doc_id)

    def chunk_count(self) -> int:
        """Chunks searches run over (the current generation)."""
        return len(self.retriever.table)

    def document_count(self) -> int:
        return len(self.catalog.document_hashes())

    def documents(self, filters: SearchFilters | None = None) -> list[DocumentRecord]:
        if filters is None or filters.is_empty():
            return self.catalog.documents()
        # Filtered on the kept metadata: only the matching documents are read with their sections.
        matching = [doc_id for doc_id, meta in self.catalog.metas() if _document_matches(doc_id, meta, filters)]
        return [doc for doc in map(self.catalog.document, matching) if doc is not None]

    def document(self, doc_id: str) -> DocumentRecord | None:
        return self.catalog.document(doc_id)

    def pilots(self) -> list[dict[str, Any]]:
        """Every pilot with its type, region, document count, kinds and fields;
        ``inferred`` lists which of pilot/pilot_type/region no document declares."""
        grouped: dict[str, dict[str, Any]] = {}
        doc_types: dict[str, Counter] = defaultdict(Counter)
        for _, meta in self.catalog.metas():
            if not meta.get("pilot_id"):  # the programme's own documents belong to no pilot
                continue
            pilot = grouped.setdefault(
                meta["pilot_id"],
                {
                    "pilot_id": meta["pilot_id"],
                    "pilot": meta["pilot"],
                    "pilot_type": meta["pilot_type"],
                    "region": meta["region"],
                    "demo": meta.get("demo", False),
                    "document_count": 0,
                    "fields": [],
                    "inferred": [key for key in PILOT_KEYS if key in meta.get("inferred", ())],
                },
            )
            # A pilot's name, type or region guessed from one document's text gives way
            # to the value another document of the same pilot declares.
            for key in [key for key in pilot["inferred"] if key not in meta.get("inferred", ())]:
                pilot[key] = meta[key]
                pilot["inferred"].remove(key)
            pilot["document_count"] += 1
            pilot["fields"] = sorted(set(pilot["fields"]) | set(meta.get("fields", [])))
            doc_types[meta["pilot_id"]][meta["doc_type"]] += 1
        for pilot_id, pilot in grouped.items():
            pilot["doc_types"] = dict(doc_types[pilot_id])
        return sorted(grouped.values(), key=lambda p: (p["pilot_type"], p["pilot_id"]))

    def pilot(self, pilot_id: str) -> dict[str, Any] | None:
        """One pilot as ``pilots()`` lists it, or None."""
        return next((pilot for pilot in self.pilots() if pilot["pilot_id"] == pilot_id), None)

    def stats(self) -> dict[str, Any]:
        docs = self.catalog.documents()
        return {
            "documents": len(docs),
            "chunks": len(self.retriever.table),
            "pilots": len({doc.meta["pilot_id"] for doc in docs if doc.meta["pilot_id"]}),
            # The programme's own documents have no pilot type: counted as the filters name them.
            "by_pilot_type": dict(Counter(doc.meta["pilot_type"] or PROGRAMME_FILTER for doc in docs)),
            "by_doc_type": dict(Counter(doc.meta["doc_type"] for doc in docs)),
            "embedder": self.embedder_key,
            "collection": self.collection_name,
            "cached_embeddings": self.cache.count(self.embedder_key),
        }

    # -- practices, figures, similar pilots ---------------------------------------
    @property
    def insights(self) -> Insights:
        """Merged practices, time series and similarity for the current generation."""
        generation = self.catalog.get_state("generation")
        with self._insights_lock:
            if self._insights is None or self._insights[0] != generation:
                built = Insights(self.catalog, self.retriever.table, self.cache, self.embedder_key, self.pilots())
                self._insights = (generation, built)
            return self._insights[1]

    @property
    def progress(self) -> ProgrammeProgress:
        """Targets with their status, reporting, the matrix and comparisons (index/progress.py)."""
        return self.insights.progress

    def practice_catalog(self) -> PracticeCatalog:
        """The merged practices of the current generation: a new object after every write,
        so what is built from it can be kept per generation (api/presenters.py)."""
        return self.insights.practices

    def all_practices(self) -> list[Practice]:
        """Every merged practice, ordered by pilot (the 汇编 groups them itself)."""
        return self.insights.practices.practices

    def figures(self) -> dict[str, list[Figure]]:
        """Every reported figure, by document id (for tables and exports)."""
        return self.insights.practices.figures_by_doc

    def check_figures(self, notes: list[dict] | None = None) -> CheckReport:
        """What a reader would trip over in the reported figures (index/figure_check.py);
        ``notes`` are the corpus notes file's explanations."""
        catalog = self.insights.practices
        plans = [doc_id for doc_id, meta in catalog.doc_meta.items() if meta.get("doc_type") == "实施方案"]
        plan_texts = {doc_id: "\n".join(r.text for r in self.retriever.table.records_of(doc_id)) for doc_id in plans}
        unread = self.insights.progress.unread
        return check_figures(catalog.figures_by_doc, catalog.doc_meta, notes, plan_texts, unread)

    def time_series(self, pilot_id: str) -> list[Series]:
        """A pilot's reported figures over time, one series per indicator, kind and unit."""
        return self.insights.practices.time_series(pilot_id)

    def practices(
        self, query: str = "", filters: SearchFilters | None = None, limit: int = 50
    ) -> list[tuple[Practice, float]]:
        """Practices matching the filters; with a query, ranked by hybrid search over their sections."""
        filters = filters or SearchFilters()
        catalog = self.insights.practices
        candidates = catalog.find(
            pilot_type=filters.pilot_type, field=filters.field, region=filters.region, pilot_id=filters.pilot_id
        )
        if not query.strip():
            return [(practice, 0.0) for practice in candidates[:limit]]
        allowed = {practice.practice_id for practice in candidates}
        scores: dict[str, float] = {}
        for hit in self.search(query, filters, top_k=max(limit * 3, 30)):
            for practice in catalog.practices_of_chunk(hit.record.doc_id, hit.record.metadata.get("heading_path", "")):
                if practice.practice_id in allowed:
                    scores[practice.practice_id] = max(scores.get(practice.practice_id, 0.0), hit.score)
        ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)[:limit]
        return [(catalog.by_id[practice_id], score) for practice_id, score in ranked]

    def answer(
        self, question: str, filters: SearchFilters | None = None, top_k: int = ANSWER_TOP_K, llm: LLM | None = None
    ) -> tuple[Answer, bool]:
        """A cited answer from the retrieved chunks; with ``llm``, a checked generated one.

        Returns the answer and whether the LLM wrote it.
        """
        read_as, corrections = self.understand(question)
        retriever = self.retriever
        insights = self.insights
        vectors: dict[str, np.ndarray] = {}

        def search(text: str, chosen: SearchFilters, k: int) -> list[ScoredChunk]:
            """One embedding per question, however many searches its plans make."""
            if text not in vectors:
                vectors[text] = query_vector(retriever.embedder, text)
            return retriever.search(text, chosen, k, vector=vectors[text])

        answerer = Answerer(
            search=search,
            catalog=insights.practices,
            practice_texts=insights.practice_texts,
            practice_chunks=insights.practice_chunks,
            table=retriever.table,
            stats=self.term_stats(),
            pilots=self.pilots(),
            thresholds=self.answer_thresholds,
            targets=insights.progress.targets,
            reporting=lambda: insights.progress.reporting(self.pilots()),
        )
        extractive = None
        if self._programme_question(question, filters):
            # 「方案对园区试点有什么要求」: the programme's documents answer, if they can,
            # from the section on that pilot type (「三、建设类型 > （二）园区试点」) if any.
            section = f"{named_pilot_type(read_as) or ''}试点"
            quoted = self._programme_section(question, read_as, section) if len(section) > 2 else None
            if quoted is not None:
                return quoted, False

            def in_section(text: str, chosen: SearchFilters, k: int) -> list[ScoredChunk]:
                hits = search(text, chosen, k)
                named = [hit for hit in hits if section in hit.record.metadata.get("heading_path", "")]
                return named if len(section) > 2 and named else hits

            programme = dataclasses.replace(answerer, search=in_section)
            extractive = programme.answer(
                question,
                without_programme_words(read_as),
                corrections,
                SearchFilters(pilot_type=PROGRAMME_FILTER),
                top_k,
            )
            extractive = extractive if extractive.found else None
        if extractive is None:
            extractive = answerer.answer(question, read_as, corrections, filters, top_k)
            if not extractive.found and self._about_no_pilot(read_as, filters):
                # 「试点一共要建多少个」 asks about the programme without naming its plan:
                # when no pilot's documents answer, the programme's may.
                from_programme = answerer.answer(
                    question, read_as, corrections, SearchFilters(pilot_type=PROGRAMME_FILTER), top_k
                )
                extractive = from_programme if from_programme.found else extractive
        if llm is None:
            return extractive, False
        return generate_answer(question, extractive, llm)

    def _programme_documents(self) -> list[tuple[str, dict[str, Any]]]:
        """(doc_id, metadata) of the programme's own documents (a scope instead of a
        pilot: the founding plan…)."""
        return [(doc_id, meta) for doc_id, meta in self.catalog.metas() if meta.get("scope")]

    def _open_to_programme(self, filters: SearchFilters | None) -> bool:
        """No filter narrows the question, and the programme has documents to answer it."""
        return (filters is None or filters.is_empty()) and bool(self._programme_documents())

    def _programme_section(self, question: str, read_as: str, section: str) -> Answer | None:
        """The programme documents' section headed by what the question names (「（二）园区试点」)."""
        for doc_id, meta in self._programme_documents():
            chunks = named_section(self.retriever.table.records_of(doc_id), section)
            if chunks:
                label = str(meta.get("title") or "") or messages()["no_pilot"]
                return section_answer(question, classify(read_as), chunks, label)
        return None

    def _about_no_pilot(self, read_as: str, filters: SearchFilters | None) -> bool:
        """No filter narrows the question and it names no pilot (nor a pilot type):
        it may be about the programme as a whole."""
        if not self._open_to_programme(filters):
            return False
        scope = question_scope(read_as, self.pilots())
        return not scope.pilot_ids and scope.pilot_type is None

    def _programme_question(self, question: str, filters: SearchFilters | None) -> bool:
        """A question about the programme's documents, none of which a filter excludes."""
        if not self._open_to_programme(filters):
            return False
        return asks_the_programme(question, [pilot["pilot"] for pilot in self.pilots()])

    def similar_pilots(self, pilot_id: str, limit: int = 5) -> list[SimilarPilot]:
        return self.insights.similarity.similar_to_pilot(pilot_id, limit)

    def similar_to_profile(self, profile: str, limit: int = 5) -> list[SimilarPilot]:
        vector = query_vector(self.embedder, profile)
        return self.insights.similarity.similar_to_profile(profile, vector, limit)

    def close(self) -> None:
        self.catalog.close()
        self.cache.close()
        self._lock.close()


def _document_matches(doc_id: str, meta: dict[str, Any], filters: SearchFilters) -> bool:
    checks = {
        "pilot_type": filters.pilot_type,
        "region": filters.region,
        "doc_type": filters.doc_type,
        "period": filters.period,
        "year": filters.year,
        "pilot_id": filters.pilot_id,
    }
    for key, value in checks.items():
        if value is not None and meta.get(key) != value:
            return False
    if filters.doc_ids is not None and doc_id not in filters.doc_ids:
        return False
    return filters.field is None or filters.field in meta.get("fields", [])
