"""Retrieval evaluation and confidence calibration on a labelled question set (eval/dev.jsonl).

Each line: ``{"question", "lang": "en"|"zh", "expected": [ids] (empty for off-topic), ...}``. For each mode
(dense, lexical, hybrid) and language the report gives top-1 and top-3 accuracy and MRR on on-topic
questions, the false-decline rate on on-topic questions and the decline rate on off-topic ones.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from gradlab.answer import decide
from gradlab.engine import Engine
from gradlab.ops.settings import REPO_ROOT
from gradlab.retrieval.retriever import FEATURES, MODES, Calibration

# The labelled sets live in the clone's eval/ folder; an installed package has none, so pass a file instead.
DEV_SET = REPO_ROOT / "eval" / "dev.jsonl" if REPO_ROOT else None


def read_questions(path: Path | str) -> list[dict]:
    """Read a JSONL question set; raise ValueError naming the line of any malformed record."""
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
        rows.append(row)
    return rows


def evaluate(engine: Engine, rows: list[dict], mode: str) -> dict:
    """Return per-language metrics for one retrieval mode."""
    buckets: dict[str, dict[str, list[float]]] = {}
    for row in rows:
        bucket = buckets.setdefault(row["lang"], {k: [] for k in ("top1", "top3", "rr", "false_decline", "decline")})
        candidates, answered = decide(engine, row["question"], mode=mode, limit=10)
        ranked = [c.id for c in candidates]
        expected = set(row["expected"])
        if not expected:
            bucket["decline"].append(float(not answered))
            continue
        rank = next((i + 1 for i, entry_id in enumerate(ranked) if entry_id in expected), None)
        bucket["top1"].append(float(rank == 1))
        bucket["top3"].append(float(rank is not None and rank <= 3))
        bucket["rr"].append(1.0 / rank if rank else 0.0)
        bucket["false_decline"].append(float(not answered))
    report = {}
    for lang, b in sorted(buckets.items()):
        report[lang] = {
            "on_topic": len(b["top1"]),
            "off_topic": len(b["decline"]),
            "top1": mean(b["top1"]),
            "top3": mean(b["top3"]),
            "mrr": mean(b["rr"]),
            "false_decline": mean(b["false_decline"]),
            "decline_off_topic": mean(b["decline"]),
        }
    return report


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
    """Render the evaluation as a text table."""
    header = (
        f"{'mode':<8} {'lang':<4} {'n':>4} {'top-1':>7} {'top-3':>7} {'MRR':>7} {'false-decl':>10} "
        f"{'off-n':>5} {'declined':>8}"
    )
    lines = [
        f"{report['questions']} questions, confidence threshold {report['min_confidence']}",
        header,
        "-" * len(header),
    ]
    for mode, langs in report["modes"].items():
        for lang, m in langs.items():

            def pct(v):
                return "   -" if v is None else f"{100 * v:6.1f}%"

            lines.append(
                f"{mode:<8} {lang:<4} {m['on_topic']:>4} {pct(m['top1']):>7} {pct(m['top3']):>7} "
                f"{m['mrr'] if m['mrr'] is not None else '-':>7} {pct(m['false_decline']):>10} {m['off_topic']:>5} "
                f"{pct(m['decline_off_topic']):>8}"
            )
    return "\n".join(lines)


def top_features(engine: Engine, rows: list[dict], mode: str) -> tuple[np.ndarray, np.ndarray]:
    """Return (X, y): the top candidate's features per question, and 1 where a right entry is in the top 3.

    The confidence therefore estimates "the knowledge base answers this question": off-topic questions and
    on-topic ones whose right entry is not even near the top are the negatives.
    """
    X, y = [], []
    for row in rows:
        candidates = engine.retriever.rank(row["question"], mode=mode, limit=3)
        X.append([candidates[0].features[f] for f in FEATURES])
        y.append(int(any(c.id in set(row["expected"]) for c in candidates)))
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
    """Fit each mode's confidence model on all rows; report held-out decline rates per threshold (k-fold CV)."""
    models, cv = {}, {}
    fusion = engine.retriever.calibration.fusion
    rng = np.random.default_rng(0)
    for mode in MODES:
        X, y = top_features(engine, rows, mode)
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
