"""The work behind the write endpoints, run on the job worker thread (api/jobs.py).

Uploads, rescans and deletions each turn into a function of the knowledge base and a
progress callback that returns a ``JobOutcome``: the per-file results and a summary
the job API shows. Kept apart from the routes so the routes only check and queue, and
so the CLI can say whether writes are on without importing a route.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from api import messages
from api.jobs import JobError, JobOutcome
from api.settings import Settings
from api.uploads import (
    FILES_FIELD,
    ReceivedUpload,
    clear_staging,
    commit,
    human_size,
    roll_back,
    shown_name,
    sidecar_of,
)
from index import IngestReport, KnowledgeBase, Progress
from ingest.documents import FileReport


def summary_of(report: IngestReport) -> dict[str, float | int]:
    summary = {f.name: getattr(report, f.name) for f in dataclasses.fields(report) if f.name != "files"}
    summary["seconds"] = round(float(summary["seconds"]), 2)
    summary["errors"] = len(report.errors)
    return summary


def upload_work(
    kb: KnowledgeBase, uploads: Path, upload: ReceivedUpload, meta: dict | None, progress: Progress
) -> JobOutcome:
    try:
        committed = commit(upload, uploads, meta)
        try:
            report = kb.ingest([item.target for item in committed], progress)
        except BaseException:
            for item in committed:
                roll_back(item)
            raise
        by_path = {Path(file.path).resolve(): file for file in report.files}
        results: list[FileReport] = []
        restored: list[Path] = []
        for item in committed:
            file = by_path.get(item.target) or FileReport(str(item.target), "error")
            message = file.message
            if file.status != "ok":
                roll_back(item)
                note = messages.UPLOAD_ROLLED_BACK_PREVIOUS if item.backup else messages.UPLOAD_ROLLED_BACK
                message = f"{message}（{note}）" if message else note
                if item.backup is not None:
                    restored.append(item.target)
            elif item.backup is not None:
                message = messages.UPLOAD_REPLACED
            results.append(dataclasses.replace(file, path=item.staged.name, message=message))
        if restored:
            # A refused upload may still have displaced the document it replaced (a new
            # document id for the same file); the restored file brings it back.
            kb.ingest(restored, progress)
        results += [
            FileReport(
                path=shown_name(staged.client_name),
                status="error",
                message=refusal.detail,
                field_name=FILES_FIELD,
            )
            for staged, refusal in upload.refused
        ]
        failed = not any(result.status == "ok" for result in results)
        message = messages.NOTHING_INGESTED.format(reason=results[0].message) if failed else ""
        return JobOutcome(files=results, summary=summary_of(report), message=message, failed=failed)
    finally:
        upload.discard()


def _shown(path: str, roots: list[Path]) -> str:
    """A path relative to the scanned folder it lies in, never the server's absolute path."""
    resolved = Path(path).resolve()
    for root in roots:
        try:
            return f"{root.name}/{resolved.relative_to(root.resolve()).as_posix()}"
        except ValueError:
            continue
    return resolved.name


def rescan_work(kb: KnowledgeBase, settings: Settings, progress: Progress) -> JobOutcome:
    uploads = settings.uploads_path()
    uploads.mkdir(parents=True, exist_ok=True)
    roots, message = [uploads], ""
    if settings.corpus_dir.is_dir():
        roots.insert(0, settings.corpus_dir)
    else:
        # Scanning a missing folder would remove every document that came from it.
        message = messages.CORPUS_DIR_MISSING.format(path=settings.corpus_dir)
    report = kb.ingest(roots, progress)
    files = [dataclasses.replace(file, path=_shown(file.path, roots)) for file in report.files]
    return JobOutcome(files=files, summary=summary_of(report), message=message)


def delete_work(kb: KnowledgeBase, uploads: Path, doc_id: str, progress: Progress) -> JobOutcome:
    document = kb.document(doc_id)
    if document is None:
        raise JobError(messages.DOCUMENT_GONE.format(doc_id=doc_id))
    progress("删除文档", 0, 1)
    source = Path(document.source)
    uploaded = uploads.resolve() in source.resolve().parents
    if uploaded:
        # Files first: a rescan between the two steps then drops the document anyway.
        source.unlink(missing_ok=True)
        sidecar_of(source).unlink(missing_ok=True)
    removed = kb.delete_documents([doc_id])
    progress("删除文档", 1, 1)
    shown = source.name if uploaded else _shown(str(source), [Path(source).parent])
    result = FileReport(
        path=shown,
        status="ok",
        doc_id=doc_id,
        message=messages.DELETED_WITH_FILE if uploaded else messages.DELETED_KEEP_FILE,
    )
    return JobOutcome(files=[result], summary={"removed": removed})


def on_startup(settings: Settings) -> None:
    """Forget staged uploads of a previous run (their jobs died with it)."""
    clear_staging(settings.uploads_path())


def writes_status(settings: Settings) -> str:
    """One line for ``tanlu serve``: are writes on, and with what limit."""
    if not settings.write_token.get_secret_value():
        return "写入接口：未启用（设置 TANLU_WRITE_TOKEN 后可通过 HTTP 上传、删除、重新扫描）"
    reads = "需要令牌" if settings.read_token.get_secret_value() else "公开"
    limit = human_size(settings.max_file_bytes)
    return f"写入接口：已启用（单个文件上限 {limit}，保存到 {settings.uploads_path()}）；读取接口：{reads}"
