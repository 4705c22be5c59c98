"""Search latency and server memory as the index grows: 1k, 10k and 100k chunks.

Why: the demo corpus is ~1,500 chunks; a DRC that collects every pilot's reports for
years holds far more. This builds synthetic corpora of each size (bench/synthetic_corpus.py:
every chunk new text, embedded by the real model), serves each with ``tanlu serve`` —
with embedded Chroma and with a ``chroma run`` server — and prints p50/p95 of
``GET /search`` (one request at a time) and the server's resident memory (and the
Chroma server's, in server mode). Targets (issue 13): p50 at 100k ≤ 2× p50 at 1k; RSS
at 100k ≤ 1.5 GB.

How to run (from the repo root, in the venv)::

    python -m bench.scale --workdir /tmp/tanlu-scale                 # 1k, 10k, 100k; both Chroma modes
    python -m bench.scale --workdir /tmp/tanlu-scale --prepare-only  # embed the 100k texts (resumable)
    python -m bench.scale --sizes 1000,10000 --chroma embedded --json

Everything is kept under ``--workdir``: the corpora, one data folder per size and
mode, and ``embeddings.sqlite``, the vectors of every synthetic chunk. Embedding 100k
chunks takes the model tens of minutes on two cores; ``--prepare-only`` does it
alone (in the background, say), and an interrupted run resumes where it stopped. Each
ingest then starts from a copy of that cache and computes no vector. A benchmark, not
a test.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bench.latency import (
    HOST,
    OtherCpu,
    benchmark_http,
    free_port,
    load_queries,
    log,
    measured_ingest,
    rss_mb,
    seed_embedding_cache,
    stop_server,
    tanlu_command,
    tanlu_env,
    wait_for_health,
)
from bench.synthetic_corpus import chunks_per_document, documents_for, write_corpus

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SIZES = (1000, 10000, 100000)
MODES = ("embedded", "server")
EMBED_BATCH = 64
CHROMA_START_S = 60.0


# -- corpora and their vectors -----------------------------------------------------------
def corpus_for(workdir: Path, size: int, per_document: float) -> Path:
    folder = workdir / f"corpus-{size}"
    count = documents_for(size, per_document)
    marker = folder / ".complete"
    if not marker.exists() or marker.read_text() != str(count):
        log(f"writing {count} synthetic documents into {folder} …")
        write_corpus(folder, count)
        marker.write_text(str(count))
    return folder


def corpus_texts(corpora: list[Path]) -> list[str]:
    """The embedding texts of the corpora's chunks (``ingest.nodes.embedding_text``, so the
    ingest finds each in the cache), smallest corpus first, each text once."""
    from api.settings import Settings
    from ingest.loader import load_documents
    from ingest.nodes import document_nodes, embedding_text

    chunking = Settings().index_config().chunking
    texts: dict[str, None] = {}
    for corpus in corpora:
        for doc in load_documents([corpus]).documents:
            texts.update(dict.fromkeys(embedding_text(node) for node in document_nodes(doc, chunking)))
    return list(texts)


def prepare_vectors(corpora: list[Path], workdir: Path, embed_minutes: float) -> dict:
    """Put a vector for every chunk text of ``corpora`` into the shared cache.

    The model embeds the texts in order (the smallest corpus first) for at most
    ``embed_minutes``; a text it did not reach gets a stand-in: the normalised mean of
    two real vectors of the corpus plus a little noise, so the vector index still
    holds that many distinct points spread like real ones. Stand-ins are listed in
    ``stand-ins.txt`` and replaced by real vectors on a later run with more time.
    Returns how many texts, real vectors and stand-ins.
    """
    import numpy as np

    from api.settings import Settings
    from index.embedders import embedder_key, make_embedder
    from index.embedding_cache import EmbeddingCache, text_hash

    config = Settings().index_config()
    key = embedder_key(config.embedder)
    texts = corpus_texts(corpora)
    stand_in_file = workdir / "stand-ins.txt"
    stand_ins = set(stand_in_file.read_text().split()) if stand_in_file.exists() else set()
    cache = EmbeddingCache(workdir / "embeddings.sqlite")
    have = set(cache.get_many(key, texts))
    missing = [text for text in texts if text_hash(text) not in have or text_hash(text) in stand_ins]
    log(f"{len(texts)} chunk texts, {len(missing)} without a real vector; embedding for up to {embed_minutes:g} min")
    embedder = make_embedder(config.embedder) if missing and embed_minutes > 0 else None
    started = time.monotonic()
    done = 0
    while embedder is not None and done < len(missing) and time.monotonic() - started < embed_minutes * 60:
        batch = missing[done : done + EMBED_BATCH]
        cache.put_many(key, batch, embedder.get_text_embedding_batch(batch))
        stand_ins.difference_update(text_hash(text) for text in batch)
        done += len(batch)
        if done % (EMBED_BATCH * 10) == 0 or done == len(missing):
            rate = done / (time.monotonic() - started)
            log(f"  embedded {done}/{len(missing)} ({rate:.1f}/s)")
            stand_in_file.write_text("\n".join(sorted(stand_ins)))
    unreached = [text for text in missing[done:] if text_hash(text) not in stand_ins]
    if unreached:
        not_reached = set(missing[done:])
        reached = [text for text in texts if text not in not_reached]
        real = np.asarray(list(cache.get_many(key, reached).values()), dtype=np.float32)
        if not len(real):
            raise SystemExit("no real vector yet: give --embed-minutes more time")
        rng = np.random.default_rng(20261206)
        pairs = rng.integers(0, len(real), size=(len(unreached), 2))
        mixed = real[pairs[:, 0]] + real[pairs[:, 1]] + rng.normal(0, 0.02, (len(unreached), real.shape[1]))
        mixed /= np.linalg.norm(mixed, axis=1, keepdims=True)
        for start in range(0, len(unreached), 5000):
            cache.put_many(key, unreached[start : start + 5000], mixed[start : start + 5000].tolist())
        stand_ins.update(text_hash(text) for text in unreached)
        log(f"  {len(unreached)} stand-in vectors (means of two real ones) for texts the model did not reach")
    stand_in_file.write_text("\n".join(sorted(stand_ins)))
    cache.close()
    return {"texts": len(texts), "real": len(texts) - len(stand_ins), "stand_ins": len(stand_ins)}


def stand_ins_in(corpus: Path, workdir: Path) -> int:
    """How many chunks of ``corpus`` carry a stand-in vector (reported beside the figures)."""
    from index.embedding_cache import text_hash

    stand_in_file = workdir / "stand-ins.txt"
    if not stand_in_file.exists():
        return 0
    stand_ins = set(stand_in_file.read_text().split())
    return sum(1 for text in corpus_texts([corpus]) if text_hash(text) in stand_ins)


# -- servers -----------------------------------------------------------------------------
def chroma_env(port: int | None) -> dict[str, str]:
    if port is None:
        return {}
    return {"TANLU_CHROMA_MODE": "http", "TANLU_CHROMA_HOST": HOST, "TANLU_CHROMA_PORT": str(port)}


def start_chroma(path: Path) -> tuple[subprocess.Popen, int]:
    script = Path(sys.executable).parent / "chroma"
    executable = str(script) if script.exists() else (shutil.which("chroma") or "chroma")
    port = free_port()
    env = dict(os.environ, ANONYMIZED_TELEMETRY="False", NO_PROXY="127.0.0.1,localhost")
    process = subprocess.Popen(
        [executable, "run", "--path", str(path), "--host", HOST, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + CHROMA_START_S
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://{HOST}:{port}/api/v2/heartbeat", timeout=2, trust_env=False).status_code == 200:
                return process, port
        except httpx.HTTPError:
            time.sleep(0.5)
    stop_server(process)
    raise SystemExit(f"chroma run did not answer on port {port} within {CHROMA_START_S:.0f} s")


def ingest(corpus: Path, data_dir: Path, chroma_port: int | None) -> tuple[float, int]:
    saved = {key: os.environ.get(key) for key in chroma_env(chroma_port)}
    os.environ.update(chroma_env(chroma_port))
    try:
        return measured_ingest(corpus, data_dir)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def serve(data_dir: Path, chroma_port: int | None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(tanlu_env(data_dir), **chroma_env(chroma_port))  # no kept query vectors: each search embeds
    process = subprocess.Popen(
        [*tanlu_command(), "serve", "--host", HOST, "--port", str(port)], env=env, cwd=REPO_ROOT, stdout=sys.stderr
    )
    return process, f"http://{HOST}:{port}"


# -- one size, one mode ------------------------------------------------------------------
def measure(size: int, mode: str, corpus: Path, args: argparse.Namespace, queries: list) -> dict:
    data_dir = args.workdir / f"data-{size}-{mode}"
    seed_embedding_cache(args.workdir, data_dir)  # a copy of the shared cache: the ingest embeds nothing
    chroma = None
    chroma_port = None
    try:
        if mode == "server":
            chroma, chroma_port = start_chroma(args.workdir / f"chroma-server-{size}")
        ingest_s, ingest_peak = ingest(corpus, data_dir, chroma_port)
        process, base_url = serve(data_dir, chroma_port)
        try:
            health = wait_for_health(process, base_url)
            rss_start = rss_mb(process.pid)
            log(f"{size} / {mode}: {health['chunks']} chunks at {base_url}, RSS {rss_start} MB")
            pids = (process.pid, chroma.pid) if chroma else (process.pid,)
            other = OtherCpu(pids)
            result = benchmark_http(base_url, queries, args.queries, args.warmup, f"{size}/{mode}", pids)
            result["other_cpu_cores"] = other.cores()
            result.update(
                size=size,
                mode=mode,
                chunks=health["chunks"],
                ingest_s=round(ingest_s, 1),
                ingest_peak_mb=ingest_peak,
                rss_start_mb=rss_start,
                rss_mb=rss_mb(process.pid),
                chroma_rss_mb=rss_mb(chroma.pid) if chroma else None,
                stand_in_vectors=stand_ins_in(corpus, args.workdir),
            )
        finally:
            stop_server(process)
    finally:
        if chroma is not None:
            stop_server(chroma)
    return result


# -- output ------------------------------------------------------------------------------
def print_table(rows: list[dict]) -> None:
    print("GET /search one at a time over synthetic corpora (times in ms, memory in MB)")
    columns = (
        "chunks",
        "stand-ins",
        "p50",
        "p95",
        "errors",
        "RSS start",
        "RSS",
        "chroma RSS",
        "ingest s",
        "ingest RSS",
        "others",
    )
    print(f"{'size / chroma':18}" + "".join(f" {column:>10}" for column in columns))
    for row in rows:
        cells = (
            row["chunks"],
            row["stand_in_vectors"],
            row["p50_ms"],
            row["p95_ms"],
            row["errors"],
            row["rss_start_mb"],
            row["rss_mb"],
            row["chroma_rss_mb"] if row["chroma_rss_mb"] is not None else "—",
            row["ingest_s"],
            row["ingest_peak_mb"],
            row["other_cpu_cores"],
        )
        print(f"{row['size']:>7} / {row['mode']:8}" + "".join(f" {cell!s:>10}" for cell in cells))
    for mode in MODES:
        by_size = {row["size"]: row for row in rows if row["mode"] == mode}
        if len(by_size) > 1:
            small, large = min(by_size), max(by_size)
            ratio = by_size[large]["p50_ms"] / by_size[small]["p50_ms"]
            print(
                f"{mode}: p50 at {large} is {ratio:.2f}× p50 at {small} (target ≤ 2); "
                f"RSS at {large}: {by_size[large]['rss_mb']} MB (target ≤ 1536)"
            )
    print(
        "RSS: the tanlu server after start-up (start) and after the timed searches; chroma RSS: the chroma run server;"
        " ingest RSS: the peak of the `tanlu ingest` that built the index (vectors from the shared cache)."
    )
    print("stand-ins: chunks whose vector is the mean of two real ones (the model had no time for them).")
    print("others: CPU (in cores) other processes used meanwhile; on 2 shared cores it inflates the times.")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/tanlu-scale"), help="kept between runs")
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)), help="corpus sizes in chunks")
    parser.add_argument("--chroma", choices=(*MODES, "both"), default="both", help="Chroma embedded, server or both")
    parser.add_argument("--queries", type=int, default=200, help="timed searches per size and mode")
    parser.add_argument("--warmup", type=int, default=20, help="untimed searches first")
    parser.add_argument("--prepare-only", action="store_true", help="write the corpora and embed them, then stop")
    parser.add_argument(
        "--embed-minutes", type=float, default=60.0, help="model time for vectors; stand-ins for the rest (default 60)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    try:
        args.sizes = sorted({int(size) for size in args.sizes.split(",")})
    except ValueError:
        parser.error("--sizes: comma-separated numbers of chunks, e.g. 1000,10000,100000")
    if not args.sizes or min(args.sizes) < 100 or args.queries < 1 or args.warmup < 0:
        parser.error("sizes must be at least 100 chunks, --queries positive, --warmup not negative")
    args.workdir = args.workdir.resolve()
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    per_document = chunks_per_document()
    corpora = {size: corpus_for(args.workdir, size, per_document) for size in args.sizes}
    # A larger corpus holds every smaller one (same documents first): one embedding pass.
    prepared = prepare_vectors([corpora[size] for size in args.sizes], args.workdir, args.embed_minutes)
    log(f"vectors: {prepared}")
    if args.prepare_only:
        return 0
    queries = load_queries()
    modes = MODES if args.chroma == "both" else (args.chroma,)
    rows = [measure(size, mode, corpora[size], args, queries) for size in args.sizes for mode in modes]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
    else:
        print_table(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
