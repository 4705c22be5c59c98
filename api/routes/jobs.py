"""GET /jobs and /jobs/{id}: the progress and outcome of uploads, rescans and deletions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api import messages
from api.deps import AppSettings, Jobs
from api.errors import ApiError
from api.hidden_paths import server_roots
from api.presenters import job_out
from api.schemas import JobOut

router = APIRouter(tags=["任务"])


@router.get("/jobs", summary="任务列表", response_model=list[JobOut])
def list_jobs(
    jobs: Jobs, settings: AppSettings, limit: Annotated[int, Query(ge=1, le=200, description="返回条数")] = 50
) -> list[JobOut]:
    """最近的任务（新的在前）；服务只保留最近 200 个已结束的任务，重启后清空。"""
    return [job_out(job, server_roots(settings)) for job in jobs.recent(limit)]


@router.get("/jobs/{job_id}", summary="任务状态", response_model=JobOut, responses={404: {"description": "任务不存在"}})
def get_job(jobs: Jobs, settings: AppSettings, job_id: str) -> JobOut:
    """任务状态：排队、进行中（阶段与进度）、完成（逐文件结果与汇总）或失败（原因）。"""
    job = jobs.get(job_id)
    if job is None:
        raise ApiError(404, messages.JOB_NOT_FOUND.format(job_id=job_id), "job_id")
    return job_out(job, server_roots(settings))
