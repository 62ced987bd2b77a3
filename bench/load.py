"""Load test: a burst of mixed traffic against the local production server, bounded in count and time.

    make load            # or: .venv/bin/python bench/load.py --requests 2000 --concurrency 16

Starts ``gradlab serve`` (gunicorn) on a free loopback port with the built data folder, then sends
``--requests`` requests from ``--concurrency`` clients: questions from the dev set in English and Chinese, and
about one in ten bad inputs (empty or oversized questions, broken JSON, wrong content type, unknown fields) that
must get their 4xx. Reports every response that was not the expected status, lost requests, latency and
throughput. Rate limiting is off for the run (one client address sends everything); it has its own tests. The
query log is on, as by default, in a fresh instance folder: after a graceful stop, the run fails unless the
log holds exactly one row per question answered (200).
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import QUESTIONS, REPO, Server, pct  # noqa: E402  the bench helpers live beside this file

BAD = [
    (b'{"question": ""}', "application/json", 400),
    (b'{"question": "lstm", "lang": "fr"}', "application/json", 400),
    (b'{"question": "lstm", "top_k": 99}', "application/json", 400),
    (b"{not json", "application/json", 400),
    (b'["a", "list"]', "application/json", 400),
    (b'{"question": "lstm"}', "text/plain", 415),
    (json.dumps({"question": "x" * 600}).encode(), "application/json", 400),
    (json.dumps({"question": "y" * 40000}).encode(), "application/json", 413),
    (b'{"question": "\xff\xfe"}', "application/json", 400),
    (b'{"question": "lstm", "colour": 1}', "application/json", 400),
]


def request_for(i: int) -> tuple[bytes, str, int]:
    """Return (body, content type, expected status) for request number i."""
    if i % 10 == 7:
        return BAD[(i // 10) % len(BAD)]
    return json.dumps({"question": QUESTIONS[i % len(QUESTIONS)]}).encode(), "application/json", 200


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--timeout", type=float, default=600, help="stop sending after this many seconds")
    args = parser.parse_args()
    instance = tempfile.TemporaryDirectory()
    server = Server(str(REPO / "data"), instance.name, GRADLAB_RATE_LIMIT="")
    server.start()
    counter = iter(range(args.requests))
    lock = threading.Lock()
    latencies: list[float] = []
    unexpected: list[str] = []
    answered = [0]
    ok = [0]  # 200 responses: each must be one row in the query log
    deadline = time.monotonic() + args.timeout

    def client() -> None:
        conn = server.connection()
        while time.monotonic() < deadline:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            body, content_type, expected = request_for(i)
            start = time.perf_counter()
            try:
                conn.request("POST", "/api/ask", body, {"Content-Type": content_type})
                response = conn.getresponse()
                payload = response.read()
                status = response.status
                if response.getheader("Connection", "").lower() == "close":
                    conn = server.connection()
            except (OSError, http.client.HTTPException) as exc:
                status, payload = None, str(exc).encode()
                conn = server.connection()
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                latencies.append(elapsed)
                if status is not None:
                    answered[0] += 1
                if status == 200:
                    ok[0] += 1
                if status != expected:
                    unexpected.append(f"request {i}: expected {expected}, got {status}: {payload[:120]!r}")

    threads = [threading.Thread(target=client) for _ in range(args.concurrency)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - start
    memory = server.memory_mb()
    server.stop()
    logged = server.rows_logged()
    questions = ok[0] + server.answered  # the load's answers and the start-up probe's
    lost = args.requests - answered[0]
    print(f"{args.requests} requests, {args.concurrency} clients, {seconds:.1f} s: {args.requests / seconds:.1f} req/s")
    print(
        f"latency p50 {statistics.median(latencies):.1f} ms, p99 {pct(latencies, 99):.1f} ms; "
        f"server memory {memory:.0f} MB"
    )
    print(f"unexpected statuses: {len(unexpected)}; lost requests: {lost}")
    print(f"query log: {logged} rows for {questions} questions answered")
    for line in unexpected[:10]:
        print("  " + line)
    instance.cleanup()
    return 0 if not unexpected and not lost and logged == questions else 1


if __name__ == "__main__":
    sys.exit(main())
