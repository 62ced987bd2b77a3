"""Measure the service as a user meets it: start the production server, then time POST /api/ask.

    .venv/bin/python bench/latency.py --requests 100

Prints model load and index build time (from a fresh engine in a temporary data folder) and the median and
p99 latency of /api/ask over loopback, sequential requests, mixed English and Chinese questions.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = [
    "如何理解RNN和CNN中的梯度消失和梯度爆炸,如何解决?",
    "GRU 和 LSTM 的全称是什么, 和 RNN、CNN 什么关系?",
    "cnn 和 rnn 的应用领域",
    "why does my LSTM loss go to NaN?",
    "what is a receptive field",
    "梯度裁剪能解决梯度消失吗",
    "LSTM 的 forget gate 有什么用",
    "how many parameters does an LSTM layer have",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def wait_ready(base: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("server did not become ready")


def engine_timings(data_dir: str) -> dict:
    sys.path.insert(0, str(REPO))
    from service.engine import Engine
    from service.settings import load_settings

    return Engine.load(load_settings({"DATA_DIR": data_dir})).timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=100, help="requests to time")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        timings = engine_timings(data_dir)
        print(f"model load {timings['model_load_s']:.2f} s, index build {timings['index_build_s']:.2f} s")
        port = free_port()
        env = {**os.environ, "GRADLAB_DATA_DIR": data_dir, "GRADLAB_LOG_QUERIES": "0"}
        server = subprocess.Popen([str(REPO / ".venv/bin/gradlab"), "serve", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_ready(base)
            for q in QUESTIONS:  # warm-up: first requests pay for lazy imports
                post(f"{base}/api/ask", {"question": q})
            latencies = []
            for i in range(args.requests):
                # a different question each time, so the answer cache does not flatter the figure
                question = f"{QUESTIONS[i % len(QUESTIONS)]} ({i})"
                start = time.perf_counter()
                post(f"{base}/api/ask", {"question": question})
                latencies.append((time.perf_counter() - start) * 1000)
        finally:
            server.terminate()
            server.wait(timeout=30)
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
    print(f"/api/ask over {len(latencies)} sequential requests: median {statistics.median(latencies):.1f} ms, "
          f"p99 {p99:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
