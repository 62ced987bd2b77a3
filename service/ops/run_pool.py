"""The local run backend: a bounded pool of demo worker processes, separate from the web workers.

Each pool slot is a thread in the serving process that feeds one long-lived worker process (a fresh interpreter,
niced, torch imported once) through a socket. Before each run the worker lets itself use ``cpu_seconds`` more CPU time
(RLIMIT_CPU: the kernel kills it with SIGXCPU past that) within a fixed address-space cap (RLIMIT_AS); a dead
worker is reported as a killed run and replaced. At most ``workers + queue_size`` runs are in flight; one
more is refused with ``QueueFull`` and an estimate of when to retry.
"""

from __future__ import annotations

import collections
import os
import queue
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection, wait
from typing import Any

from gradlab.ops import runs

NICE = 10  # demo runs yield the CPU to the web workers answering questions
RECENT = 256  # finished or failed runs remembered for polling (done ones also live in the disk cache)


def worker_loop(conn, memory_mb: int) -> None:
    """Serve runs from ``conn`` until it closes: (target, name, params, cpu_seconds) -> (status, payload)."""
    os.nice(NICE)
    runs.warm_up()
    runs.limit_memory(memory_mb)
    while True:
        try:
            target, name, params, cpu_seconds = conn.recv()
        except EOFError:
            return
        runs.limit_cpu(cpu_seconds)
        try:
            answer = ("done", runs.resolve(target)(name, params))
        except Exception as exc:
            reason = f"over its memory limit of {memory_mb} MB" if runs.out_of_memory(exc) else None
            answer = ("killed", f"stopped: {reason}") if reason else ("failed", f"{exc.__class__.__name__}: {exc}")
        finally:
            runs.limit_cpu(None)
        try:
            conn.send(answer)
        except OSError:  # the pool closed this worker meanwhile
            return


class Worker:
    """One demo worker process (``python -m gradlab.ops.run_pool``) and the parent's end of its socket."""

    def __init__(self, memory_mb: int) -> None:
        parent, child = socket.socketpair()
        command = [sys.executable, "-m", "gradlab.ops.run_pool", str(child.fileno()), str(memory_mb)]
        self.process = subprocess.Popen(command, pass_fds=(child.fileno(),), stdin=subprocess.DEVNULL)
        child.close()
        self.conn = Connection(parent.detach())
        self.stopping = threading.Lock()

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        """Kill the process and close the socket; safe to call from the slot thread and ``close`` at once."""
        with self.stopping:
            if not self.conn.closed:
                self.conn.close()
        self.process.kill()
        self.process.wait(timeout=10)


class LocalPool:
    """The default backend: runs in local worker processes, bounded, coalesced, limited, cached on disk."""

    def __init__(
        self,
        store: runs.RunStore,
        workers: int = 1,
        queue_size: int = 4,
        cpu_seconds: float = 30,
        memory_mb: int = 3072,
        target: str = runs.DEFAULT_TARGET,
    ) -> None:
        self.store, self.workers, self.queue_size = store, workers, queue_size
        self.cpu_seconds, self.memory_mb, self.target = cpu_seconds, memory_mb, target
        self.wall_seconds = 3 * cpu_seconds + 30  # a run blocked without using CPU is stopped too
        self.runs: collections.OrderedDict[str, runs.Run] = collections.OrderedDict()
        self.pending: queue.Queue[runs.Run | None] = queue.Queue()
        self.lock = threading.Lock()
        self.finished = threading.Condition(self.lock)
        self.in_flight = 0
        self.durations: collections.deque[float] = collections.deque([5.0], maxlen=20)
        self.started_in: int | None = None
        self.threads: list[threading.Thread] = []
        self.processes: list[Worker] = []

    def start(self) -> None:
        """Start the slot threads in the serving process (after gunicorn forked it), once."""
        if self.started_in == os.getpid():
            return
        self.started_in = os.getpid()
        self.threads = [threading.Thread(target=self.serve, daemon=True) for _ in range(self.workers)]
        for thread in self.threads:
            thread.start()

    def submit(self, name: str, params: dict[str, Any], key: str) -> runs.Run:
        """Queue a run, or return the identical one in flight; raise QueueFull when no slot is left."""
        with self.lock:
            self.start()
            run = self.runs.get(key)
            if run is not None and run.status in ("queued", "running"):
                return runs.Run(**run.to_json())
            if self.in_flight >= self.workers + self.queue_size:
                waiting = self.in_flight - self.workers
                seconds = runs.retry_after(statistics.mean(self.durations), waiting, self.workers)
                raise runs.QueueFull(
                    f"the lab is busy: {self.in_flight} runs in flight, the limit is {self.workers} running and "
                    f"{self.queue_size} queued; retry in {seconds} s",
                    seconds,
                )
            run = runs.Run(key, name, params, "queued")
            self.remember(run)
            self.in_flight += 1
            self.pending.put(run)
            return runs.Run(**run.to_json())

    def get(self, name: str, key: str) -> runs.Run | None:
        with self.lock:
            run = self.runs.get(key)
            return runs.Run(**run.to_json()) if run is not None and run.demo == name else None

    def wait(self, key: str, timeout: float) -> runs.Run | None:
        """Block until run ``key`` has finished (done, failed or killed) or ``timeout`` passed; return it."""
        with self.finished:
            self.finished.wait_for(
                lambda: key in self.runs and self.runs[key].status not in ("queued", "running"), timeout
            )
            run = self.runs.get(key)
            return runs.Run(**run.to_json()) if run is not None else None

    def remember(self, run: runs.Run) -> None:
        self.runs[run.id] = run
        self.runs.move_to_end(run.id)
        while len(self.runs) > RECENT:
            oldest = next(iter(self.runs))
            if self.runs[oldest].status in ("queued", "running"):
                break
            self.runs.popitem(last=False)

    def serve(self) -> None:
        """Feed runs to one worker process, one at a time, replacing the process when a run kills it."""
        worker: Worker | None = None
        while (run := self.pending.get()) is not None:
            with self.lock:
                run.status = "running"
            if worker is None or not worker.alive():
                if worker is not None:
                    self.processes.remove(worker)
                worker = Worker(self.memory_mb)
                self.processes.append(worker)
            start = time.monotonic()
            status, payload = self.execute(worker, run)
            if status == "killed" and worker.alive():  # past its wall time or memory: start afresh
                worker.stop()
            if status == "done":
                self.store.save(run.demo, run.id, run.params, payload)
            with self.lock:
                run.status = status
                run.result, run.error = (payload, None) if status == "done" else (None, payload)
                self.in_flight -= 1
                if status == "done":
                    self.durations.append(time.monotonic() - start)
                self.finished.notify_all()
        if worker is not None:
            worker.stop()

    def execute(self, worker: Worker, run: runs.Run) -> tuple[str, Any]:
        """Send one run to ``worker`` and wait for its answer or its death; return (status, result or error)."""
        try:
            worker.conn.send((self.target, run.demo, run.params, self.cpu_seconds))
            if not wait([worker.conn], timeout=self.wall_seconds):
                return "killed", f"stopped: ran longer than {self.wall_seconds:g} s of wall time"
            return worker.conn.recv()
        except (EOFError, OSError):
            pass  # the worker died: its exit status says how
        code = worker.process.wait(timeout=10)
        if code == -signal.SIGXCPU:
            return "killed", f"stopped: over its CPU-time limit of {self.cpu_seconds:g} s"
        if code is not None and code < 0:
            return "killed", f"stopped: the run's process was killed by {signal.Signals(-code).name}"
        return "failed", f"the run's process exited with code {code}"

    def close(self) -> None:
        """Stop the slot threads and their worker processes."""
        for _ in self.threads:
            self.pending.put(None)
        for worker in self.processes:
            worker.stop()


if __name__ == "__main__":  # a worker process, started by Worker
    worker_loop(Connection(int(sys.argv[1])), int(sys.argv[2]))
