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
sample of the errors; exits 1 if there was any error. A benchmark, not a test.
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
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.latency import (
    HOST,
    OtherCpu,
    Query,
    load_queries,
    log,
    percentile,
    run_ingest,
    start_server,
    stop_server,
    wait_for_health,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
REQUEST_TIMEOUT_S = 30.0
PROGRESS_EVERY_S = 5.0
ERROR_SAMPLES = 5
SEED = 20250901
ASK_FILTERS = ("pilot_type", "region", "doc_type", "field", "year")
PRACTICE_FILTERS = ("pilot_type", "region", "field", "pilot_id")
# Share of each kind of request in the mix (they add up to 1).
MIX = (("search", 0.5), ("ask", 0.2), ("practices", 0.2), ("pilots", 0.1))


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


def load(base_url: str, args: argparse.Namespace, queries: list[Query], server_pids: tuple[int, ...] = ()) -> dict:
    headers = {"Authorization": f"Bearer {args.token}"} if args.token else {}
    pilot_ids = fetch_pilot_ids(base_url, headers)
    requests = build_requests(queries, pilot_ids, count=20000)
    log(f"warming up {len({request.label for request in requests})} endpoints …")
    asyncio.run(warm_up(base_url, requests, headers))
    log(f"{args.clients} clients for {args.seconds:.0f} s …")
    other_cpu = OtherCpu(server_pids)
    outcomes, elapsed = asyncio.run(run_clients(base_url, requests, args.clients, args.seconds, headers))
    result = summarize(outcomes, elapsed)
    result["other_cpu_cores"] = other_cpu.cores()
    result["base_url"] = base_url
    return result


def own_server(args: argparse.Namespace, queries: list[Query], data_dir: Path) -> dict:
    run_ingest(args.corpus.resolve(), data_dir)
    process, base_url = start_server(data_dir)
    try:
        health = wait_for_health(process, base_url)
        log(f"server up at {base_url}: {health['documents']} documents, {health['chunks']} chunks")
        result = load(base_url, args, queries, (process.pid,))
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
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if args.clients < 1 or not 0 < args.seconds <= 3600:
        parser.error("--clients must be at least 1 and --seconds between 0 and 3600")
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
        result = load(args.base_url.rstrip("/"), args, queries)
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
