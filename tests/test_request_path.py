"""What one /api/ask request does: every answer is rendered and every demo imported before the first request
(a preloaded server forks its workers after that), and logging the question never makes the answer wait for the
database."""

from __future__ import annotations

import gc
import importlib

from gradlab import answer, create_app
from gradlab.engine import Engine
from gradlab.knowledge import render

from tests.conftest import stall_writes


def test_every_answer_is_ready_before_the_first_request(fake_engine, tmp_path, monkeypatch):
    engine = Engine.load(fake_engine.settings, embedder=fake_engine.embedder)
    assert set(engine.payloads) == {(i, lang) for i in engine.kb.entries for lang in ("en", "zh")}
    client = create_app({"DATABASE": str(tmp_path / "db.sqlite3")}, engine=engine).test_client()

    def on_the_request_path(*args):
        raise AssertionError(f"rendered or imported while answering: {args[0]!r:.60}")

    monkeypatch.setattr(answer, "markdown_to_html", on_the_request_path)
    monkeypatch.setattr(render, "_render", on_the_request_path)
    monkeypatch.setattr(importlib, "import_module", on_the_request_path)  # how a demo module is loaded
    for question in ("what is gradient clipping", "梯度裁剪是什么", "what is a receptive field", "LSTM 的门"):
        for lang in ("en", "zh"):
            body = client.post("/api/ask", json={"question": question, "lang": lang}).get_json()
            assert body["answered"] and body["answer"]["html"].startswith("<")
            assert body["answer"]["demo"] is None or body["answer"]["demo"]["title"]


def test_each_answer_is_its_own_copy(client):
    first = client.post("/api/ask", json={"question": "what is gradient clipping"}).get_json()
    assert first["answer"]["demo"]["source_url"]
    engine = client.application.extensions["gradlab.engine"]
    cached = engine.payloads[(first["answer"]["id"], "en")]
    assert "source_url" not in cached["demo"], "the view's demo links leaked into the cached answer"


def test_an_answer_does_not_wait_for_the_query_log(app, client, monkeypatch):
    storage = app.extensions["gradlab.storage"]
    writing, release = stall_writes(storage, monkeypatch)
    try:
        assert client.post("/api/ask", json={"question": "what is an lstm"}).status_code == 200
        writing.wait()  # the writer now holds the first row and cannot write it
        assert client.post("/api/ask", json={"question": "what is a gru"}).status_code == 200
    finally:
        release.set()
    assert [r["question"] for r in storage.query_rows()] == ["what is an lstm", "what is a gru"]


def test_the_loaded_app_is_frozen_out_of_the_garbage_collector_before_the_workers_fork(app, monkeypatch):
    from gradlab.web import wsgi

    frozen_at_fork = []
    monkeypatch.setattr(wsgi.GradlabServer, "run", lambda server: frozen_at_fork.append(gc.get_freeze_count()))
    gc.unfreeze()
    try:
        wsgi.serve_production(app, "127.0.0.1", 0)
        assert frozen_at_fork and frozen_at_fork[0] >= len(app.extensions["gradlab.engine"].payloads)
    finally:
        gc.unfreeze()
