"""Knowledge reload without downtime: swap on success, keep the last good knowledge base on failure."""

import json
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from gradlab import create_app
from gradlab.engine import Engine
from gradlab.ops import reload
from gradlab.ops.settings import load_settings

from tests.conftest import assert_error

KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"
TOKEN = "s3cret-token"


@pytest.fixture()
def setup(tmp_path, fake_embedder):
    knowledge = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, knowledge)
    config = {
        "KNOWLEDGE_DIR": str(knowledge),
        "DATA_DIR": str(tmp_path / "data"),
        "DATABASE": str(tmp_path / "db.sqlite3"),
        "ADMIN_TOKEN": TOKEN,
        "RATE_LIMIT": "",
    }
    engine = Engine.load(load_settings(config), embedder=fake_embedder)
    return create_app(config, engine=engine), knowledge, config, engine


def post_reload(client, token=TOKEN):
    return client.post("/admin/reload", headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize(
    "authorization", [None, "Bearer wrong", TOKEN, f"Basic {TOKEN}", f"Token {TOKEN}", "Bearer", f"{TOKEN} Bearer"]
)
def test_reload_needs_the_bearer_token(setup, authorization):
    app, *_ = setup
    headers = {"Authorization": authorization} if authorization else {}
    response = app.test_client().post("/admin/reload", headers=headers)
    assert_error(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")


def test_reload_accepts_the_bearer_scheme_in_any_case(setup):
    app, *_ = setup
    assert app.test_client().post("/admin/reload", headers={"Authorization": f"bearer {TOKEN}"}).status_code == 200


def test_reload_is_off_without_a_token(setup, fake_engine, tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path / "d"), "DATABASE": str(tmp_path / "x.sqlite3")}, engine=fake_engine)
    assert_error(post_reload(app.test_client()), 404)


def test_reload_swaps_in_an_edited_entry(setup):
    app, knowledge, *_ = setup
    path = knowledge / "pooling.md"
    path.write_text(path.read_text(encoding="utf-8").replace("  en: ", "  en: Edited — ", 1), encoding="utf-8")
    client = app.test_client()
    response = post_reload(client)
    assert response.status_code == 200 and response.get_json()["reloaded"] is True
    assert client.get("/api/entries/pooling").get_json()["title"].startswith("Edited — ")


def test_invalid_knowledge_keeps_the_last_good_one_and_says_why(setup):
    app, knowledge, *_ = setup
    (knowledge / "pooling.md").write_text("not an entry\n", encoding="utf-8")
    client = app.test_client()
    body = assert_error(post_reload(client), 422)
    assert any("pooling.md" in p for p in body["problems"])
    assert client.get("/api/entries/pooling").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 200
    problems = ready.get_json()["last_reload_error"]
    assert problems and problems[0].startswith("pooling.md: ")
    assert str(knowledge) not in ready.get_data(as_text=True)  # public: no server paths


@pytest.mark.parametrize("glossary", ["- {en: ok, zh: [1]}\n", "- {en: ok, zh: []}\n", "- {en: [\n"])
def test_invalid_glossary_is_refused_with_the_problem_list(setup, glossary):
    app, knowledge, *_ = setup
    (knowledge / "glossary.yaml").write_text(glossary, encoding="utf-8")
    client = app.test_client()
    body = assert_error(post_reload(client), 422)
    assert any("glossary.yaml" in p for p in body["problems"])
    assert client.post("/api/ask", json={"question": "感受野怎么算"}).status_code == 200


RESTART = """
import json, sys
from gradlab.engine import Engine
from gradlab.ops.settings import load_settings
from tests.conftest import FakeEmbedder
engine = Engine.load(load_settings(json.loads(sys.argv[1])), embedder=FakeEmbedder())
ranks = [engine.retriever.rank(q, limit=5) for q in json.loads(sys.argv[2])]
print(json.dumps([[[c.id, round(c.score, 6)] for c in rank] for rank in ranks]))
"""
GLOSSARY_QUESTIONS = ["感受野怎么算", "梯度不见了怎么办", "卷积核的感受野有多大", "梯度消失 LSTM 遗忘门"]


def rankings(engine) -> list:
    return [[[c.id, round(c.score, 6)] for c in engine.retriever.rank(q, limit=5)] for q in GLOSSARY_QUESTIONS]


def test_reload_with_an_edited_glossary_ranks_as_a_restart_does(setup):
    app, knowledge, config, engine = setup
    before = rankings(engine)  # tokenises (and caches) every question with the first glossary
    glossary = knowledge / "glossary.yaml"
    edited = glossary.read_text(encoding="utf-8").replace("- {en: receptive field, zh: [感受野]}\n", "")
    glossary.write_text(edited + "- {en: vanishing gradients, zh: [梯度不见了]}\n", encoding="utf-8")
    assert post_reload(app.test_client()).status_code == 200
    reloaded = rankings(app.extensions["gradlab.engine"])
    restart = subprocess.run(
        [sys.executable, "-c", RESTART, json.dumps(config), json.dumps(GLOSSARY_QUESTIONS)],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    assert reloaded == json.loads(restart.stdout)
    assert reloaded != before  # the edit changes ranking, so the comparison means something


def mark_title(knowledge: Path, entry_id: str, marker: str) -> None:
    """Put ``marker`` in front of the entry's English title (removing any earlier marker)."""
    path = knowledge / f"{entry_id}.md"
    source = re.sub(
        r'(  en: ")(?:zebra quagga okapi \S+ )?', rf"\g<1>{marker} ", path.read_text(encoding="utf-8"), count=1
    )
    path.write_text(source, encoding="utf-8")


def test_reload_under_traffic_serves_each_answer_from_one_whole_knowledge_base(setup):
    """Each reload moves the word 'zebra' to another entry's title: a response whose top entry's title lacks it
    was ranked by one knowledge base and titled from another (a torn swap)."""
    app, knowledge, *_ = setup
    responses: list = []
    started, stop = threading.Event(), threading.Event()

    def traffic():
        client = app.test_client()
        while not stop.is_set():
            responses.append(client.post("/api/ask", json={"question": "zebra quagga okapi"}))
            started.set()

    entries = ["pooling", "gru", "pooling", "gru"]
    # three rare words, so that no hash collision of the fake embedder's can outrank the marked title
    mark_title(knowledge, entries[0], "zebra quagga okapi 0")
    assert post_reload(app.test_client()).status_code == 200
    workers = [threading.Thread(target=traffic) for _ in range(3)]
    for w in workers:
        w.start()
    started.wait()
    for version, entry_id in enumerate(entries[1:], start=1):
        mark_title(knowledge, entries[version - 1], "")
        mark_title(knowledge, entry_id, f"zebra quagga okapi {version}")
        assert post_reload(app.test_client()).status_code == 200
    stop.set()
    for w in workers:
        w.join()
    assert len(responses) > 10 and {r.status_code for r in responses} == {200}
    tops = [r.get_json()["answer"] or r.get_json()["suggestions"][0] for r in responses]
    torn = [top for top in tops if "zebra" not in top["title"]]
    assert not torn, torn[:3]
    after = app.test_client().post("/api/ask", json={"question": "zebra quagga okapi"}).get_json()
    assert (after["answer"] or after["suggestions"][0])["id"] == entries[-1]
    assert len({top["title"] for top in tops}) >= 2  # the traffic did span reloads


def test_other_workers_follow_the_reload_stamp(setup, fake_embedder, monkeypatch):
    app, knowledge, config, engine = setup
    other = create_app(config, engine=engine)  # a second worker process sharing DATA_DIR
    monkeypatch.setattr(reload, "STAMP_CHECK_SECONDS", 0.0)
    path = knowledge / "pooling.md"
    path.write_text(path.read_text(encoding="utf-8").replace("  en: ", "  en: Stamped — ", 1), encoding="utf-8")
    assert post_reload(app.test_client()).status_code == 200
    client = other.test_client()
    assert not client.get("/api/entries/pooling").get_json()["title"].startswith("Stamped — ")  # saw the stamp
    other.extensions["gradlab.reload"]["follower"].join()  # the reload that request started
    assert client.get("/api/entries/pooling").get_json()["title"].startswith("Stamped — ")
