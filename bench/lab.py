"""Measure the demo lab: a cached move, an uncached quick run per demo with knobs, and POST /api/ask p50 while
the lab's pool is saturated against idle. Runs a threaded server on loopback with the real model.

    python bench/lab.py
"""

from __future__ import annotations

import json
import logging
import statistics
import tempfile
import threading
import time
import urllib.error
import urllib.request

from gradlab import create_app, demos
from gradlab.engine import Engine
from gradlab.ops.lab import grid
from gradlab.ops.settings import load_settings
from werkzeug.serving import make_server


def post(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=120) as response:
        return json.load(response)


def until_done(base: str, status: int, run: dict) -> dict:
    while run["status"] in ("queued", "running"):
        time.sleep(0.05)
        run = get(base + run["poll_url"])
    return run


def ask_p50(base: str, tag: str, n: int = 40) -> float:
    """Median latency of ``n`` distinct questions (distinct, so the encoding cache never answers)."""
    times = []
    for i in range(n):
        start = time.perf_counter()
        post(base + "/api/ask", {"question": f"why do RNN gradients vanish over {tag} {i} steps"})
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    data_dir = tempfile.mkdtemp(prefix="gradlab-lab-bench-")
    settings = load_settings({"DATA_DIR": data_dir, "RATE_LIMIT": "", "LOG_QUERIES": False})
    app = create_app(settings | {"DATABASE": f"{data_dir}/db.sqlite3"}, engine=Engine.load(settings))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    names = [n for n in demos.DEMOS if getattr(demos.load(n), "PARAMS", ())]
    # warm the worker process, then one uncached quick run per demo with a knob moved off its default
    until_done(base, *post(base + "/api/demos/bn_vs_ln/runs", {"params": {}}))
    print("uncached quick run (POST, poll until done), per demo:")
    moved = {}
    for name in names:
        params = grid(demos.load(name))[1]
        start = time.perf_counter()
        run = until_done(base, *post(f"{base}/api/demos/{name}/runs", {"params": params}))
        print(f"  {name:<22} {time.perf_counter() - start:6.2f} s  {run['status']}")
        moved[name] = params
    cached = []
    for name, params in moved.items():
        start = time.perf_counter()
        status, _ = post(f"{base}/api/demos/{name}/runs", {"params": params})
        cached.append((time.perf_counter() - start) * 1000)
        assert status == 200
    print(f"cached move: p50 {statistics.median(cached):.1f} ms, max {max(cached):.1f} ms over {len(cached)} demos")
    ask_p50(base, "warm", 10)
    idle = ask_p50(base, "idle")
    stop = threading.Event()

    def saturate() -> None:  # keep the pool and its queue full with uncached runs
        gain = 0.5
        while not stop.is_set():
            gain = round(gain + 0.001, 3) if gain < 3.9 else 0.5
            status, _ = post(f"{base}/api/demos/clipping_vanishing/runs", {"params": {"max_norm": gain}})
            if status == 429:
                stop.wait(1)  # as a client honouring Retry-After would

    thread = threading.Thread(target=saturate, daemon=True)
    thread.start()
    time.sleep(3)
    busy = ask_p50(base, "busy")
    stop.set()
    print(f"/api/ask p50: idle {idle:.1f} ms, pool saturated {busy:.1f} ms ({busy / idle:.2f}x)")
    app.extensions["gradlab.lab"].close()
    server.shutdown()


if __name__ == "__main__":
    main()
