"""Load test: N concurrent clients against a real ``tanlu serve`` on 127.0.0.1 for a bounded time.

Why: bench/latency.py sends one request at a time, which is what one official sees on
an idle server. A shared deployment serves a whole office at once; this shows the
throughput and the tail latency under concurrency, and whether anything breaks (the
target is zero errors: no 5xx, no timeout, no refused connection).

How to run (from the repo root, in the venv)::

    python -m bench.load                                # 20 clients, 30 s, demo corpus, own server
    python -m bench.load --clients 50 --seconds 60 --data /tmp/tanlu-load
    python -m bench.load --base-url http://127.0.0.1:8000 --json

Without ``--base-url`` it ingests ``--corpus`` into ``--data`` (a temporary folder by
default; a kept folder makes later runs start at once, the ingest being incremental),
starts ``tanlu serve`` on a free port of 127.0.0.1, warms every endpoint once, runs the
clients, and stops the server. Each client sends one request after another, drawn with
a fixed seed from a mix of ``GET /search`` (bench/queries.txt, a third with filters,
some in bm25/dense mode), ``POST /ask``, ``GET /practices`` (with and without a query)
and the pilot list and pages. Traffic goes to 127.0.0.1 only, and stops by itself.

Prints requests/s, p50/p95/p99/max per endpoint and overall, the error count and a
sample of the errors; exits 1 if there was any error. Beside them: the CPU this load
generator used itself (on 2 cores it competes with the server it measures), and, for
its own server, the server's resident memory (RSS) at start, during the load and after.

``--uploads N`` then sends N small documents, one after another, through
``POST /documents`` (each a new fictional pilot, bench/synthetic_corpus.py), waits for
each job, and prints the RSS curve: memory an ingest inside the server does not give
back grows with every upload (issue 13: 437 → 811 MB after 100; target: within 20% of
the start). A benchmark, not a test.
"""

from __future__ import annotations

import os

# Same thread settings as the server (api/cli.py), before anything imports numpy.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse
import asyncio
import json
import random
import re
import secrets
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.latency import (
    HOST,
    OtherCpu,
    Query,
    child_pids,
    load_queries,
    log,
    percentile,
    rss_mb,
    run_ingest,
    start_server,
    stop_server,
    wait_for_health,
)
from bench.synthetic_corpus import demo_sentences, document

REPO_ROOT = Path(__file__).resolve().parents[1]
REQUEST_TIMEOUT_S = 30.0
PROGRESS_EVERY_S = 5.0
ERROR_SAMPLES = 5
SEED = 20250901
ASK_FILTERS = ("pilot_type", "region", "doc_type", "field", "year")
PRACTICE_FILTERS = ("pilot_type", "region", "field", "pilot_id")
# Share of each kind of request in the mix (they add up to 1).
MIX = (("search", 0.5), ("ask", 0.2), ("practices", 0.2), ("pilots", 0.1))
RSS_EVERY_S = 1.0
UPLOAD_SECTIONS = 4  # ~10 chunks per uploaded document
UPLOAD_JOB_TIMEOUT_S = 600.0
RSS_TARGET_GROWTH = 0.20


@dataclass(frozen=True)
class Request:
    label: str  # the endpoint, as reported
    method: str
    path: str
    params: dict = field(default_factory=dict)
    body: dict | None = None


@dataclass
class Outcome:
    label: str
    latency_ms: float
    error: str | None


def build_requests(queries: list[Query], pilot_ids: list[str], count: int, seed: int = SEED) -> list[Request]:
    """A reproducible sequence of requests in the proportions of ``MIX``."""
    rng = random.Random(seed)
    kinds, weights = zip(*MIX, strict=True)
    requests = []
    for _ in range(count):
        kind = rng.choices(kinds, weights)[0]
        query = rng.choice(queries)
        if kind == "search":
            mode = rng.choices(("hybrid", "bm25", "dense"), (0.8, 0.1, 0.1))[0]
            params = {"q": query.text, **query.params, **({"mode": mode} if mode != "hybrid" else {})}
            requests.append(Request("GET /search", "GET", "/search", params))
        elif kind == "ask":
            body = {"question": query.text, **{k: v for k, v in query.params.items() if k in ASK_FILTERS}}
            requests.append(Request("POST /ask", "POST", "/ask", body=body))
        elif kind == "practices":
            params = {k: v for k, v in query.params.items() if k in PRACTICE_FILTERS}
            if rng.random() < 0.5:
                params["q"] = query.text
            requests.append(Request("GET /practices", "GET", "/practices", params))
        elif pilot_ids and rng.random() < 0.7:
            requests.append(Request("GET /pilots/{id}", "GET", f"/pilots/{rng.choice(pilot_ids)}"))
        else:
            requests.append(Request("GET /pilots", "GET", "/pilots"))
    return requests


async def send(client: httpx.AsyncClient, request: Request) -> Outcome:
    started = time.perf_counter()
    try:
        response = await client.request(request.method, request.path, params=request.params or None, json=request.body)
    except httpx.HTTPError as error:
        elapsed = (time.perf_counter() - started) * 1000
        return Outcome(
            request.label, elapsed, f"{request.label} {request.params or request.body}: {type(error).__name__}: {error}"
        )
    elapsed = (time.perf_counter() - started) * 1000
    if not 200 <= response.status_code < 300:
        shown = request.params or request.body
        return Outcome(
            request.label, elapsed, f"{request.label} {shown}: HTTP {response.status_code} {response.text[:200]}"
        )
    return Outcome(request.label, elapsed, None)


async def run_clients(
    base_url: str, requests: list[Request], clients: int, seconds: float, headers: dict
) -> tuple[list[Outcome], float]:
    """``clients`` loops, each taking the next request of the shared sequence until time is up."""
    outcomes: list[Outcome] = []
    position = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    # trust_env=False: no proxy setting may route loopback traffic elsewhere.
    async with httpx.AsyncClient(
        base_url=base_url, timeout=REQUEST_TIMEOUT_S, limits=limits, trust_env=False, headers=headers
    ) as client:
        started = time.monotonic()
        deadline = started + seconds

        async def one_client() -> None:
            nonlocal position
            while time.monotonic() < deadline:
                request = requests[position % len(requests)]
                position += 1
                outcomes.append(await send(client, request))

        async def progress() -> None:
            while time.monotonic() < deadline:
                await asyncio.sleep(PROGRESS_EVERY_S)
                errors = sum(1 for outcome in outcomes if outcome.error)
                log(f"  {time.monotonic() - started:5.0f} s  {len(outcomes)} requests, {errors} errors")

        reporter = asyncio.create_task(progress())
        # Bounded: a request still running at the deadline may take at most its timeout.
        await asyncio.wait_for(asyncio.gather(*(one_client() for _ in range(clients))), seconds + REQUEST_TIMEOUT_S + 5)
        elapsed = time.monotonic() - started
        reporter.cancel()
    return outcomes, elapsed


async def warm_up(base_url: str, requests: list[Request], headers: dict) -> None:
    """One request per endpoint, untimed: the first /practices builds the merged catalogue."""
    seen: dict[str, Request] = {}
    for request in requests:
        seen.setdefault(request.label, request)
    async with httpx.AsyncClient(base_url=base_url, timeout=300, trust_env=False, headers=headers) as client:
        for request in seen.values():
            outcome = await send(client, request)
            if outcome.error:
                log(f"  warm-up error: {outcome.error}")


def fetch_pilot_ids(base_url: str, headers: dict) -> list[str]:
    with httpx.Client(base_url=base_url, timeout=60, trust_env=False, headers=headers) as client:
        response = client.get("/pilots")
        if response.status_code != 200:
            hint = " (reads need a token? pass --token)" if response.status_code == 401 else ""
            raise SystemExit(f"GET /pilots answered HTTP {response.status_code}{hint}: {response.text[:200]}")
        return [pilot["pilot_id"] for pilot in response.json()]


def total_rss_mb(pids: tuple[int, ...]) -> float | None:
    values = [value for value in (rss_mb(pid) for pid in pids) if value is not None]
    return round(sum(values), 1) if values else None


class RssSampler:
    """The server's RSS (summed over its processes) every ``RSS_EVERY_S`` seconds, in a
    thread, while a phase runs."""

    def __init__(self, pids: tuple[int, ...]) -> None:
        self.pids = pids
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(RSS_EVERY_S):
            value = total_rss_mb(self.pids)
            if value is not None:
                self.samples.append(value)

    def __enter__(self) -> RssSampler:
        if self.pids:
            self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()


class OwnCpu:
    """CPU time this process (the load generator) used over a phase, in cores."""

    def __init__(self) -> None:
        self.start = (time.process_time(), time.monotonic())

    def cores(self) -> float:
        cpu, wall = time.process_time() - self.start[0], time.monotonic() - self.start[1]
        return round(cpu / wall, 2) if wall > 0 else 0.0


def first_new_upload(pilot_ids: list[str]) -> int:
    """The number of the first upload whose pilot the server does not hold yet: on a data
    folder kept from an earlier run, uploads 1… would replace documents already there
    (no new texts to embed), and the memory curve would show nothing."""
    numbers = [int(found.group(1)) - UPLOAD_NUMBERS for found in map(_UPLOADED.search, pilot_ids) if found]
    return max((number for number in numbers if number > 0), default=0) + 1


UPLOAD_NUMBERS = 90000  # upload n is synthetic document 90000 + n
_UPLOADED = re.compile(r"^synthetic-[a-z]+-(\d{5,})$")


def upload_document(client: httpx.Client, number: int, sentences: list[str], sections: int) -> str | None:
    """Upload synthetic document ``number`` and wait for its job; an error text or None."""
    rng = random.Random(SEED + number)
    pilot_id, text = document(UPLOAD_NUMBERS + number, sentences, rng, sections=sections)
    files = {"files": (f"{pilot_id}.md", text.encode("utf-8"), "text/markdown")}
    response = client.post("/documents", files=files)
    if response.status_code != 202:
        return f"POST /documents {pilot_id}: HTTP {response.status_code} {response.text[:200]}"
    status_url = response.json()["status_url"]
    deadline = time.monotonic() + UPLOAD_JOB_TIMEOUT_S
    while time.monotonic() < deadline:
        job = client.get(status_url).json()
        if job["state"] == "done":
            return None
        if job["state"] == "failed":
            return f"upload {pilot_id}: job failed: {job.get('error')}"
        time.sleep(0.2)
    return f"upload {pilot_id}: job not done within {UPLOAD_JOB_TIMEOUT_S:.0f} s"


def run_uploads(base_url: str, count: int, headers: dict, pid: int | None, sections: int = UPLOAD_SECTIONS) -> dict:
    """``count`` uploads of new pilots one after another; the server's RSS before, every tenth, after."""
    sentences = demo_sentences()
    first = first_new_upload(fetch_pilot_ids(base_url, headers))
    curve: list[tuple[int, float | None]] = [(0, rss_mb(pid) if pid else None)]
    files_before = rss_mb(pid, "RssFile") if pid else None
    errors: list[str] = []
    started = time.monotonic()
    with (
        httpx.Client(base_url=base_url, timeout=60, trust_env=False, headers=headers) as client,
        RssSampler((pid,) if pid else ()) as sampler,
    ):
        for done in range(1, count + 1):
            error = upload_document(client, first + done - 1, sentences, sections)
            if error:
                errors.append(error)
            if done % max(1, count // 10) == 0 or done == count:
                curve.append((done, rss_mb(pid) if pid else None))
                log(f"  {done}/{count} uploads, RSS {curve[-1][1]} MB, {len(errors)} errors")
        time.sleep(3)  # what is freed late (a job's last references) is counted as freed
        after = rss_mb(pid) if pid else None
    start = curve[0][1]
    return {
        "uploads": count,
        "errors": len(errors),
        "error_samples": errors[:ERROR_SAMPLES],
        "seconds": round(time.monotonic() - started, 1),
        "rss_curve_mb": curve,
        "rss_before_mb": start,
        "rss_peak_mb": max(sampler.samples, default=None),
        "rss_after_mb": after,
        "growth": round(after / start - 1, 3) if start and after else None,
        "mapped_files_mb": (files_before, rss_mb(pid, "RssFile") if pid else None),
    }


def summarize(outcomes: list[Outcome], elapsed: float) -> dict:
    by_label: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_label[outcome.label].append(outcome)

    def row(items: list[Outcome]) -> dict:
        latencies = [item.latency_ms for item in items]
        return {
            "requests": len(items),
            "errors": sum(1 for item in items if item.error),
            "req_per_s": round(len(items) / elapsed, 1) if elapsed > 0 else None,
            "p50_ms": round(percentile(latencies, 0.50), 1) if latencies else None,
            "p95_ms": round(percentile(latencies, 0.95), 1) if latencies else None,
            "p99_ms": round(percentile(latencies, 0.99), 1) if latencies else None,
            "max_ms": round(max(latencies), 1) if latencies else None,
        }

    errors = [outcome.error for outcome in outcomes if outcome.error]
    distinct = list(dict.fromkeys(errors))
    return {
        "seconds": round(elapsed, 1),
        "endpoints": {label: row(items) for label, items in sorted(by_label.items())},
        "overall": row(outcomes),
        "error_kinds": dict(Counter(error.split(":", 1)[0] for error in errors)),
        "error_samples": distinct[:ERROR_SAMPLES],
    }


def print_table(result: dict, clients: int) -> None:
    chunks = result.get("chunks", "?")
    print(f"{clients} concurrent clients for {result['seconds']} s against {result['base_url']} ({chunks} chunks)")
    columns = ("requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms")
    print(f"{'endpoint':18}" + "".join(f" {column:>9}" for column in columns))
    rows = [*result["endpoints"].items(), ("overall", result["overall"])]
    for label, row in rows:
        cells = (
            row["requests"],
            row["errors"],
            row["req_per_s"],
            row["p50_ms"],
            row["p95_ms"],
            row["p99_ms"],
            row["max_ms"],
        )
        print(f"{label:18}" + "".join(f" {'—' if cell is None else cell:>9}" for cell in cells))
    print(f"errors: {result['overall']['errors']} (target 0)")
    for sample in result["error_samples"]:
        print(f"  {sample}")
    if result.get("other_cpu_cores") is not None:
        print(
            f"others: {result['other_cpu_cores']} cores of CPU used by other processes meanwhile "
            "(on 2 cores it lowers these figures)"
        )
    print(f"load generator: {result['own_cpu_cores']} cores of CPU itself (this process, 20 clients' HTTP and JSON)")
    rss = result.get("rss")
    if rss:
        print(
            f"server RSS: {rss['start_mb']} MB after warm-up, {rss['during_max_mb']} MB at most during the load "
            f"(mean {rss['during_mean_mb']}), {rss['after_mb']} MB after"
        )
        if rss["processes"] > 1:
            print(
                f"  {rss['processes']} processes (workers, then the supervisor), MB each: "
                f"{rss['start_each_mb']} after warm-up, {rss['after_each_mb']} after"
            )
    if result.get("query_cache") is not None:
        kept = "kept (TANLU_QUERY_CACHE default)" if result["query_cache"] else "not kept (TANLU_QUERY_CACHE=0)"
        print(f"server: {result['workers']} worker(s); query vectors {kept}")
    uploads = result.get("uploads")
    if uploads:
        curve = "  ".join(f"{n}:{mb}" for n, mb in uploads["rss_curve_mb"])
        growth = uploads["growth"]
        shown = "—" if growth is None else f"{growth:+.0%}"
        print(
            f"{uploads['uploads']} uploads in {uploads['seconds']} s, {uploads['errors']} errors; "
            f"RSS {uploads['rss_before_mb']} → {uploads['rss_after_mb']} MB ({shown}, target within "
            f"{RSS_TARGET_GROWTH:.0%}), peak {uploads['rss_peak_mb']} MB"
        )
        print(f"  RSS after n uploads (n:MB): {curve}")
        files_before, files_after = uploads["mapped_files_mb"]
        if files_before is not None and files_after is not None:
            print(
                f"  of which pages of mapped files (the model, libraries; the kernel can drop them): "
                f"{files_before} → {files_after} MB: new texts read more of the model's word table"
            )
        for sample in uploads["error_samples"]:
            print(f"  {sample}")


def load(base_url: str, args: argparse.Namespace, queries: list[Query], server_pids: tuple[int, ...] = ()) -> dict:
    headers = {"Authorization": f"Bearer {args.token}"} if args.token else {}
    pid = server_pids[0] if server_pids else None
    pilot_ids = fetch_pilot_ids(base_url, headers)
    requests = build_requests(queries, pilot_ids, count=20000)
    log(f"warming up {len({request.label for request in requests})} endpoints …")
    asyncio.run(warm_up(base_url, requests, headers))
    rss_start = total_rss_mb(server_pids)
    rss_start_each = [rss_mb(server_pid) for server_pid in server_pids]
    log(f"{args.clients} clients for {args.seconds:.0f} s …")
    other_cpu, own_cpu = OtherCpu(server_pids), OwnCpu()
    with RssSampler(server_pids) as sampler:
        outcomes, elapsed = asyncio.run(run_clients(base_url, requests, args.clients, args.seconds, headers))
    result = summarize(outcomes, elapsed)
    result["other_cpu_cores"] = other_cpu.cores()
    result["own_cpu_cores"] = own_cpu.cores()
    result["base_url"] = base_url
    if pid:
        samples = sampler.samples
        result["rss"] = {
            "start_mb": rss_start,
            "during_max_mb": max(samples) if samples else None,
            "during_mean_mb": round(sum(samples) / len(samples), 1) if samples else None,
            "after_mb": total_rss_mb(server_pids),
            "processes": len(server_pids),
            "start_each_mb": rss_start_each,
            "after_each_mb": [rss_mb(server_pid) for server_pid in server_pids],
        }
    result["workers"] = getattr(args, "workers", 1)
    result["query_cache"] = getattr(args, "query_cache", None) if not args.base_url else None
    if args.uploads:
        write_headers = {"Authorization": f"Bearer {args.write_token}"} if args.write_token else headers
        log(f"{args.uploads} uploads, one after another …")
        result["uploads"] = run_uploads(base_url, args.uploads, write_headers, pid, args.upload_sections)
    return result


def own_server(args: argparse.Namespace, queries: list[Query], data_dir: Path) -> dict:
    run_ingest(args.corpus.resolve(), data_dir)
    if args.uploads and not args.write_token:
        args.write_token = secrets.token_urlsafe(16)
        os.environ["TANLU_WRITE_TOKEN"] = args.write_token  # the server reads it; uploads go to data_dir
    process, base_url = start_server(data_dir, args.workers, query_cache=args.query_cache)
    try:
        health = wait_for_health(process, base_url)
        log(f"server up at {base_url}: {health['documents']} documents, {health['chunks']} chunks")
        workers = child_pids(process.pid) if args.workers > 1 else []
        result = load(base_url, args, queries, (*workers, process.pid))
        result["chunks"] = health["chunks"]
    finally:
        stop_server(process)
    return result


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long the clients run (default 30)")
    parser.add_argument("--corpus", type=Path, default=REPO_ROOT / "corpus", help="corpus to ingest for the own server")
    parser.add_argument("--data", type=Path, help="data folder for the own server (kept; default: a temporary one)")
    parser.add_argument(
        "--base-url", help="load this running server instead (127.0.0.1 only; --corpus, --data ignored)"
    )
    parser.add_argument(
        "--token",
        default=os.environ.get("TANLU_READ_TOKEN", ""),
        help="bearer token, if reads need one (default: $TANLU_READ_TOKEN)",
    )
    parser.add_argument("--server-pid", type=int, help="with --base-url: the server's process id, for its RSS")
    parser.add_argument("--uploads", type=int, default=0, help="then upload this many small documents (RSS curve)")
    parser.add_argument(
        "--upload-sections", type=int, default=UPLOAD_SECTIONS, help="sections per uploaded document (~2.5 chunks each)"
    )
    parser.add_argument(
        "--write-token",
        default=os.environ.get("TANLU_WRITE_TOKEN", ""),
        help="token for the uploads (default: $TANLU_WRITE_TOKEN; for the own server, a fresh one)",
    )
    parser.add_argument("--workers", type=int, default=1, help="server processes of the own server (default 1)")
    parser.add_argument(
        "--query-cache",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="the own server keeps recent query vectors (default; the mix repeats bench/queries.txt's 42 queries)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if args.clients < 1 or not 0 < args.seconds <= 3600 or args.uploads < 0:
        parser.error("--clients must be at least 1, --seconds between 0 and 3600, --uploads not negative")
    if args.base_url:
        host = httpx.URL(args.base_url).host
        if host not in (HOST, "localhost", "::1"):
            parser.error("--base-url must be a server on this machine (127.0.0.1 or localhost)")
    elif not args.corpus.is_dir():
        parser.error(f"corpus folder {args.corpus} not found")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    queries = load_queries()
    if args.base_url:
        pids = (args.server_pid,) if args.server_pid else ()
        result = load(args.base_url.rstrip("/"), args, queries, pids)
    elif args.data is not None:
        args.data.mkdir(parents=True, exist_ok=True)
        result = own_server(args, queries, args.data.resolve())
    else:
        with tempfile.TemporaryDirectory(prefix="tanlu-load-") as workdir:
            result = own_server(args, queries, Path(workdir))
    result["clients"] = args.clients
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print_table(result, args.clients)
    return 1 if result["overall"]["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
