"""BM25 over jieba/character tokens with bm25s, persisted beside the vector store.

llama-index's own BM25 retriever ignores custom tokenizers (every Chinese score is 0),
so bm25s is used directly. The index is saved into a fresh folder and a pointer file
is switched atomically: a reader, or a crash mid-save, always sees a complete index.
What a killed save leaves behind (a half-written ``bm25-*`` folder, a ``CURRENT.*.tmp``,
the previous folder when the kill came right after the switch) is never named by the
pointer, so loads ignore it; the next save, or the knowledge base when it opens, removes it.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from array import array
from pathlib import Path

import bm25s
import numpy as np

from index.crash_points import crash_point

_POINTER = "CURRENT"


def _csc_by_column(data: np.ndarray, rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]):
    """bm25s's score matrix layout (CSC: one slice per vocabulary token, rows ascending
    within it), made with one stable sort of the int32 column ids. bm25s sorts int64 keys
    packed from int64 copies of the rows and columns (30M entries each at 100k chunks):
    this way the build's peak was 230 MB lower there, the matrix the same. Its rows come
    in ascending order (one chunk after another), so a stable sort by column keeps them
    ascending within each column."""
    indptr = np.zeros(shape[1] + 1, dtype=np.int64)
    np.cumsum(np.bincount(cols, minlength=shape[1]), out=indptr[1:])
    order = np.argsort(cols, kind="stable")
    return data[order], rows[order], indptr


class _ColumnSortedBM25(bm25s.BM25):
    """bm25s's BM25, its matrix built by ``_csc_by_column`` (bm25s swaps this builder for
    its numba one the same way)."""

    _np_csc = staticmethod(_csc_by_column)


class Bm25Index:
    def __init__(self, model: bm25s.BM25 | None, chunk_ids: list[str], generation: str) -> None:
        self._model = model
        self.chunk_ids = chunk_ids
        self.generation = generation

    @classmethod
    def build(cls, token_texts: list[str], chunk_ids: list[str], generation: str) -> Bm25Index:
        """The index of chunks whose tokens are ``token_texts`` (each chunk's tokens joined
        by spaces, as the catalogue stores them). Consumes the list: each text is emptied
        once turned into vocabulary ids.

        Why not hand bm25s the token lists: it keeps them and makes id lists beside them;
        at 100k chunks (~450 tokens each) lists of interned tokens were ~0.6 GB of a
        rebuild. Here each chunk's tokens exist only while its ids (4 bytes each) are made,
        and bm25s gets the ids and vocabulary it would have built (same scores: tested).
        """
        if not chunk_ids:
            return cls(None, [], generation)
        vocabulary: dict[str, int] = {}
        token_ids = []
        for row, text in enumerate(token_texts):
            # An empty token list would break bm25s; a placeholder keeps rows aligned.
            tokens = text.split(" ") if text else ["\u0000"]
            token_ids.append(array("i", [vocabulary.setdefault(token, len(vocabulary)) for token in tokens]))
            token_texts[row] = ""
        model = _ColumnSortedBM25()
        model.index((token_ids, vocabulary), show_progress=False)
        return cls(model, list(chunk_ids), generation)

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        """BM25 score of every chunk (row order = ``chunk_ids``); zeros if nothing matches."""
        if self._model is None:
            return np.zeros(0, dtype=np.float32)
        known = [token for token in query_tokens if token in self._model.vocab_dict]
        if not known:
            return np.zeros(len(self.chunk_ids), dtype=np.float32)
        return np.asarray(self._model.get_scores(known), dtype=np.float32)

    def document_frequency(self, token: str) -> int:
        """How many chunks hold ``token`` (0 for a token the corpus never uses).

        Read off the score matrix (one compressed column per vocabulary token), so it
        costs a dictionary lookup: answers use it to tell a question's rare, telling
        words from its common ones, and to notice words the corpus never uses.
        """
        if self._model is None:
            return 0
        token_id = self._model.vocab_dict.get(token)
        if token_id is None:
            return 0
        indptr = self._model.scores["indptr"]
        return int(indptr[token_id + 1] - indptr[token_id])

    def vocabulary(self) -> list[str]:
        return [] if self._model is None else list(self._model.vocab_dict)

    # -- persistence -----------------------------------------------------------
    def save(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        folder = root / f"bm25-{uuid.uuid4().hex[:12]}"
        folder.mkdir()
        if self._model is not None:
            self._model.save(str(folder), show_progress=False)
        (folder / "chunk_ids.json").write_text(
            json.dumps({"generation": self.generation, "chunk_ids": self.chunk_ids}), encoding="utf-8"
        )
        _fsync_tree(folder)
        crash_point("bm25:folder_written")
        # A name of its own: two processes saving at once must not move each other's file.
        pointer_tmp = root / f"{_POINTER}.{folder.name}.tmp"
        with open(pointer_tmp, "w", encoding="utf-8") as handle:
            handle.write(folder.name)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(pointer_tmp, root / _POINTER)
        _fsync_dir(root)
        crash_point("bm25:pointer_switched")
        remove_leftovers(root)

    @classmethod
    def load(cls, root: Path) -> Bm25Index | None:
        pointer = root / _POINTER
        if not pointer.exists():
            return None
        folder = root / pointer.read_text(encoding="utf-8").strip()
        try:
            info = json.loads((folder / "chunk_ids.json").read_text(encoding="utf-8"))
            model = bm25s.BM25.load(str(folder), mmap=False, show_progress=False) if info["chunk_ids"] else None
        except (OSError, ValueError, KeyError):
            return None
        return cls(model, info["chunk_ids"], info["generation"])


def remove_leftovers(root: Path) -> None:
    """Delete every folder and pointer file in ``root`` that CURRENT does not name."""
    pointer = root / _POINTER
    current = pointer.read_text(encoding="utf-8").strip() if pointer.exists() else None
    for old in root.glob("bm25-*"):
        if old.name != current:
            shutil.rmtree(old, ignore_errors=True)
    for stale in [*root.glob(f"{_POINTER}.*.tmp"), root / f"{_POINTER}.tmp"]:  # the latter: older versions
        stale.unlink(missing_ok=True)


def _fsync_tree(folder: Path) -> None:
    for path in folder.iterdir():
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    """Make a rename or new entries in ``folder`` survive a power cut, not only a kill."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
