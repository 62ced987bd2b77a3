"""What one /api/ask request does: the answer is rendered once per entry and language, and logging the question
never makes the answer wait for the database."""

from __future__ import annotations

import threading

from gradlab import answer, create_app
from gradlab.engine import Engine


def test_an_answer_is_rendered_once_per_entry_and_language(fake_engine, tmp_path, monkeypatch):
    rendered = []
    render = answer.markdown_to_html
    monkeypatch.setattr(answer, "markdown_to_html", lambda source: rendered.append(source) or render(source))
    engine = Engine.load(fake_engine.settings, embedder=fake_engine.embedder)  # nothing rendered yet
    client = create_app({"DATABASE": str(tmp_path / "db.sqlite3")}, engine=engine).test_client()
    for _ in range(3):
        for lang in ("en", "zh"):
            body = client.post("/api/ask", json={"question": "what is gradient clipping", "lang": lang}).get_json()
            assert body["answered"] and body["answer"]["html"].startswith("<")
    assert len(rendered) == 2


def test_each_answer_is_its_own_copy(client):
    first = client.post("/api/ask", json={"question": "what is gradient clipping"}).get_json()
    assert first["answer"]["demo"]["source_url"]
    engine = client.application.extensions["gradlab.engine"]
    cached = engine.payloads[(first["answer"]["id"], "en")]
    assert "source_url" not in cached["demo"], "the view's demo links leaked into the cached answer"


def test_an_answer_does_not_wait_for_the_query_log(app, client, monkeypatch):
    storage = app.extensions["gradlab.storage"]
    release, writing = threading.Event(), threading.Event()
    write = storage._write

    def stalled_write(rows: list[dict]) -> None:
        writing.set()
        release.wait()
        write(rows)

    monkeypatch.setattr(storage, "_write", stalled_write)
    try:
        assert client.post("/api/ask", json={"question": "what is an lstm"}).status_code == 200
        writing.wait()  # the writer now holds the first row and cannot write it
        assert client.post("/api/ask", json={"question": "what is a gru"}).status_code == 200
    finally:
        release.set()
    assert [r["question"] for r in storage.query_rows()] == ["what is an lstm", "what is a gru"]
