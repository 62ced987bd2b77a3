"""The Redis run backend for several replicas: runs are RQ jobs whose id is the run's key.

Every replica enqueues into one Redis queue, so identical requests to different replicas join one job, and
``gradlab lab-worker`` processes (on any host) compute them: each job runs in a forked work-horse that caps
its own CPU time and memory (``runs.execute``); a horse the kernel kills (SIGXCPU) fails the job, reported as
killed. A replica copies each finished result into its own disk cache.
"""

from __future__ import annotations

from typing import Any

from gradlab.ops import runs

QUEUE = "gradlab-lab"
RESULT_TTL = 3600  # seconds a finished job's result stays in Redis (replicas cache it on disk meanwhile)
FAILURE_TTL = 600
STATES = {"queued": "queued", "deferred": "queued", "scheduled": "queued", "started": "running"}


class RQBackend:
    """Runs as RQ jobs over Redis; the queue holds at most ``queue_size`` waiting jobs."""

    def __init__(
        self,
        store: runs.RunStore,
        redis_url: str,
        queue_size: int = 4,
        cpu_seconds: float = 30,
        memory_mb: int = 3072,
        target: str = runs.DEFAULT_TARGET,
    ) -> None:
        from redis import Redis
        from rq import Queue

        self.store, self.queue_size, self.target = store, queue_size, target
        self.cpu_seconds, self.memory_mb = cpu_seconds, memory_mb
        self.redis = Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=2)
        self.queue = Queue(QUEUE, connection=self.redis)

    def unavailable(self, exc: Exception) -> runs.BackendUnavailable:
        return runs.BackendUnavailable(f"the lab's run queue is unreachable ({exc.__class__.__name__}); retry soon", 5)

    def submit(self, name: str, params: dict[str, Any], key: str) -> runs.Run:
        """Enqueue a job named ``key`` unless one is queued, running or done; raise QueueFull when full."""
        from redis.exceptions import RedisError

        try:
            run = self.get(name, key)
            if run is not None and run.status in ("queued", "running", "done"):
                return run
            if not self.redis.set(f"{QUEUE}:enqueuing:{key}", 1, nx=True, ex=10):
                return self.get(name, key) or runs.Run(key, name, params, "queued")  # another replica is enqueuing
            waiting = self.queue.count
            if waiting >= self.queue_size:
                workers = max(1, len(self.queue.started_job_registry))
                seconds = runs.retry_after(5.0, waiting, workers)
                raise runs.QueueFull(
                    f"the lab is busy: {waiting} runs are queued, the limit is {self.queue_size}; retry in {seconds} s",
                    seconds,
                )
            if run is not None:  # a failed or stopped job of this key: run it afresh
                self.queue.fetch_job(key).delete()
            self.queue.enqueue(
                runs.execute,
                self.target,
                name,
                params,
                self.cpu_seconds,
                self.memory_mb,
                job_id=key,
                job_timeout=int(3 * self.cpu_seconds + 30),
                result_ttl=RESULT_TTL,
                failure_ttl=FAILURE_TTL,
                description=f"lab run of {name}",
            )
            return runs.Run(key, name, params, "queued")
        except RedisError as exc:
            raise self.unavailable(exc) from None

    def get(self, name: str, key: str) -> runs.Run | None:
        """Report the job named ``key``; copy a finished result into the disk cache."""
        from redis.exceptions import RedisError

        try:
            job = self.queue.fetch_job(key)
            if job is None or job.args[1] != name:
                return None
            status = job.get_status().value
            params = job.args[2]
            if status in STATES:
                return runs.Run(key, name, params, STATES[status])
            if status == "finished":
                result = job.return_value()
                self.store.save(name, key, params, result)
                return runs.Run(key, name, params, "done", result=result)
            latest = job.latest_result()
            return runs.Run(key, name, params, *failure(latest.exc_string or "" if latest else "", self.cpu_seconds))
        except RedisError as exc:
            raise self.unavailable(exc) from None

    def close(self) -> None:
        self.redis.close()


def failure(exc_info: str, cpu_seconds: float) -> tuple[str, None, str]:
    """Map a failed job's traceback to (status, result, error)."""
    if "(signal 24)" in exc_info:  # SIGXCPU: the kernel stopped the horse at its CPU-time limit
        return "killed", None, f"stopped: over its CPU-time limit of {cpu_seconds:g} s"
    if "JobTimeoutException" in exc_info:
        return "killed", None, "stopped: ran past its time limit"
    if "MemoryError" in exc_info:
        return "killed", None, "stopped: over its memory limit"
    last = [line for line in exc_info.strip().splitlines() if line.strip()]
    return "failed", None, last[-1] if last else "the run failed"


def work(redis_url: str, burst: bool = False, name: str | None = None) -> None:
    """Serve the lab queue: import torch once, then fork a work-horse per job (``gradlab lab-worker``)."""
    from redis import Redis
    from rq import Queue, Worker

    runs.warm_up()
    connection = Redis.from_url(redis_url)
    Worker([Queue(QUEUE, connection=connection)], connection=connection, name=name).work(burst=burst)
