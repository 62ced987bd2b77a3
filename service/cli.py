"""The ``gradlab`` command line: ask, browse, run demos, build the index, check the knowledge base, serve."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from gradlab import demos
from gradlab.knowledge.loader import KnowledgeError, load_knowledge
from gradlab.ops.settings import SETTINGS, load_settings


def echo_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def fail_on_knowledge(exc: KnowledgeError) -> None:
    click.echo(f"The knowledge base has {len(exc.problems)} problem(s):", err=True)
    for problem in exc.problems:
        click.echo(f"  {problem}", err=True)
    sys.exit(1)


def load_engine(force_index: bool = False):
    """Load the engine for a command, turning knowledge problems into a clean exit."""
    from gradlab.engine import Engine

    settings = load_settings()
    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            from tqdm import tqdm

            bar = tqdm(total=total, desc="embedding", unit="batch", file=sys.stderr)
        bar.update(1)

    try:
        engine = Engine.load(settings, force_index=force_index, progress=progress)
    except KnowledgeError as exc:
        fail_on_knowledge(exc)
    if bar is not None:
        bar.close()
    return engine


@click.group()
def main() -> None:
    """gradlab: answers about RNN, CNN, GRU and LSTM, each backed by a runnable PyTorch demo."""


@main.command()
@click.argument("question")
@click.option("--lang", type=click.Choice(["auto", "en", "zh"]), default="auto", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the same JSON object as POST /api/ask.")
@click.option("--context", default=None, help="Id of the entry that answered the previous question (follow-ups).")
def ask(question: str, lang: str, as_json: bool, context: str | None) -> None:
    """Answer QUESTION from the knowledge base."""
    from gradlab.answer import answer_question
    from gradlab.knowledge.demo_results import result_dir

    engine = load_engine()
    result = answer_question(engine, question, lang=lang, context=context)
    demo = (result["answer"] or {}).get("demo")
    if demo:  # the API gives a URL; a terminal user gets the built plot's path
        plot = result_dir(engine.data_dir, demo["name"]) / ("plot.zh.png" if result["lang"] == "zh" else "plot.png")
        demo["plot_url"] = str(plot) if demo["result"] else None
        demo["source_url"] = str(Path(demos.__file__).resolve().parent / f"{demo['name']}.py")
    if as_json:
        echo_json(result)
        return
    if result["kind"] == "smalltalk":
        click.echo(result["reply"])
        for s in result["starters"]:
            click.echo(f"  - {s['question']}  ({s['topic']})")
        return
    if not result["answered"]:
        click.echo(f"No good answer (confidence {result['confidence']:.2f}). Closest topics:")
        for s in result["suggestions"]:
            click.echo(f"  - {s['title']} ({s['id']})")
        return
    answer = result["answer"]
    click.echo(f"# {answer['title']}  (confidence {result['confidence']:.2f})\n\n{answer['text']}\n")
    if answer["demo"]:
        click.echo(f"Demo: {answer['demo']['claim']}\n  run: {answer['demo']['command']}")
        if answer["demo"]["result"]:
            click.echo(f"  measured: {answer['demo']['result']['headline']}\n  plot: {answer['demo']['plot_url']}")
    if result["alternatives"]:
        click.echo("Did you mean: " + "; ".join(a["title"] for a in result["alternatives"]))
    click.echo("Related: " + "; ".join(r["title"] for r in result["related"]))


@main.command()
@click.option("--json", "as_json", is_flag=True)
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True)
def entries(as_json: bool, lang: str) -> None:
    """List the knowledge entries."""
    try:
        kb = load_knowledge(load_settings()["KNOWLEDGE_DIR"])
    except KnowledgeError as exc:
        fail_on_knowledge(exc)
    rows = [
        {
            "id": e.id,
            "title": {"en": e.title.en, "zh": e.title.zh},
            "demo": e.demo or None,
            "related": e.related,
            "phrasings": {"en": len(e.phrasings.en), "zh": len(e.phrasings.zh)},
            "references": e.references,
        }
        for e in kb.entries.values()
    ]
    if as_json:
        echo_json({"count": len(rows), "entries": rows})
        return
    for row in rows:
        click.echo(f"{row['id']:<30} {getattr(kb.entries[row['id']].title, lang)}  [{row['demo'] or '-'}]")
    click.echo(f"{len(rows)} entries")


@main.command()
def check() -> None:
    """Validate the whole knowledge base: entries, topic map and glossary; exit non-zero on any problem."""
    from gradlab.engine import load_validated

    try:
        kb, glossary = load_validated(load_settings()["KNOWLEDGE_DIR"])
    except KnowledgeError as exc:
        fail_on_knowledge(exc)
    linked = {e.demo for e in kb.entries.values() if e.demo}
    click.echo(
        f"OK: {len(kb)} entries in {len(kb.topics)} topics, {len(glossary.canonical)} glossary rows, "
        f"{len(linked)} of {len(demos.DEMOS)} demos linked, no problems."
    )


@main.group()
def demo() -> None:
    """List and run the demos."""


@demo.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True)
def demo_list(as_json: bool, lang: str) -> None:
    """List the demos with their claims."""
    from gradlab.knowledge.demo_results import demo_summary, load_result

    data_dir = load_settings()["DATA_DIR"]
    rows = [demo_summary(name, lang, load_result(data_dir, name)) for name in demos.DEMOS]
    if as_json:
        echo_json({"count": len(rows), "demos": rows})
        return
    for row in rows:
        click.echo(f"{row['name']:<24} {row['claim']}")


@demo.command("table")
def demo_table() -> None:
    """Print the Markdown table of demos/README.md from the built results (run 'gradlab build' first)."""
    from gradlab.knowledge.demo_results import load_result

    data_dir = load_settings()["DATA_DIR"]
    click.echo("| demo | claim | command | measured (default run) | compute |")
    click.echo("|---|---|---|---|---|")
    for name in demos.DEMOS:
        module = demos.load(name)
        record = load_result(data_dir, name)
        measured = record["headline"] if record else "not built yet: run `gradlab build`"
        seconds = f"{record['seconds']:.1f} s" if record else "-"
        cells = [f"[{name}]({name}.py)", module.CLAIM["en"], f"`python -m gradlab.demos.{name}`", measured, seconds]
        click.echo("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")


@demo.command("run", context_settings={"ignore_unknown_options": True})
@click.argument("name", type=click.Choice(demos.DEMOS))
@click.option("--set", "settings", multiple=True, metavar="PARAM=VALUE", help="Set one of the demo's knobs.")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def demo_run(name: str, settings: tuple[str, ...], args: tuple[str, ...]) -> None:
    """Run demo NAME; --set PARAM=VALUE turns a knob, other flags (--quick, --out DIR, --seed N) go to the demo."""
    from gradlab.demos._harness import ParamError, params_of

    module = demos.load(name)
    declared = {p.name: p for p in params_of(module)}
    flags = []
    for setting in settings:
        key, sep, value = setting.partition("=")
        if not sep or key not in declared:
            accepted = ", ".join(declared) or "none"
            problem = f"expected PARAM=VALUE, got {setting!r}" if not sep else f"unknown parameter {key!r}"
            raise click.UsageError(f"{problem} for demo {name}; accepted parameters: {accepted}")
        try:  # parsed by the parameter's kind here; the demo's own parser checks the range
            declared[key].parse(value)
        except ParamError as exc:
            raise click.UsageError(exc.messages[0]) from None
        flags += ["--" + key.replace("_", "-"), value]
    sys.exit(module.main([*args, *flags]))


@main.command()
def index() -> None:
    """Rebuild the dense index now, with a progress bar."""
    engine = load_engine(force_index=True)
    click.echo(
        f"Indexed {engine.dense.index.ntotal} texts of {len(engine.kb)} entries with {engine.embedder.name} "
        f"in {engine.timings.get('index_build_s', 0):.2f} s (model load {engine.timings.get('model_load_s', 0):.2f} s)."
    )


@main.command()
@click.option("--force", is_flag=True, help="Rerun every demo even if its cached result is current.")
@click.option("--no-lab-grid", is_flag=True, help="Skip precomputing the demo lab's knob grid.")
def build(force: bool, no_lab_grid: bool) -> None:
    """Build what serving needs: the index if stale, every demo's result if its source changed, the lab grid."""
    from gradlab.knowledge.demo_results import build_results
    from gradlab.ops.lab import precompute

    engine = load_engine()
    state = "rebuilt" if "index_build_s" in engine.timings else "up to date"
    click.echo(f"index {state}: {engine.dense.index.ntotal} texts, {len(engine.kb)} entries")
    status = build_results(engine.data_dir, force=force, progress=lambda n, s: click.echo(f"demo {n}: {s}"))
    if not no_lab_grid:
        precompute(engine.data_dir, progress=lambda n, s: click.echo(f"demo {n}: {s}"))
    failed = [n for n, s in status.items() if s.startswith("failed")]
    if failed:
        click.echo(f"{len(failed)} demo(s) failed: {', '.join(failed)}", err=True)
        sys.exit(1)


@main.command("lab-worker")
@click.option("--url", default=None, help="Redis URL of the run queue (default: GRADLAB_LAB_REDIS_URL).")
@click.option("--burst", is_flag=True, help="Quit when the queue is empty.")
@click.option("--name", default=None, help="Worker name shown in RQ (default: random).")
def lab_worker(url: str | None, burst: bool, name: str | None) -> None:
    """Compute demo lab runs from the Redis queue (GRADLAB_LAB_BACKEND=rq); run one per core, on any host."""
    from gradlab.ops.run_queue import work

    url = url or load_settings()["LAB_REDIS_URL"]
    if not url:
        raise click.UsageError("give --url or set GRADLAB_LAB_REDIS_URL, e.g. redis://localhost:6379/0")
    work(url, burst=burst, name=name)


@main.command("settings")
def show_settings() -> None:
    """Print every setting, its environment variable, current value (secrets masked) and help."""
    values = load_settings()
    for s in SETTINGS:
        click.echo(f"{s.env}={s.display(values[s.name])}\n    {s.help}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--debug", is_flag=True, help="Use Flask's development server with reloading.")
def serve(host: str, port: int, debug: bool) -> None:
    """Serve the API and the chat page."""
    from gradlab import create_app

    app = create_app(engine=load_engine())
    if debug:
        app.run(host=host, port=port, debug=True, use_reloader=False)
        return
    from gradlab.web.wsgi import serve_production

    serve_production(app, host, port)


@main.command("eval")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=False)
@click.option("--split", type=click.Choice(["fit", "test"]), help="Only the questions of this half of the set.")
@click.option("--json", "as_json", is_flag=True)
def evaluate(file: Path | None, split: str | None, as_json: bool) -> None:
    """Measure retrieval on a labelled question set (default eval/dev.jsonl): dense, lexical, hybrid."""
    from gradlab.ops.evaluation import DEV_SET, evaluate_modes, format_report, read_questions

    report = evaluate_modes(load_engine(), read_questions(labelled_set(file, DEV_SET), split))
    if as_json:
        echo_json(report)
    else:
        click.echo(format_report(report))


@main.group()
def report() -> None:
    """Reports for the maintainers, from the query log and feedback."""


@report.command("unanswered")
@click.option("--limit", default=20, show_default=True, help="Groups to list.")
@click.option("--json", "as_json", is_flag=True)
def report_unanswered(limit: int, as_json: bool) -> None:
    """The most frequent declined or low-confidence questions, grouped by similarity, with feedback counts."""
    from gradlab.ops.report import unanswered
    from gradlab.ops.storage import Storage

    engine = load_engine()
    groups = unanswered(Storage(engine.settings["DATABASE"]), engine, limit=limit)
    if as_json:
        echo_json({"groups": groups})
        return
    if not groups:
        click.echo("No declined or low-confidence questions logged.")
        return
    for g in groups:
        click.echo(
            f"{g['count']:>4}x  {g['example']}  (declined {g['declined']}, mean confidence "
            f"{g['mean_confidence']:.2f}, closest {g['closest_entry']}, feedback +{g['feedback']['up']} "
            f"-{g['feedback']['down']})"
        )
        for q in g["questions"][1:4]:
            click.echo(f"        ~ {q}")


def labelled_set(file: Path | None, default: Path | None) -> Path:
    """Return the question set to use: the one given, else the clone's default; an installed package has none."""
    if file is None and default is None:
        raise click.UsageError("no labelled question set here (eval/ lives in a clone): pass a FILE")
    return file or default


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=False)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the calibration (default: the packaged file, service/retrieval/calibration.json).",
)
def calibrate(file: Path | None, out: Path | None) -> None:
    """Choose fusion weights and fit the confidence models on labelled questions (default: eval/dev.jsonl plus
    the fit half of eval/real.jsonl; never the test half) and write the calibration file."""
    from gradlab.engine import CALIBRATION_FILE
    from gradlab.ops.evaluation import DEV_SET, REAL_SET, fit_calibration, read_questions

    engine = load_engine()
    if file is None and REAL_SET is not None:
        rows = read_questions(labelled_set(None, DEV_SET)) + read_questions(REAL_SET, "fit")
    else:
        rows = read_questions(labelled_set(file, DEV_SET))
    calibration, cv = fit_calibration(engine, rows)
    out = out or CALIBRATION_FILE
    out.write_text(json.dumps(calibration.to_json(), indent=2) + "\n")
    click.echo(f"wrote {out}\n5-fold held-out rates by confidence threshold (false decline / off-topic declined):")
    for mode, by_threshold in cv.items():
        cells = [f"{t}: {f['false_decline']:.1%} / {f['decline_off_topic']:.1%}" for t, f in by_threshold.items()]
        click.echo(f"{mode:<8} " + "  ".join(cells))


if __name__ == "__main__":
    main()
