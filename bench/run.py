"""gradlab benchmark: what the service adds on top of the model, how it scales, and what it costs.

    make bench                                  # or: .venv/bin/python bench/run.py [--write docs/performance.md]

One run on this machine, medians and ratios (the machine is shared: absolute times wander, ratios less).
The server is what `make serve` starts: default settings (query log on, default workers and threads, the rate
limiter on with a limit this one client cannot reach), its database in a fresh instance folder.
Measures, taking turns question by question so the machine's load falls on each alike: the floor (encode one
question + search, in process), the cost of each stage of one request (in process), and POST /api/ask over HTTP
on the production server (gunicorn) at concurrency 1 (p50, p99, ratio to the floor). Then: throughput at
concurrency 1, 4 and 16; rows in the query log against requests answered; cold start to first answer with and
without a built index; index build and search for the real knowledge base and for synthetic ones of 10k and
100k entries (exact vs HNSW, recall@10 against exact); server memory.
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
    """``gradlab serve`` in a subprocess with its own data and instance folders and default settings otherwise."""

    def __init__(self, data_dir: str, instance_dir: str, **env: str):
        self.port = free_port()
        self.instance_dir = Path(instance_dir)
        self.env = {
            **os.environ,
            "GRADLAB_DATA_DIR": data_dir,
            "GRADLAB_INSTANCE_DIR": instance_dir,
            "GRADLAB_RATE_LIMIT": "1000000/minute",  # the limiter runs as by default; one client never reaches it
            **env,
        }
        self.answered = 0  # 200 responses to /api/ask, counted by ask()
        self.lock = threading.Lock()

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
                self.ask(self.connection(), "what is an lstm")
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

    def ask(self, conn: http.client.HTTPConnection, question: str) -> int:
        """Ask one question; raise unless it is answered with 200."""
        conn.request("POST", "/api/ask", json.dumps({"question": question}), {"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"status {response.status}")
        with self.lock:
            self.answered += 1
        return response.status

    def stop(self) -> None:
        """Stop gracefully (SIGTERM): the workers write what their query log still holds, then exit."""
        self.proc.terminate()
        self.proc.wait(timeout=30)

    def rows_logged(self) -> int:
        """Count the rows of the query log in the default database (after ``stop``)."""
        import sqlite3

        path = self.instance_dir / "gradlab.sqlite3"
        if not path.exists():
            return 0
        with sqlite3.connect(path) as db:
            return db.execute("SELECT count(*) FROM queries").fetchone()[0]


def floor_ms(engine, question: str) -> float:
    """Encode one question and search the dense index, in process: what no service can avoid."""
    start = time.perf_counter()
    vector = engine.embedder.encode([engine.retriever.dense_query(question) or question])
    engine.dense.search(vector, k=256)
    return (time.perf_counter() - start) * 1000


STAGES = (
    ("parse", "parse: JSON body and validation"),
    ("normalise", "normalise (NFKC, OpenCC, case; Chinese to glossary English)"),
    ("encode", "encode the question (the model)"),
    ("dense", "dense search (faiss, 256 rows)"),
    ("lexical", "lexical: tokenise, glossary expansion, BM25, coverage"),
    ("fusion", "fusion and calibrated confidence"),
    ("assembly", "answer assembly (language, cached entry HTML, related, alternatives)"),
    ("json", "JSON response (jsonify)"),
    ("logging", "query log (queue one row)"),
)


def stage_ms(engine, app, question_text: str) -> dict[str, float]:
    """Time each stage of one /api/ask request in process, in the order the view runs them (milliseconds)."""
    from flask import jsonify
    from gradlab.answer import answer_question
    from gradlab.retrieval.retriever import DENSE_ROWS
    from gradlab.web import models

    retriever, lexical = engine.retriever, engine.retriever.lexical
    body = json.dumps({"question": question_text}).encode()
    marks = [time.perf_counter()]
    request = models.parse(models.ask_model(engine.settings["MAX_QUESTION_CHARS"]), json.loads(body))
    question, lang, top_k = models.strip(request.question), request.lang, request.top_k
    marks.append(time.perf_counter())
    query = retriever.dense_query(question)
    marks.append(time.perf_counter())
    vector = engine.embedder.encode([query])
    marks.append(time.perf_counter())
    engine.dense.search(vector, k=DENSE_ROWS)
    marks.append(time.perf_counter())
    tokens = lexical.query_tokens(question)
    lexical.scores(tokens)
    lexical.coverage(tokens)
    marks.append(time.perf_counter())
    features = retriever.features(question)  # not timed: fills the encoding cache for the next two stages
    retriever.features = lambda _question: features  # fusion alone: the features are already known
    try:
        marks.append(time.perf_counter())
        retriever.rank(question, limit=max(top_k, 3) + 1)
        marks.append(time.perf_counter())
        result = answer_question(engine, question, lang=lang, top_k=top_k)  # fusion again, then assembly
        marks.append(time.perf_counter())
    finally:
        del retriever.features
    with app.test_request_context():  # the view runs inside a request: setting one up is not the JSON's cost
        start = time.perf_counter()
        jsonify(result).get_data()
        json_ms = (time.perf_counter() - start) * 1000
    marks.append(time.perf_counter())
    app.extensions["gradlab.storage"].log_query(
        question=question, lang=result["lang"], top_entry=None, confidence=0.0, answered=False, latency_ms=0.0
    )
    marks.append(time.perf_counter())
    parse, normalise, encode, dense, lex, _, fusion, answer, _, logging_ms = (
        (b - a) * 1000 for a, b in zip(marks, marks[1:])
    )
    return {
        "parse": parse,
        "normalise": normalise,
        "encode": encode,
        "dense": dense,
        "lexical": lex,
        "fusion": fusion,
        "assembly": max(answer - fusion, 0.0),
        "json": json_ms,
        "logging": logging_ms,
    }


def side_by_side(engine, app, server: Server, questions: list[str]) -> tuple[list[float], dict, list[float]]:
    """Per question, in turn: the floor, the stages in process, and POST /api/ask over HTTP at concurrency 1.

    Taking turns question by question lets a shared machine's load fall on all three alike, so the ratios hold.
    Each measurement gets its own text: the encoding cache must not flatter any figure.
    """
    conn = server.connection()
    floor, stages, http = [], {name: [] for name, _ in STAGES}, []
    for i, q in enumerate(questions):
        floor.append(floor_ms(engine, f"{q} !{i}"))
        for name, ms in stage_ms(engine, app, f"{q} ^{i}").items():
            stages[name].append(ms)
        start = time.perf_counter()
        server.ask(conn, f"{q} #{i}")
        http.append((time.perf_counter() - start) * 1000)
    app.extensions["gradlab.storage"].close()
    return floor, stages, http


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
                server.ask(conn, f"{QUESTIONS[i % len(QUESTIONS)]} ~{concurrency}-{i}")
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


ENCODERS_HEADING = "## Encoders"


def write_keeping_encoders(path: Path, report: str) -> None:
    """Write the report to ``path``, keeping the encoder comparison that bench/encoders.py wrote there."""
    old = path.read_text() if path.exists() else ""
    encoders = old[old.index(ENCODERS_HEADING) :] if ENCODERS_HEADING in old else ""
    path.write_text(report.rstrip("\n") + "\n" + ("\n" + encoders if encoders else ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200, help="requests per latency / throughput measurement")
    parser.add_argument("--write", type=Path, help="also write the report (Markdown) to this file")
    args = parser.parse_args()

    import faiss
    import torch
    from gradlab import create_app
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
            f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start (other work "
            f"shares it); torch threads 1; {len(engine.kb)} entries, {engine.dense.index.ntotal} indexed texts"
        )
        load_s = model_load_seconds()
        say(
            f"model load (fresh process, imports included): {load_s:.2f} s; index build: "
            f"{engine.timings['index_build_s']:.2f} s"
        )
        app = create_app({"DATA_DIR": str(built), "INSTANCE_DIR": str(Path(tmp) / "stages")}, engine=engine)
        server = Server(str(built), str(Path(tmp) / "instance"))
        warm_start = server.start()
        for q in QUESTIONS[:10]:
            server.ask(server.connection(), q)
        floor, stages, http_ms = side_by_side(engine, app, server, QUESTIONS[: args.requests])
        rates = {c: throughput(server, c, args.requests) for c in (1, 4, 16)}
        memory = server.memory_mb()
        server.stop()
        logged = server.rows_logged()

        cold_dir = Path(tmp) / "cold"
        cold_dir.mkdir()
        shutil.copytree(built / "demos", cold_dir / "demos", dirs_exist_ok=True) if (built / "demos").exists() else None
        cold = Server(str(cold_dir), str(Path(tmp) / "cold-instance"))
        cold_start = cold.start()
        cold.stop()

        say("")
        say("| measurement | figure | target |")
        say("|---|---|---|")
        f50 = statistics.median(floor)
        say(f"| floor: encode + search, in process, p50 | {f50:.1f} ms | |")
        h50, h99 = statistics.median(http_ms), pct(http_ms, 99)
        say(f"| `/api/ask` over HTTP, concurrency 1, p50 / p99 | {h50:.1f} / {h99:.1f} ms | |")
        say(f"| ratio p50 / floor | {h50 / f50:.2f} | <= 1.2 |")
        say(f"| ratio p99 / floor | {h99 / f50:.2f} | <= 2.5 |")
        for c, (rate, errors) in rates.items():
            say(f"| throughput, concurrency {c} | {rate:.1f} req/s, {errors} errors | |")
        say(f"| throughput ratio c16 / c1 | {rates[16][0] / rates[1][0]:.2f} | >= 1.7, 0 errors |")
        say(f"| query log: rows logged / requests answered | {logged} / {server.answered} | equal |")
        target = f"<= model load + 1 s = {load_s + 1:.2f} s"
        say(f"| cold start to first answer, index built | {warm_start:.2f} s | {target} |")
        say(f"| cold start to first answer, no index | {cold_start:.2f} s | |")
        say(f"| server memory (PSS, master + workers) | {memory:.0f} MB | |")
        say("")
        say("One request, stage by stage (in process, taking turns with the floor and the HTTP requests):")
        say("")
        say("| stage | p50 | p99 |")
        say("|---|---|---|")
        total = 0.0
        for name, label in STAGES:
            total += statistics.median(stages[name])
            say(f"| {label} | {statistics.median(stages[name]):.3f} ms | {pct(stages[name], 99):.3f} ms |")
        say(f"| sum of the stages | {total:.2f} ms | |")
        say(f"| the rest of `/api/ask` p50: HTTP, gunicorn, Flask, rate limiter | {h50 - total:.2f} ms | |")
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
        report = (
            f"# Performance\n\nProduced by `make bench` (this run: `.venv/bin/python {command}`) on the 2-core "
            "development machine; one run, medians.\n\n```\n"
            + "\n".join(lines[:2])
            + "\n```\n\n"
            + "\n".join(lines[2:])
        )
        write_keeping_encoders(args.write, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
