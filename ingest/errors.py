"""One exception hierarchy: every error a user may read carries its Chinese message.

The CLI catches ``TanluError`` once (``api/cli.py`` ``main``: one red line, exit code
``exit_code``, no traceback) and so does the API (``api/errors.py``: status
``http_status``, body ``{"detail": message, "parameter": parameter}``). Anything else
that escapes is a bug, and is shown as one.

    TanluError                 message (Chinese), parameter (the field or option at fault)
    ├── InputError             what the user typed is wrong: HTTP 422, exit 2
    │   └── FilterError        a filter outside its vocabulary            index/filters.py
    ├── DocumentError          a file cannot be taken in: reported per file, the batch goes on
    │   ├── FormatError        corrupt, encrypted, scanned, not text      ingest/documents.py
    │   ├── FrontMatterError   YAML front matter missing or malformed     ingest/formats/markdown.py
    │   └── MetadataError      a metadata field missing or invalid        ingest/metadata.py
    ├── ServiceError           something TanLu runs on is missing or down: HTTP 503, exit 1
    │   ├── VectorStoreError   Chroma cannot be reached or opened         index/vector_store.py
    │   ├── EmbedderError      the configured embedding model cannot load index/embedders.py
    │   ├── RenderUnavailable  LibreOffice/pdftoppm missing or failing     api/compile/rendering.py
    │   └── StorageError       the data folder is read-only or full       (below)
    ├── ApiError               an HTTP answer with its own status         api/errors.py
    └── JobError               a background job failed for a stated reason api/jobs.py
        └── JobCancelled       the service is stopping

Lives in ``ingest`` because it is the bottom layer: ``index`` and ``api`` import it,
and ``ingest`` imports neither of them.
"""

from __future__ import annotations

import errno


class TanluError(Exception):
    """Base of every error whose message is meant for the user."""

    http_status = 500
    exit_code = 1

    def __init__(self, message: str, *, parameter: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.parameter = parameter


class InputError(TanluError):
    """A request, option or argument the user can correct."""

    http_status = 422
    exit_code = 2


class DocumentError(TanluError):
    """A file that cannot be ingested; ``parameter`` names the field at fault, if one is."""

    http_status = 422


class ServiceError(TanluError):
    """A component TanLu depends on (vector store, embedding model) is unavailable."""

    http_status = 503


# -- the data folder cannot be written ---------------------------------------------------
READ_ONLY = "数据目录不可写（只读或没有写权限）：请检查 TANLU_DATA_DIR 所在磁盘与权限；已存数据未受影响"
DISK_FULL = "磁盘空间不足：请清理 TANLU_DATA_DIR 所在磁盘后重试；已存数据未受影响"
_READ_ONLY_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM}
_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
# How SQLite (and Chroma, which stores in SQLite) words the same conditions.
_READ_ONLY_WORDS = ("readonly database", "read-only file system", "permission denied", "unable to open database file")
_FULL_WORDS = ("database or disk is full", "no space left on device", "disk quota exceeded")


class StorageError(ServiceError):
    """The data folder is read-only or its disk is full: 503 or 507, exit 1, one line."""

    def __init__(self, message: str, http_status: int) -> None:
        super().__init__(message, parameter="TANLU_DATA_DIR")
        self.http_status = http_status


def as_storage_error(error: BaseException) -> StorageError | None:
    """The StorageError ``error`` (or an exception it was raised from) amounts to, if any."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, StorageError):
            return current
        code = getattr(current, "errno", None)
        text = str(current).lower()
        if code in _FULL_ERRNOS or any(words in text for words in _FULL_WORDS):
            return StorageError(DISK_FULL, 507)
        if code in _READ_ONLY_ERRNOS or any(words in text for words in _READ_ONLY_WORDS):
            return StorageError(READ_ONLY, 503)
        current = current.__cause__ or current.__context__
    return None
