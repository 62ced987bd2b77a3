"""Retrieval evaluation and confidence calibration on a labelled question set (eval/dev.jsonl).

Each line: ``{"question", "lang": "en"|"zh", "expected": [ids] (empty for off-topic), ...}``. For each mode
(dense, lexical, hybrid) and language the report gives top-1 and top-3 accuracy and MRR on on-topic
questions, the false-decline rate on on-topic questions and the decline rate on off-topic ones.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
from gradlab.answer import decide
from gradlab.engine import Engine
from gradlab.ops.settings import REPO_ROOT
from gradlab.retrieval.retriever import FEATURES, MODES, Calibration, fuse

# The labelled sets live in the clone's eval/ folder; an installed package has none, so pass a file instead.
DEV_SET = REPO_ROOT / "eval" / "dev.jsonl" if REPO_ROOT else None
# Questions real learners asked, split by source thread: calibrate on "fit", report on "test".
REAL_SET = REPO_ROOT / "eval" / "real.jsonl" if REPO_ROOT else None


def read_questions(path: Path | str, split: str | None = None) -> list[dict]:
    """Read a JSONL question set (only the rows of ``split`` when given); raise ValueError naming the line of
    any malformed record."""
    rows = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise ValueError(f"{path}:{n}: not JSON ({exc})") from None
        if (
            not isinstance(row.get("question"), str)
            or row.get("lang") not in ("en", "zh")
            or not isinstance(row.get("expected"), list)
        ):
            raise ValueError(f"{path}:{n}: needs question (str), lang (en|zh) and expected (list of ids)")
        if split is None or row.get("split") == split:
            rows.append(row)
    return rows


def evaluate(engine: Engine, rows: list[dict], mode: str) -> dict:
    """Return per-language metrics for one retrieval mode, plus the reliability of its confidence."""
    buckets: dict[str, dict[str, list[float]]] = {}
    pairs = []  # (confidence, 1 when the top entry is a right answer) for every question
    for row in rows:
        keys = ("top1", "answered_right", "top3", "rr", "false_decline", "decline")
        bucket = buckets.setdefault(row["lang"], {k: [] for k in keys})
        candidates, answered = decide(engine, row["question"], mode=mode, limit=10)
        ranked = [c.id for c in candidates]
        expected = set(row["expected"])
        pairs.append((candidates[0].confidence, float(ranked[0] in expected)))
        if not expected:
            bucket["decline"].append(float(not answered))
            continue
        rank = next((i + 1 for i, entry_id in enumerate(ranked) if entry_id in expected), None)
        bucket["top1"].append(float(rank == 1))
        bucket["answered_right"].append(float(rank == 1 and answered))
        bucket["top3"].append(float(rank is not None and rank <= 3))
        bucket["rr"].append(1.0 / rank if rank else 0.0)
        bucket["false_decline"].append(float(not answered))
    report = {}
    for lang, b in sorted(buckets.items()):
        report[lang] = {
            "on_topic": len(b["top1"]),
            "off_topic": len(b["decline"]),
            "top1": mean(b["top1"]),
            "answered_right": mean(b["answered_right"]),
            "top3": mean(b["top3"]),
            "mrr": mean(b["rr"]),
            "false_decline": mean(b["false_decline"]),
            "decline_off_topic": mean(b["decline"]),
        }
    report["reliability"] = reliability(pairs)
    return report


CONFIDENCE_BINS = (0.0, 0.5, 0.65, 0.8, 0.9, 1.0001)


def reliability(pairs: list[tuple[float, float]]) -> dict:
    """Return confidence bins with their mean confidence and accuracy, and the expected calibration error
    (the count-weighted mean gap between the two)."""
    bins, ece = [], 0.0
    for low, high in zip(CONFIDENCE_BINS, CONFIDENCE_BINS[1:]):
        inside = [(c, ok) for c, ok in pairs if low <= c < high]
        if not inside:
            continue
        confidence = float(np.mean([c for c, _ in inside]))
        accuracy = float(np.mean([ok for _, ok in inside]))
        bins.append(
            {
                "low": low,
                "high": min(high, 1.0),
                "n": len(inside),
                "confidence": round(confidence, 4),
                "accuracy": round(accuracy, 4),
            }
        )
        ece += len(inside) / len(pairs) * abs(accuracy - confidence)
    return {"bins": bins, "ece": round(ece, 4)}


def mean(values: list[float]) -> float | None:
    return round(float(np.mean(values)), 4) if values else None


def evaluate_modes(engine: Engine, rows: list[dict]) -> dict:
    """Evaluate dense, lexical and hybrid retrieval in one run."""
    return {
        "questions": len(rows),
        "min_confidence": engine.settings["MIN_CONFIDENCE"],
        "modes": {mode: evaluate(engine, rows, mode) for mode in MODES},
    }


def format_report(report: dict) -> str:
    """Render the evaluation as a text table, then the hybrid confidence's reliability table."""
    header = (
        f"{'mode':<8} {'lang':<4} {'n':>4} {'top-1':>7} {'answered':>8} {'top-3':>7} {'MRR':>7} {'false-decl':>10} "
        f"{'off-n':>5} {'declined':>8}"
    )
    lines = [
        f"{report['questions']} questions, confidence threshold {report['min_confidence']}",
        header,
        "-" * len(header),
    ]

    def pct(v):
        return "   -" if v is None else f"{100 * v:6.1f}%"

    for mode, langs in report["modes"].items():
        for lang, m in langs.items():
            if lang == "reliability":
                continue
            lines.append(
                f"{mode:<8} {lang:<4} {m['on_topic']:>4} {pct(m['top1']):>7} {pct(m['answered_right']):>8} "
                f"{pct(m['top3']):>7} {m['mrr'] if m['mrr'] is not None else '-':>7} {pct(m['false_decline']):>10} "
                f"{m['off_topic']:>5} {pct(m['decline_off_topic']):>8}"
            )
    rel = report["modes"]["hybrid"]["reliability"]
    lines += ["", f"hybrid confidence vs accuracy (top entry right), expected calibration error {rel['ece']:.3f}"]
    lines += [
        f"  {b['low']:.2f}-{b['high']:.2f}  n={b['n']:<4} confidence {b['confidence']:.3f}  accuracy "
        f"{b['accuracy']:.3f}"
        for b in rel["bins"]
    ]
    return "\n".join(lines)


def question_signals(engine: Engine, rows: list[dict]) -> list[dict[str, np.ndarray]]:
    """Return each question's per-entry signal arrays (computed once, so fusion weights can be searched)."""
    return [engine.retriever.features(row["question"]) for row in rows]


FUSION_GRID = {"dense": (0.5, 0.6, 0.7), "passage": (0.0, 0.1, 0.2), "bm25": (0.1, 0.15, 0.2), "coverage": (0.1, 0.2)}


def choose_fusion(engine: Engine, rows: list[dict], signals: list[dict]) -> dict[str, float]:
    """Return the fusion weights from a small grid with the best top-1 on the on-topic rows (name match fixed
    at 1: a question that is only a concept's name goes to that concept)."""
    on = [(row, sig) for row, sig in zip(rows, signals) if row["expected"]]
    best, best_hits = None, -1
    for values in itertools.product(*FUSION_GRID.values()):
        weights = {**dict(zip(FUSION_GRID, values)), "name": 1.0}
        hits = sum(engine.retriever.ids[int(np.argmax(fuse(sig, weights)))] in row["expected"] for row, sig in on)
        if hits > best_hits:
            best, best_hits = weights, hits
    return best


def top_features(engine: Engine, rows: list[dict], mode: str, signals: list[dict] | None = None, weights=None):
    """Return (X, y): the top candidate's features per question, and 1 where that candidate is a right answer.

    The confidence therefore estimates "this answer is right": off-topic questions and on-topic ones answered
    with a wrong entry are the negatives, so an answer shown at 0.9 should be right nine times in ten.
    """
    X, y = [], []
    for n, row in enumerate(rows):
        if signals is not None and mode == "hybrid":
            top = engine.retriever.candidates(signals[n], fuse(signals[n], weights), limit=1)[0]
        else:
            top = engine.retriever.rank(row["question"], mode=mode, limit=1)[0]
        X.append([top.features[f] for f in FEATURES])
        y.append(int(top.id in set(row["expected"])))
    return np.array(X), np.array(y)


def fit_models(X: np.ndarray, y: np.ndarray) -> dict:
    """Fit one L2-regularised logistic model (few features, so little room to overfit)."""
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=1.0, max_iter=1000).fit(X, y)
    return {
        "intercept": round(float(clf.intercept_[0]), 4),
        "coefficients": {f: round(float(c), 4) for f, c in zip(FEATURES, clf.coef_[0])},
    }


THRESHOLDS = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8)


def fit_calibration(
    engine: Engine, rows: list[dict], folds: int = 5, thresholds: tuple[float, ...] = THRESHOLDS
) -> tuple[Calibration, dict]:
    """Choose the fusion weights, fit each mode's confidence model on all rows, and report held-out decline
    rates per threshold (k-fold cross-validation)."""
    signals = question_signals(engine, rows)
    fusion = choose_fusion(engine, rows, signals)
    models, cv = {}, {}
    rng = np.random.default_rng(0)
    for mode in MODES:
        X, y = top_features(engine, rows, mode, signals, fusion)
        models[mode] = fit_models(X, y)
        fold_of = rng.permutation(len(rows)) % folds
        held_out = np.zeros(len(rows))
        for k in range(folds):
            model = Calibration(fusion=fusion, models={mode: fit_models(X[fold_of != k], y[fold_of != k])})
            for i in np.flatnonzero(fold_of == k):
                held_out[i] = model.confidence(dict(zip(FEATURES, X[i])), mode)
        on = np.array([bool(r["expected"]) for r in rows])
        cv[mode] = {
            round(t, 2): {
                "false_decline": round(float(np.mean(held_out[on] < t)), 4),
                "decline_off_topic": round(float(np.mean(held_out[~on] < t)), 4),
            }
            for t in thresholds
        }
    return Calibration(fusion=fusion, models=models), cv
