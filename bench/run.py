"""gradlab benchmark: what the service adds on top of the model, how it scales, and what it costs.

    make bench                                  # or: .venv/bin/python bench/run.py [--write docs/performance.md]

One run on this machine, medians and ratios (the machine is shared: absolute times wander, ratios less).
Measures: the floor (encode one question + search, in process); POST /api/ask over HTTP on the production
server (gunicorn) at concurrency 1 (p50, p99, ratio to the floor); throughput at concurrency 1, 4 and 16;
cold start to first answer with and without a built index; index build and search for the real knowledge
base and for synthetic ones of 10k and 100k entries (exact vs HNSW, recall@10 against exact); server memory.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
GRADLAB = str(REPO / ".venv" / "bin" / "gradlab")
QUESTIONS = [line["question"] for line in map(json.loads, (REPO / "eval" / "dev.jsonl").read_text().splitlines())]


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``gradlab serve`` in a subprocess with its own data folder."""

    def __init__(self, data_dir: str, **env: str):
        self.port = free_port()
        self.env = {
            **os.environ,
            "GRADLAB_DATA_DIR": data_dir,
            "GRADLAB_LOG_QUERIES": "0",
            "GRADLAB_RATE_LIMIT": "",
            **env,
        }

    def start(self) -> float:
        """Start the server; return seconds until its first answer."""
        start = time.perf_counter()
        self.proc = subprocess.Popen(
            [GRADLAB, "serve", "--port", str(self.port)],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                ask(self.connection(), "what is an lstm")
                return time.perf_counter() - start
            except OSError:
                time.sleep(0.05)
        raise SystemExit("the server did not answer within 300 s")

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def memory_mb(self) -> float:
        """Proportional set size of the server and its workers (shared pages counted once)."""
        pids = [self.proc.pid] + [
            int(p)
            for p in subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True).stdout.split()
        ]
        total = 0
        for pid in pids:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        return total / 1024

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def ask(conn: http.client.HTTPConnection, question: str) -> int:
    conn.request("POST", "/api/ask", json.dumps({"question": question}), {"Content-Type": "application/json"})
    response = conn.getresponse()
    response.read()
    if response.status != 200:
        raise RuntimeError(f"status {response.status}")
    return response.status


def measure_floor(engine, questions: list[str]) -> list[float]:
    """Encode one question and search the dense index, in process: what no service can avoid."""
    times = []
    for q in questions:
        start = time.perf_counter()
        vector = engine.embedder.encode([engine.retriever.dense_query(q) or q])
        engine.dense.search(vector, k=256)
        times.append((time.perf_counter() - start) * 1000)
    return times


def sequential_latency(server: Server, questions: list[str]) -> list[float]:
    conn, times = server.connection(), []
    for i, q in enumerate(questions):
        start = time.perf_counter()
        ask(conn, f"{q} #{i}")  # unique text: the encoding cache must not flatter the figure
        times.append((time.perf_counter() - start) * 1000)
    return times


def throughput(server: Server, concurrency: int, total: int) -> tuple[float, int]:
    """Return (requests per second, errors) for ``total`` requests from ``concurrency`` clients."""
    counter = iter(range(total))
    lock, errors = threading.Lock(), [0]

    def client() -> None:
        conn = server.connection()
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            try:
                ask(conn, f"{QUESTIONS[i % len(QUESTIONS)]} ~{concurrency}-{i}")
            except Exception:  # count every failure, whatever its kind
                with lock:
                    errors[0] += 1
                conn = server.connection()

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return total / (time.perf_counter() - start), errors[0]


def model_load_seconds() -> float:
    """Time a fresh process importing sentence-transformers and loading the model (what any start pays)."""
    code = (
        "import time; t = time.perf_counter(); from gradlab.retrieval.embedder import SentenceTransformerEmbedder; "
        "SentenceTransformerEmbedder(); print(time.perf_counter() - t)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True).stdout
    return float(out.strip().splitlines()[-1])


def synthetic_vectors(base: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Vectors shaped like real ones: mixtures of three real phrasing embeddings plus noise, unit length.

    The noise (std 0.05 a dimension, norm about 1) is as large as the signal, so neighbours are paraphrase-like
    rather than copies; pure random vectors would be a harder case than any text embedding.
    """
    mix = base[rng.integers(0, len(base), size=(n, 3))].sum(axis=1) + 0.05 * rng.standard_normal((n, base.shape[1]))
    mix = mix.astype(np.float32)
    return mix / np.linalg.norm(mix, axis=1, keepdims=True)


def index_rows(engine, sizes: tuple[int, ...]) -> list[dict]:
    import faiss
    from gradlab.retrieval.dense import make_faiss_index

    rng = np.random.default_rng(0)
    base = engine.dense.index.reconstruct_n(0, engine.dense.index.ntotal)
    rows = []
    for n in sizes:
        data = base if n == 0 else synthetic_vectors(base, n, rng)
        queries = synthetic_vectors(base, 200, rng)
        exact = faiss.IndexFlatIP(data.shape[1])
        start = time.perf_counter()
        exact.add(data)
        exact_build = time.perf_counter() - start
        _, truth = exact.search(queries, 10)
        start = time.perf_counter()
        hnsw = make_faiss_index(data, approximate_above=0)
        hnsw_build = time.perf_counter() - start
        for name, index, build in (("exact", exact, exact_build), ("hnsw", hnsw, hnsw_build)):
            times = []
            found = []
            for q in queries:
                t = time.perf_counter()
                _, ids = index.search(q[None, :], 10)
                times.append((time.perf_counter() - t) * 1000)
                found.append(ids[0])
            recall = np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth)])
            rows.append(
                {
                    "vectors": len(data),
                    "index": name,
                    "build_s": build,
                    "search_p50_ms": statistics.median(times),
                    "recall@10": recall,
                }
            )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200, help="requests per latency / throughput measurement")
    parser.add_argument("--write", type=Path, help="also write the report (Markdown) to this file")
    args = parser.parse_args()

    import faiss
    import torch
    from gradlab.engine import Engine
    from gradlab.ops.settings import load_settings

    torch.set_num_threads(1)
    faiss.omp_set_num_threads(1)
    lines = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    with tempfile.TemporaryDirectory() as tmp:
        built = Path(tmp) / "built"
        engine = Engine.load(load_settings({"DATA_DIR": str(built)}))
        say(
            f"machine: {os.cpu_count()} cores; torch threads 1; {len(engine.kb)} entries, "
            f"{engine.dense.index.ntotal} indexed texts"
        )
        load_s = model_load_seconds()
        say(
            f"model load (fresh process, imports included): {load_s:.2f} s; index build: "
            f"{engine.timings['index_build_s']:.2f} s"
        )
        floor = measure_floor(engine, QUESTIONS[: args.requests])

        server = Server(str(built))
        warm_start = server.start()
        for q in QUESTIONS[:10]:
            ask(server.connection(), q)
        http_ms = sequential_latency(server, QUESTIONS[: args.requests])
        rates = {c: throughput(server, c, args.requests) for c in (1, 4, 16)}
        memory = server.memory_mb()
        server.stop()

        cold_dir = Path(tmp) / "cold"
        cold_dir.mkdir()
        shutil.copytree(built / "demos", cold_dir / "demos", dirs_exist_ok=True) if (built / "demos").exists() else None
        cold = Server(str(cold_dir))
        cold_start = cold.start()
        cold.stop()

        say("")
        say("| measurement | figure | target |")
        say("|---|---|---|")
        f50 = statistics.median(floor)
        say(f"| floor: encode + search, in process, p50 | {f50:.1f} ms | |")
        h50, h99 = statistics.median(http_ms), pct(http_ms, 99)
        say(f"| `/api/ask` over HTTP, concurrency 1, p50 / p99 | {h50:.1f} / {h99:.1f} ms | |")
        say(f"| ratio p50 / floor | {h50 / f50:.2f} | <= 1.3 |")
        for c, (rate, errors) in rates.items():
            say(f"| throughput, concurrency {c} | {rate:.1f} req/s, {errors} errors | |")
        say(f"| throughput ratio c16 / c1 | {rates[16][0] / rates[1][0]:.2f} | >= 1.7, 0 errors |")
        target = f"<= model load + 1 s = {load_s + 1:.2f} s"
        say(f"| cold start to first answer, index built | {warm_start:.2f} s | {target} |")
        say(f"| cold start to first answer, no index | {cold_start:.2f} s | |")
        say(f"| server memory (PSS, master + workers) | {memory:.0f} MB | |")
        say("")
        say("| vectors | index | build | search p50 | recall@10 vs exact |")
        say("|---|---|---|---|---|")
        for row in index_rows(engine, (0, 10_000, 100_000)):
            say(
                f"| {row['vectors']:,} | {row['index']} | {row['build_s']:.2f} s | {row['search_p50_ms']:.3f} ms | "
                f"{row['recall@10']:.3f} |"
            )
    if args.write:
        command = " ".join(["bench/run.py", *sys.argv[1:]])
        args.write.write_text(
            f"# Performance\n\nProduced by `make bench` (this run: `.venv/bin/python {command}`) on the 2-core "
            "development machine; one run, medians.\n\n```\n"
            + "\n".join(lines[:2])
            + "\n```\n\n"
            + "\n".join(lines[2:])
            + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
