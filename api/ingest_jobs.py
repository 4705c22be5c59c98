"""The work behind the write endpoints, run on the job worker thread (api/jobs.py).

Uploads, rescans and deletions each turn into a function of the knowledge base and a
progress callback that returns a ``JobOutcome``: the per-file results and a summary
the job API shows. Kept apart from the routes so the routes only check and queue, and
so the CLI can say whether writes are on without importing a route.
"""

from __future__ import annotations

import dataclasses
import shutil
import time
from collections import Counter
from functools import partial
from pathlib import Path
from typing import Any

from api import messages
from api.errors import ApiError
from api.job_store import JobStore
from api.jobs import JobError, JobOutcome, Resume, Work
from api.pilot_identity import identity_problem
from api.settings import Settings
from api.uploads import (
    FILES_FIELD,
    STAGING,
    Committed,
    ReceivedUpload,
    StagedFile,
    commit,
    inside,
    is_uploaded,
    roll_back,
    shown_name,
    sidecar_of,
)
from index import IngestReport, KnowledgeBase, Progress
from ingest.documents import FileReport
from ingest.domain import METADATA_LABELS
from ingest.loader import parse_file
from ingest.metadata_sources import SIDECAR_SUFFIX, sidecar_advice, sidecar_note

# A staging folder touched this recently may belong to an upload still being received.
STAGING_GRACE_SECONDS = 600


def summary_of(report: IngestReport) -> dict[str, float | int]:
    summary = {f.name: getattr(report, f.name) for f in dataclasses.fields(report) if f.name != "files"}
    summary["seconds"] = round(float(summary["seconds"]), 2)
    summary["errors"] = len(report.errors)
    return summary


def refused_for_owner(committed: list[Committed], owner: str, pilots: list[dict[str, Any]]) -> dict[Path, FileReport]:
    """The committed files a pilot's token may not store, each with the reason: those
    whose document declares another pilot (front matter wins over the form), or gives
    its pilot a name, type or region that is not the pilot's own (api/pilot_identity.py)."""
    refused: dict[Path, FileReport] = {}
    for item in committed:
        document, _ = parse_file(item.target)
        if document is None:
            continue
        if document.meta.pilot_id != owner:
            message = messages.PILOT_FILE_FOREIGN.format(other=document.meta.pilot_id, own=owner)
            refused[item.target] = FileReport(str(item.target), "error", message, field_name="pilot_id")
            continue
        problem = identity_problem(owner, document.meta.as_dict(), pilots)
        if problem is not None:
            refused[item.target] = FileReport(str(item.target), "error", problem.detail, field_name=problem.field_name)
    return refused


def for_uploader(message: str, stored_name: str, field_name: str) -> str:
    """An ingest message worded for whoever uploaded the file: the sidecar the ingest
    names (``请在 x.txt.meta.yaml 中填写``, ``（旁注文件 x.txt.meta.yaml）``) is written by the
    API from the upload form, so the advice names the form field instead. The texts
    replaced are made by the ingest's own functions, never copied here."""
    label = METADATA_LABELS.get(field_name)
    if label is None:
        action = messages.FORM_ACTION_DEFAULT.format(name=field_name)
    else:
        wording = messages.FORM_CHOOSE if field_name in messages.FORM_CHOICES else messages.FORM_TYPE_IN
        action = wording.format(label=label)
    message = message.replace(sidecar_advice(stored_name), messages.FILL_IN_FORM.format(action=action))
    return message.replace(sidecar_note(stored_name + SIDECAR_SUFFIX), messages.FROM_FORM)


def upload_work(
    kb: KnowledgeBase,
    uploads: Path,
    upload: ReceivedUpload,
    meta: dict | None,
    progress: Progress,
    owner: str = "",
) -> JobOutcome:
    """Commit and ingest an upload; ``owner``: the pilot whose token sent it (empty: the DRC)."""
    try:
        committed = commit(upload, uploads, meta)
        try:
            refused = refused_for_owner(committed, owner, kb.pilots()) if owner else {}
            wanted = [item.target for item in committed if item.target not in refused]
            report = kb.ingest(wanted, progress) if wanted else IngestReport()
        except BaseException:
            for item in committed:
                roll_back(item)
            raise
        by_path = {Path(file.path).resolve(): file for file in report.files} | refused
        results: list[FileReport] = []
        restored: list[Path] = []
        for item in committed:
            file = by_path.get(item.target) or FileReport(str(item.target), "error")
            message = for_uploader(file.message, item.target.name, file.field_name)
            if file.status != "ok":
                roll_back(item)
                note = messages.UPLOAD_ROLLED_BACK_PREVIOUS if item.backup else messages.UPLOAD_ROLLED_BACK
                message = f"{message}（{note}）" if message else note
                if item.backup is not None:
                    restored.append(item.target)
            elif item.backup is not None and not message:  # unchanged (the same file again) says so
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
        return JobOutcome(files=results, summary=summary_of(report), message=upload_message(results), failed=failed)
    finally:
        upload.discard()


def upload_message(results: list[FileReport]) -> str:
    """The upload's end in one line: how many files were stored, refused or skipped;
    a lone refused file's reason itself."""
    if len(results) == 1 and results[0].status == "error":
        return messages.NOTHING_INGESTED.format(reason=results[0].message)
    counts = Counter(result.status for result in results)
    parts = "，".join(
        wording.format(count=counts[status])
        for status, wording in messages.UPLOAD_COUNTS.items()
        if counts[status] or status == "ok"
    )
    return (messages.UPLOAD_DONE if counts["ok"] == len(results) else messages.UPLOAD_ENDED).format(parts=parts)


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
    uploaded = is_uploaded(uploads, source)
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


def upload_params(upload: ReceivedUpload, meta: dict | None) -> dict[str, Any]:
    """What a later process needs to run an upload job again: the staged files and metadata."""
    files = []
    for staged in upload.files:
        refusal = staged.refusal
        files.append(
            {
                "client_name": staged.client_name,
                "part": staged.part_path.name,
                "size": staged.size,
                "extension": staged.extension,
                "name": staged.name,
                "replaces": staged.replaces,
                "refusal": None
                if refusal is None
                else {"status": refusal.status, "detail": refusal.detail, "parameter": refusal.parameter},
            }
        )
    return {"staging": upload.staging.name, "meta": meta, "files": files, "fields": upload.fields}


def _received(params: dict[str, Any], uploads: Path) -> ReceivedUpload:
    staging = uploads / STAGING / params["staging"]
    files = [
        StagedFile(
            client_name=item["client_name"],
            part_path=staging / item["part"],
            size=item["size"],
            extension=item["extension"],
            name=item["name"],
            replaces=item["replaces"],
            refusal=None if item["refusal"] is None else ApiError(**item["refusal"]),
        )
        for item in params["files"]
    ]
    return ReceivedUpload(staging, files, params.get("fields", {}))


def resumer(kb: KnowledgeBase, settings: Settings) -> Resume:
    """How jobs left unfinished by a stopped or killed server go on (api/jobs.py).

    A rescan runs again (it converges on the folders as they are). A deletion runs again,
    and is done if the document is already gone. An upload runs from its staged files;
    one stopped while its files were being swapped in goes on from where it stood (the
    files already in place are ingested, what they replaced restored if refused); one
    whose files are gone fails naming them.
    """
    uploads = settings.uploads_path()

    def resume(kind: str, params: dict[str, Any], was_running: bool) -> Work:
        if kind == "ingest":
            return partial(rescan_work, kb, settings)
        if kind == "delete":
            doc_id = params["doc_id"]
            if kb.document(doc_id) is None:
                note = messages.DELETE_ALREADY_DONE.format(doc_id=doc_id)
                done = FileReport(path=doc_id, status="ok", doc_id=doc_id, message=note)
                return lambda progress: JobOutcome(files=[done], summary={"removed": 0})
            return partial(delete_work, kb, uploads, doc_id)
        if kind == "upload":
            upload = _received(params, uploads)
            # A file is gone when neither its staged copy nor (for an upload stopped while
            # swapping files in) its place in the uploads folder holds it.
            root = uploads.resolve()
            missing = [
                staged.client_name
                for staged in upload.accepted
                if not staged.part_path.is_file() and not (was_running and inside(root, staged.name).is_file())
            ]
            if missing:
                upload.discard()
                raise JobError(messages.UPLOAD_FILES_GONE.format(names="、".join(shown_name(n) for n in missing)))
            return partial(upload_work, kb, uploads, upload, params.get("meta"), owner=params.get("owner", ""))
        raise JobError(messages.JOB_NOT_RESUMABLE)

    return resume


def clear_stale_staging(settings: Settings, store: JobStore) -> None:
    """Remove staged uploads no unfinished job will read: those of a previous run whose
    jobs failed or finished. Folders of queued jobs — this process's resumed ones, or a
    second server's on the same data folder — and folders still being received stay."""
    staging = settings.uploads_path() / STAGING
    if not staging.is_dir():
        return
    wanted = {params.get("staging") for params in store.unfinished_params()}
    recent = time.time() - STAGING_GRACE_SECONDS
    for folder in staging.iterdir():
        if folder.name in wanted or folder.stat().st_mtime > recent:
            continue
        if folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
        else:
            folder.unlink(missing_ok=True)
