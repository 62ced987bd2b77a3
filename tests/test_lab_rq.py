"""The lab's Redis backend: two replicas share one RQ queue served by two `gradlab lab-worker` processes."""

from __future__ import annotations

import subprocess
import sys

import pytest
from gradlab.ops import runs
from gradlab.ops.run_queue import QUEUE, RQBackend

from tests.conftest import REPO

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def workers(redis_url):
    """Start two lab workers on the throwaway Redis; yield their names."""
    from redis import Redis
    from rq import Worker

    names = ["lab-worker-1", "lab-worker-2"]
    connection = Redis.from_url(redis_url)
    connection.config_set("notify-keyspace-events", "Ks")
    pubsub = connection.pubsub()
    pubsub.psubscribe("__keyspace@0__:rq:worker*")
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "gradlab.cli", "lab-worker", "--url", redis_url, "--name", name],
            cwd=REPO,  # the test targets (tests.lab_targets) import from the clone
            stdout=subprocess.DEVNULL,
        )
        for name in names
    ]
    while {w.name for w in Worker.all(connection=connection)} < set(names):  # woken by each registration
        assert all(p.poll() is None for p in processes), "a lab worker exited"
        pubsub.get_message(timeout=5)
    yield names
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=30)


def replica(tmp_path, redis_url, name: str, **limits) -> RQBackend:
    return RQBackend(runs.RunStore(tmp_path / name), redis_url, **limits)


def finish(backend: RQBackend, name: str, key: str) -> runs.Run:
    """Block on the job's result stream until it ends, then report the run."""
    backend.queue.fetch_job(key).latest_result(timeout=60)
    return backend.get(name, key)


def test_two_replicas_share_one_run_computed_by_a_worker(tmp_path, redis_url, workers):
    first, second = replica(tmp_path, redis_url, "a"), replica(tmp_path, redis_url, "b")
    params = {"cell": "lstm", "forget_bias": 0.0, "seq_len": 100}
    key = runs.run_key("gradient_vs_lag", params)
    assert first.submit("gradient_vs_lag", params, key).status == "queued"
    assert second.submit("gradient_vs_lag", params, key).id == key  # joins the queued job
    run = finish(second, "gradient_vs_lag", key)
    assert run.status == "done" and run.result["metrics"]["chosen_lag50"] < 1e-6
    assert second.store.load("gradient_vs_lag", key).status == "done"  # copied into the replica's cache
    assert first.queue.fetch_job(key).worker_name in workers
    assert len(first.queue.finished_job_registry) == 1


def test_a_job_over_its_cpu_limit_is_killed_and_reported(tmp_path, redis_url, workers):
    backend = replica(tmp_path, redis_url, "c", cpu_seconds=1, target="tests.lab_targets:spin")
    backend.submit("receptive_field", {"layers": 3}, "spin0001")
    run = finish(backend, "receptive_field", "spin0001")
    assert run.status == "killed" and "CPU-time limit of 1 s" in run.error


def test_a_full_redis_queue_refuses_with_retry_after(tmp_path, redis_url):
    from redis import Redis
    from rq import Queue

    backend = replica(tmp_path, redis_url, "d", queue_size=1)
    queue = Queue(f"{QUEUE}-paused", connection=Redis.from_url(redis_url))  # no worker reads it: jobs stay queued
    backend.queue = queue
    backend.submit("spectral_radius", {"gain": 1.0, "matrix": "orthogonal"}, "full0001")
    with pytest.raises(runs.QueueFull) as refused:
        backend.submit("spectral_radius", {"gain": 2.0, "matrix": "orthogonal"}, "full0002")
    assert refused.value.retry_after >= 1
    queue.empty()


def test_an_unreachable_redis_is_reported_as_unavailable(tmp_path):
    backend = replica(tmp_path, "redis://127.0.0.1:1", "e")
    with pytest.raises(runs.BackendUnavailable):
        backend.submit("spectral_radius", {"gain": 1.0, "matrix": "orthogonal"}, "down0001")
