"""Retrieval evaluation and confidence calibration on a labelled question set (eval/dev.jsonl).

Each line: ``{"question", "lang": "en"|"zh", "expected": [ids] (empty for off-topic), ...}``. For each mode
(dense, lexical, hybrid) and language the report gives top-1 and top-3 accuracy and MRR on on-topic
questions, the false-decline rate on on-topic questions and the decline rate on off-topic ones.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from service.answer import answer_question
from service.engine import Engine
from service.retrieval import FEATURES, MODES, Calibration
from service.settings import REPO_ROOT

DEV_SET = REPO_ROOT / "eval" / "dev.jsonl"


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
        if not isinstance(row.get("question"), str) or row.get("lang") not in ("en", "zh") or not isinstance(
            row.get("expected"), list
        ):
            raise ValueError(f"{path}:{n}: needs question (str), lang (en|zh) and expected (list of ids)")
        rows.append(row)
    return rows


def evaluate(engine: Engine, rows: list[dict], mode: str) -> dict:
    """Return per-language metrics for one retrieval mode."""
    buckets: dict[str, dict[str, list[float]]] = {}
    for row in rows:
        bucket = buckets.setdefault(row["lang"], {k: [] for k in ("top1", "top3", "rr", "false_decline", "decline")})
        result = answer_question(engine, row["question"], lang=row["lang"], mode=mode)
        ranked = [c.id for c in engine.retriever.rank(row["question"], mode=mode, limit=10)]
        expected = set(row["expected"])
        if not expected:
            bucket["decline"].append(float(not result["answered"]))
            continue
        rank = next((i + 1 for i, entry_id in enumerate(ranked) if entry_id in expected), None)
        bucket["top1"].append(float(rank == 1))
        bucket["top3"].append(float(rank is not None and rank <= 3))
        bucket["rr"].append(1.0 / rank if rank else 0.0)
        bucket["false_decline"].append(float(not result["answered"]))
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
    header = f"{'mode':<8} {'lang':<4} {'n':>4} {'top-1':>7} {'top-3':>7} {'MRR':>7} {'false-decl':>10} {'off-n':>5} {'declined':>8}"
    lines = [f"{report['questions']} questions, confidence threshold {report['min_confidence']}", header, "-" * len(header)]
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
    """Return (X, y): the top candidate's features per question and whether it is a right answer."""
    X, y = [], []
    for row in rows:
        best = engine.retriever.rank(row["question"], mode=mode, limit=2)[0]
        X.append([best.features[f] for f in FEATURES])
        y.append(int(best.id in set(row["expected"])))
    return np.array(X), np.array(y)


def fit_calibration(engine: Engine, rows: list[dict]) -> Calibration:
    """Fit each mode's logistic confidence model on the labelled rows (L2-regularised, few features)."""
    from sklearn.linear_model import LogisticRegression

    models = {}
    for mode in MODES:
        X, y = top_features(engine, rows, mode)
        clf = LogisticRegression(C=1.0, max_iter=1000).fit(X, y)
        models[mode] = {
            "intercept": round(float(clf.intercept_[0]), 4),
            "coefficients": {f: round(float(c), 4) for f, c in zip(FEATURES, clf.coef_[0])},
        }
    return Calibration(fusion=engine.retriever.calibration.fusion, models=models)
