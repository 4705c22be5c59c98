"""How soon a running server answers with what another process just ingested.

    python -m bench.live_visibility [--data-dir DIR] [--corpus DIR] [--rounds 5]

Issue 13 asks that a document ingested by ``tanlu ingest`` in another process (or
uploaded through another server) be searchable within 2 s. This starts ``tanlu serve``
over the data folder (ingesting the corpus first; a kept folder makes later runs start
at once), then, each round, writes one new document with a word no other document
holds, runs ``tanlu ingest`` on it in a separate process, and polls ``GET /search``
for that word until the new document comes back. It prints, per round, the ingest's
own time and the delay from the ingest's end to the first answer that holds the
document, then p50 and max of that delay.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.latency import (
    REPO_ROOT,
    log,
    run_ingest,
    start_server,
    stop_server,
    wait_for_health,
)

DEFAULT_CORPUS = REPO_ROOT / "corpus"
DEFAULT_DATA_DIR = Path("bench-output") / "live-data"
POLL_S = 0.05
GIVE_UP_S = 60.0
# Each round's document names a made-up facility, so only it can match the query.
TOKEN = "试验储热罐{n}号"


def new_document(folder: Path, n: int) -> str:
    """A small report of a demo pilot that mentions ``TOKEN`` for round ``n``; its doc id."""
    pilot = "bench-live-visibility"
    name = f"report-{n}"
    (folder / pilot).mkdir(parents=True, exist_ok=True)
    (folder / pilot / f"{name}.md").write_text(
        "---\n"
        f"title: 演示试点第{n}次可见性测试报告\npilot: 演示可见性试点\npilot_id: {pilot}\npilot_type: 园区\n"
        "region: 银川市\ndoc_type: 进展报告\nperiod: 2026H1\nfields: [节能降碳增效]\ndemo: true\n---\n"
        f"一、上半年主要工作进展\n（一）{TOKEN.format(n=n)}投运。园区建成{TOKEN.format(n=n)}，用于回收余热。\n",
        encoding="utf-8",
    )
    return f"{pilot}/{name}"


def seconds_until_found(client: httpx.Client, base_url: str, query: str, doc_id: str) -> float:
    """From now until a /search answer holds ``doc_id`` (the time that answer was sent)."""
    started = time.perf_counter()
    while time.perf_counter() - started < GIVE_UP_S:
        sent = time.perf_counter()
        hits = client.get(f"{base_url}/search", params={"q": query, "top_k": 5}).json()
        if any(hit.get("doc_id") == doc_id for hit in hits["results"]):
            return sent - started
        time.sleep(POLL_S)
    return float("inf")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    data_dir = args.data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    run_ingest(args.corpus.resolve(), data_dir)
    process, base_url = start_server(data_dir)
    delays: list[float] = []
    try:
        health = wait_for_health(process, base_url)
        log(f"server up at {base_url}: {health['documents']} documents")
        with tempfile.TemporaryDirectory() as scratch, httpx.Client(trust_env=False, timeout=30) as client:
            folder = Path(scratch)
            stamp = int(time.time())
            for round_number in range(1, args.rounds + 1):
                n = stamp * 100 + round_number
                doc_id = new_document(folder, n)
                took = run_ingest(folder, data_dir)
                delay = seconds_until_found(client, base_url, TOKEN.format(n=n), doc_id)
                delays.append(delay)
                print(f"round {round_number}: ingest {took:.1f} s, visible {delay:.2f} s after it ended", flush=True)
    finally:
        stop_server(process)
    found = [delay for delay in delays if delay != float("inf")]
    if not found:
        print("never visible within 60 s")
        return 1
    print(f"visible after: p50 {statistics.median(found):.2f} s, max {max(found):.2f} s (target ≤ 2 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
