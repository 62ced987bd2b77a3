"""The JSON API with the fake embedder: the answer shape, every bad input's 4xx in one error shape, feedback."""

import json

import pytest

from tests.conftest import assert_error

ANSWER_KEYS = {
    "question",
    "lang",
    "kind",
    "answered",
    "confidence",
    "answer",
    "related",
    "alternatives",
    "suggestions",
    "reply",
    "starters",
}


def ask(client, **body):
    return client.post("/api/ask", json=body)


def test_ask_returns_the_documented_shape(client):
    response = ask(client, question="gradient clipping clip_grad_norm_ by norm or by value")
    assert response.status_code == 200
    data = response.get_json()
    assert set(data) == ANSWER_KEYS
    assert data["lang"] == "en"
    assert 0.5 <= data["confidence"] <= 1.0
    assert data["kind"] == "answer" and data["reply"] is None and data["starters"] == []
    assert data["answered"] is True and data["answer"]["id"] == "gradient-clipping"
    assert {"id", "title", "text", "html", "summary", "demo", "references"} <= set(data["answer"])
    assert all(set(r) == {"id", "title"} for r in data["related"]) and data["related"]
    assert data["suggestions"] == []


@pytest.mark.parametrize(
    ("question", "lang", "reply_fragment"),
    [
        ("hi", "en", "Hello"),
        ("Hello there!", "en", "Hello"),
        ("Good morning", "en", "Hello"),
        ("thanks!", "en", "welcome"),
        ("Thank you so much.", "en", "welcome"),
        ("What can you do?", "en", "I answer questions"),
        ("hi, what can you do", "en", "I answer questions"),
        ("你好", "zh", "你好"),
        ("您好！", "zh", "你好"),
        ("谢谢", "zh", "不客气"),
        ("謝謝你", "zh", "不客气"),
        ("你能做什么？", "zh", "我可以回答"),
        ("你能做什麼", "zh", "我可以回答"),
        ("你是誰", "zh", "我可以回答"),
    ],
)
def test_small_talk_gets_a_friendly_reply_with_starter_questions(client, fake_engine, question, lang, reply_fragment):
    data = ask(client, question=question).get_json()
    assert set(data) == ANSWER_KEYS
    assert data["kind"] == "smalltalk" and data["lang"] == lang
    assert reply_fragment in data["reply"]
    assert data["answer"] is None and data["suggestions"] == [] and data["answered"] is False
    starters = [t.starter.en if lang == "en" else t.starter.zh for t in fake_engine.kb.topics]
    assert [s["question"] for s in data["starters"]] == starters
    assert all(set(s) == {"topic", "question"} for s in data["starters"])


@pytest.mark.parametrize(
    "question",
    [
        "hi, how does gradient clipping by norm or by value work",
        "thanks, but what is a receptive field",
        "你好，感受野是什么",
    ],
)
def test_a_real_question_after_a_greeting_is_answered_normally(client, question):
    greeted = ask(client, question=question).get_json()
    plain = ask(client, question=question.split(",", 1)[-1].split("，", 1)[-1]).get_json()
    assert greeted["kind"] in ("answer", "decline") and greeted["reply"] is None
    assert (greeted["answer"] or {}).get("id") == (plain["answer"] or {}).get("id")


def test_small_talk_is_logged_as_handled_not_as_a_gap(client, app):
    ask(client, question="谢谢")
    row = app.extensions["gradlab.storage"].query_rows()[-1]
    assert row["question"] == "谢谢" and row["answered"] and row["top_entry"] is None


def test_ask_declines_an_off_topic_question_with_suggestions(client):
    data = ask(client, question="how do I bake sourdough bread at home").get_json()
    assert data["answered"] is False and data["answer"] is None
    assert data["kind"] == "decline" and data["confidence"] < 0.5 and len(data["suggestions"]) == 3


def test_ask_answers_in_the_questions_language(client, fake_engine):
    data = ask(client, question="梯度裁剪 按范数 按值 clip_grad_norm_").get_json()
    assert data["lang"] == "zh" and data["answered"] is True
    assert data["answer"]["title"] == fake_engine.kb.entries["gradient-clipping"].title.zh


def test_ask_honours_an_explicit_lang(client):
    assert ask(client, question="梯度裁剪", lang="en").get_json()["lang"] == "en"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({}, "'question' is required"),
        ({"question": ""}, "'question' must be a string of 1 to 500 characters"),
        ({"question": "   "}, "only white space"),
        ({"question": "\u3000\t"}, "only white space"),
        ({"question": 42}, "'question' must be a string"),
        ({"question": None}, "'question' must be a string"),
        ({"question": "x" * 501}, "at most 500 characters"),
        ({"question": " " * 500 + "x"}, "at most 500 characters"),  # the limit counts what was sent
        ({"question": "lstm", "lang": "fr"}, "'lang' must be one of"),
        ({"question": "lstm", "top_k": 0}, "'top_k' must be an integer"),
        ({"question": "lstm", "top_k": "3"}, "'top_k' must be an integer"),
        ({"question": "lstm", "top_k": True}, "'top_k' must be an integer"),
        ({"question": "lstm", "colour": "blue"}, "unknown field(s): colour"),
        ({"question": "lstm", "context": 5}, "'context' must be an entry id"),
        ({"question": "lstm", "context": ["lstm"]}, "'context' must be an entry id"),
    ],
)
def test_ask_rejects_bad_fields_with_400(client, body, fragment):
    body_json = assert_error(client.post("/api/ask", json=body), 400)
    assert fragment in body_json["message"]


@pytest.mark.parametrize(
    ("data", "content_type", "status", "fragment"),
    [
        ("{not json", "application/json", 400, "not valid JSON"),
        ('["a list"]', "application/json", 400, "must be a JSON object"),
        ('"a string"', "application/json", 400, "must be a JSON object"),
        (b'{"question": "\xff\xfe"}', "application/json", 400, "not valid UTF-8"),
        ('{"question": "lstm"}', "text/plain", 415, "Content-Type: application/json"),
        ("question=lstm", "application/x-www-form-urlencoded", 415, "JSON"),
    ],
)
def test_ask_rejects_malformed_bodies(client, data, content_type, status, fragment):
    body = assert_error(client.post("/api/ask", data=data, content_type=content_type), status)
    assert fragment in body["message"]


@pytest.mark.parametrize("path", ["/api/ask", "/api/feedback"])
@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ('{"question": "\\ud800 lstm", "vote": "up"}', "lone surrogate"),
        ('{"question": "lstm", "vote": "up", "comment": "\\udfff"}', "lone surrogate"),
        ('{"question": "lstm", "vote": "up", "\\ud800": 1}', "lone surrogate"),
        ('{"question": ' + "[" * 8000 + "]" * 8000 + "}", "nests deeper"),
        ('{"question": ' + "[" * 40 + "]" * 40 + "}", "nests deeper"),
    ],
)
def test_unencodable_or_deeply_nested_bodies_get_400(client, path, raw, fragment):
    assert len(raw.encode()) < 16384
    assert fragment in assert_error(client.post(path, data=raw, content_type="application/json"), 400)["message"]


def test_oversized_body_gets_413(client):
    assert_error(
        client.post("/api/ask", data=json.dumps({"question": "x" * 20000}), content_type="application/json"), 413
    )


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/ask", 405),
        ("delete", "/api/entries", 405),
        ("get", "/api/nowhere", 404),
        ("get", "/nowhere", 404),
        ("get", "/api/entries/no-such-entry", 404),
        ("get", "/api/demos/no_such_demo", 404),
        ("get", "/api/demos/no_such_demo/plot.png", 404),
        ("get", "/api/entries?lang=fr", 400),
    ],
)
def test_routes_and_methods_errors_are_json(client, method, path, status):
    assert_error(getattr(client, method)(path), status)


def test_plot_of_a_result_without_its_png_is_404(client, fake_engine, monkeypatch):
    record = {"metrics": {}, "headline": "h", "claim_held": True, "seconds": 1.0, "table": []}
    monkeypatch.setitem(fake_engine.demo_records, "gradient_vs_lag", record)  # result.json read, plot.png absent
    body = assert_error(client.get("/api/demos/gradient_vs_lag/plot.png"), 404)
    assert "gradlab build" in body["message"]


def test_wrong_method_says_which_are_allowed(client):
    response = client.get("/api/ask")
    assert "POST" in response.headers["Allow"]


def test_entries_lists_every_entry_with_titles_in_the_requested_language(client, fake_engine):
    data = client.get("/api/entries?lang=zh").get_json()
    assert len(data["entries"]) == len(fake_engine.kb)
    first = data["entries"][0]
    assert first["title"] == fake_engine.kb.entries[first["id"]].title.zh


def test_entry_detail_has_text_html_and_related(client):
    data = client.get("/api/entries/gradient-clipping").get_json()
    assert data["id"] == "gradient-clipping"
    assert data["html"].startswith("<")
    assert len(data["related"]) >= 2


def test_demos_lists_every_registered_demo(client):
    from gradlab import demos

    names = [d["name"] for d in client.get("/api/demos").get_json()["demos"]]
    assert names == list(demos.DEMOS)


def test_demo_detail_has_claim_and_command(client):
    data = client.get("/api/demos/gradient_vs_lag?lang=zh").get_json()
    assert data["command"] == "python -m gradlab.demos.gradient_vs_lag"
    assert "梯度" in data["claim"]


def test_demo_source_is_served_as_text(client):
    response = client.get("/api/demos/gradient_vs_lag/source")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert "python -m gradlab.demos.gradient_vs_lag" in response.get_data(as_text=True)
    assert client.get("/api/demos/gradient_vs_lag").get_json()["source_url"] == "/api/demos/gradient_vs_lag/source"


@pytest.mark.parametrize("name", ["../service/settings", "_harness", "%2e%2e%2fservice%2fsettings"])
def test_only_registered_demo_sources_are_served(client, name):
    assert_error(client.get(f"/api/demos/{name}/source"), 404)


def test_healthz_and_readyz(client, fake_engine):
    assert client.get("/healthz").get_json() == {"ok": True}
    ready = client.get("/readyz").get_json()
    assert ready["ok"] is True and ready["entries"] == len(fake_engine.kb)


def app_with_a_blocked_database(fake_engine, tmp_path):
    """Return an app whose SQLite file would sit under a file where a folder should be."""
    from gradlab import create_app

    blocked = tmp_path / "blocked"
    blocked.write_text("a file where a folder should be")
    database = f"sqlite:///{blocked}/x/db.sqlite3"
    return create_app({"DATA_DIR": fake_engine.settings["DATA_DIR"], "DATABASE": database}, engine=fake_engine)


def test_readyz_is_503_when_the_database_cannot_be_used(fake_engine, tmp_path):
    app = app_with_a_blocked_database(fake_engine, tmp_path)
    body = assert_error(app.test_client().get("/readyz"), 503)
    assert "database" in body["message"] and str(tmp_path) not in body["message"]


def test_readyz_names_a_local_model_without_its_folder(client, fake_engine, monkeypatch):
    monkeypatch.setattr(fake_engine.embedder, "name", "/srv/models/my-minilm")
    response = client.get("/readyz")
    assert response.get_json()["model"] == "my-minilm" and "/srv" not in response.get_data(as_text=True)


def test_responses_carry_a_content_security_policy(client):
    assert "default-src 'self'" in client.get("/").headers["Content-Security-Policy"]


def test_feedback_is_stored_with_question_entry_and_confidence(client, app):
    response = client.post(
        "/api/feedback",
        json={
            "question": "<script>alert(1)</script> why nan?",
            "entry_id": "nan-loss",
            "confidence": 0.8,
            "vote": "down",
            "comment": "<img src=x onerror=alert(1)>",
        },
    )
    assert response.status_code == 201
    rows = app.extensions["gradlab.storage"].feedback_rows()
    assert rows[-1]["question"] == "<script>alert(1)</script> why nan?"
    assert rows[-1]["entry_id"] == "nan-loss" and rows[-1]["vote"] == "down"
    assert rows[-1]["comment"] == "<img src=x onerror=alert(1)>"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"question": "q", "vote": "sideways"}, "'vote' must be"),
        ({"question": "q", "vote": "up", "entry_id": "nope"}, "'entry_id'"),
        ({"question": "q", "vote": "up", "confidence": 2}, "'confidence'"),
        ({"question": "", "vote": "up"}, "'question' must be a string of 1 to 500 characters"),
        ({"question": " " * 500 + "x", "vote": "up"}, "at most 500 characters"),
        ({"question": "q", "vote": "up", "comment": "x" * 1001}, "'comment'"),
        ({"question": "q", "vote": "up", "entry_id": []}, "'entry_id'"),
        ({"question": "q", "vote": "up", "entry_id": {"a": 1}}, "'entry_id'"),
        ({"question": "q", "vote": "up", "comment": None}, "'comment'"),
        ({"question": "q", "vote": "up", "comment": 0}, "'comment'"),
        ({"question": "q", "vote": "up", "comment": []}, "'comment'"),
        ({"question": "q", "vote": "up", "confidence": True}, "'confidence'"),
        ({"question": "q", "vote": "up", "extra": 1}, "unknown field(s): extra"),
    ],
)
def test_feedback_rejects_bad_fields(client, body, fragment):
    assert fragment in assert_error(client.post("/api/feedback", json=body), 400)["message"]


def test_every_question_is_logged_without_the_client_address(client, app):
    ask(client, question="what is a receptive field")
    rows = app.extensions["gradlab.storage"].query_rows()
    assert rows[-1]["question"] == "what is a receptive field"
    assert set(rows[-1]) == {
        "id",
        "created_at",
        "question",
        "lang",
        "top_entry",
        "confidence",
        "answered",
        "latency_ms",
    }


def test_logging_a_question_never_raises_even_for_text_the_database_cannot_hold(app):
    storage = app.extensions["gradlab.storage"]
    row = dict(lang="en", top_entry=None, confidence=0.1, answered=False, latency_ms=1.0)
    storage.log_query(question="\ud800 lstm", **row)  # queued; the writer thread meets the error, not the request
    assert storage.log_query(question="lstm", **row) is True
    storage.flush()
    assert storage.failed == 1 and [r["question"] for r in storage.query_rows()][-1:] == ["lstm"]


def test_unwritable_query_log_does_not_fail_the_answer(fake_engine, tmp_path):
    app = app_with_a_blocked_database(fake_engine, tmp_path)
    response = app.test_client().post("/api/ask", json={"question": "lstm forget gate"})
    assert response.status_code == 200


def test_an_unknown_context_id_is_ignored_not_an_error(client):
    assert ask(client, question="what about GRU?", context="no-such-entry").status_code == 200


def test_cli_ask_prints_the_small_talk_reply_and_starters(fake_engine, monkeypatch):
    from click.testing import CliRunner
    from gradlab.cli import main

    monkeypatch.setattr("gradlab.cli.load_engine", lambda force_index=False: fake_engine)
    result = CliRunner().invoke(main, ["ask", "你好"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("你好！") and "No good answer" not in result.output
    assert all(topic.starter.zh in result.output for topic in fake_engine.kb.topics)
