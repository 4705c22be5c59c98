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
    │   └── RenderUnavailable  LibreOffice/pdftoppm missing or failing     api/compile/rendering.py
    ├── ApiError               an HTTP answer with its own status         api/errors.py
    └── JobError               a background job failed for a stated reason api/jobs.py
        └── JobCancelled       the service is stopping

Lives in ``ingest`` because it is the bottom layer: ``index`` and ``api`` import it,
and ``ingest`` imports neither of them.
"""

from __future__ import annotations


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
