"""The demo lab: runs of a demo with a learner's knob values, computed off the request path.

The pool tests use real worker processes; ``tests.lab_targets`` stands in for a demo where a test must decide
when a run ends (``gated``) or needs one that never ends (``spin``).
"""

from __future__ import annotations

import os

import pytest
from gradlab import create_app, demos
from gradlab.ops import runs
from gradlab.ops.lab import grid, grid_values, precompute
from gradlab.ops.run_pool import LocalPool

from tests.conftest import assert_error

GATED = "tests.lab_targets:gated"
GRADIENT = {"cell": "lstm", "forget_bias": 3.0, "seq_len": 100}


@pytest.fixture()
def gate(tmp_path, monkeypatch):
    """A FIFO the gated target blocks on; ``release()`` ends one waiting run, ``calls()`` counts runs started."""
    path = tmp_path / "gate.fifo"
    os.mkfifo(path)
    monkeypatch.setenv("GRADLAB_TEST_GATE", str(path))

    class Gate:
        @staticmethod
        def release() -> None:
            with open(path, "w"):
                pass

        @staticmethod
        def calls() -> list[str]:
            log = path.with_suffix(".log")
            return log.read_text().splitlines() if log.exists() else []

    return Gate


def lab_app(fake_engine, tmp_path, target: str = runs.DEFAULT_TARGET, **settings):
    """Return an app whose lab computes runs with ``target`` in a fresh local pool over ``tmp_path``."""
    from gradlab.ops.lab import make_lab

    config = {"DATA_DIR": str(tmp_path / "data"), "DATABASE": str(tmp_path / "db.sqlite3"), "RATE_LIMIT": ""}
    app = create_app({**config, **settings}, engine=fake_engine)
    app.extensions["gradlab.lab"] = make_lab(app.config["GRADLAB"], target=target)
    return app


@pytest.fixture()
def make_app(fake_engine, tmp_path):
    apps = []

    def make(**kwargs):
        apps.append(lab_app(fake_engine, tmp_path, **kwargs))
        return apps[-1]

    yield make
    for app in apps:
        app.extensions["gradlab.lab"].close()


def pool_of(app) -> LocalPool:
    return app.extensions["gradlab.lab"].backend


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"params": {"forget_bias": 99}}, "must be in [-2, 6], got 99"),
        ({"params": {"forget_bias": "3"}}, "must be a number"),
        ({"params": {"cell": "transformer"}}, "must be one of rnn_tanh, gru, lstm"),
        ({"params": {"gain": 1.0}}, "unknown parameter 'gain'"),
        ({"params": [1, 2]}, "'params' must be an object"),
        ({"params": {}, "seed": 1}, "unknown field(s): seed"),
        ([], "must be a JSON object"),
    ],
)
def test_invalid_run_requests_get_400_without_starting_a_worker(make_app, body, message):
    app = make_app()
    body = assert_error(app.test_client().post("/api/demos/gradient_vs_lag/runs", json=body), 400)
    assert message in body["message"]
    assert pool_of(app).started_in is None


def test_run_requests_must_be_json_and_name_a_demo_and_a_run(make_app):
    client = make_app().test_client()
    assert_error(client.post("/api/demos/gradient_vs_lag/runs", data="params=1"), 415)
    assert_error(client.post("/api/demos/no_such_demo/runs", json={}), 404)
    assert_error(client.get("/api/demos/gradient_vs_lag/runs/0123abcd"), 404)
    assert_error(client.get("/api/demos/gradient_vs_lag/runs/..%2F..%2Fetc"), 404)


def test_lab_describes_each_knob_with_labels_and_control_positions(client):
    lab = client.get("/api/demos/gradient_vs_lag/lab").get_json()
    knobs = {p["name"]: p for p in lab["params"]}
    assert set(knobs) == {"cell", "forget_bias", "seq_len"}
    assert knobs["forget_bias"]["label"]["zh"] == "LSTM 遗忘门偏置"
    assert {0.0, 3.0} <= set(knobs["forget_bias"]["grid"])
    assert lab["schema"]["properties"]["forget_bias"]["maximum"] == 6.0
    assert lab["runs_url"] == "/api/demos/gradient_vs_lag/runs"


def test_identical_concurrent_requests_share_one_run(make_app, gate):
    app = make_app(target=GATED)
    client = app.test_client()
    first = client.post("/api/demos/gradient_vs_lag/runs", json={"params": {"forget_bias": 3}})
    second = client.post("/api/demos/gradient_vs_lag/runs", json={"params": GRADIENT})  # the same, defaults spelt out
    assert first.status_code == second.status_code == 202
    assert first.get_json()["id"] == second.get_json()["id"]
    assert first.headers["Location"] == first.get_json()["poll_url"]
    gate.release()
    run = pool_of(app).wait(first.get_json()["id"], timeout=60)
    assert run.status == "done" and len(gate.calls()) == 1
    polled = client.get(first.get_json()["poll_url"])
    assert polled.status_code == 200 and polled.get_json()["status"] == "done"


def test_a_cached_result_is_answered_at_once_with_200(make_app):
    app = make_app()
    client = app.test_client()
    started = client.post("/api/demos/gradient_vs_lag/runs", json={"params": {"forget_bias": 1.5}})
    assert started.status_code == 202
    run = pool_of(app).wait(started.get_json()["id"], timeout=120)
    assert run.status == "done", run.error
    cached = client.post("/api/demos/gradient_vs_lag/runs", json={"params": {"forget_bias": 1.5}})
    assert cached.status_code == 200
    body = cached.get_json()
    assert body["cached"] is True and body["status"] == "done" and body["id"] == run.id
    assert body["result"]["params"]["forget_bias"] == 1.5 and len(body["result"]["series"]["chosen"]) == 100
    assert body["result"]["metrics"] == run.result["metrics"]


def test_full_queue_gets_429_with_retry_after_while_ask_still_answers(make_app, gate):
    app = make_app(target=GATED, LAB_WORKERS=1, LAB_QUEUE_SIZE=1)
    client = app.test_client()
    accepted = [client.post("/api/demos/spectral_radius/runs", json={"params": {"gain": g}}) for g in (0.5, 1.0)]
    assert [r.status_code for r in accepted] == [202, 202]
    refused = client.post("/api/demos/spectral_radius/runs", json={"params": {"gain": 2.0}})
    body = assert_error(refused, 429)
    assert body["error"] == "queue_full" and int(refused.headers["Retry-After"]) >= 1
    ask = client.post("/api/ask", json={"question": "why do RNN gradients vanish"})
    assert ask.status_code == 200 and ask.get_json()["answered"]
    for response in accepted:
        gate.release()
        assert pool_of(app).wait(response.get_json()["id"], timeout=60).status == "done"
    again = client.post("/api/demos/spectral_radius/runs", json={"params": {"gain": 2.0}})
    assert again.status_code == 202  # the queue has room again
    gate.release()
    assert pool_of(app).wait(again.get_json()["id"], timeout=60).status == "done"


def test_a_run_over_its_cpu_limit_is_killed_and_reported_and_the_pool_recovers(make_app):
    app = make_app(target="tests.lab_targets:spin", LAB_CPU_SECONDS=1.0)
    client = app.test_client()
    started = client.post("/api/demos/receptive_field/runs", json={"params": {"layers": 2}}).get_json()
    run = pool_of(app).wait(started["id"], timeout=120)
    assert run.status == "killed" and "CPU-time limit of 1 s" in run.error
    polled = client.get(started["poll_url"]).get_json()
    assert polled["status"] == "killed" and polled["result"] is None and "CPU-time" in polled["error"]
    pool_of(app).target = runs.DEFAULT_TARGET  # a real demo next: a fresh worker process takes it
    retried = client.post("/api/demos/receptive_field/runs", json={"params": {"layers": 2}}).get_json()
    assert pool_of(app).wait(retried["id"], timeout=120).status == "done"


def test_a_lab_turned_off_answers_503_with_retry_after(make_app):
    response = make_app(LAB_BACKEND="off").test_client().post("/api/demos/gradient_vs_lag/runs", json={})
    assert_error(response, 503)
    assert int(response.headers["Retry-After"]) >= 1


def test_run_keys_change_with_the_values_and_not_with_spelling_defaults_out():
    module = demos.load("gradient_vs_lag")
    assert runs.run_key("gradient_vs_lag", runs.full_params(module, {})) == runs.run_key("gradient_vs_lag", GRADIENT)
    assert runs.run_key("gradient_vs_lag", GRADIENT) != runs.run_key("gradient_vs_lag", {**GRADIENT, "seq_len": 60})


@pytest.mark.parametrize("name", [n for n in demos.DEMOS if getattr(demos.load(n), "PARAMS", ())])
def test_grid_positions_are_valid_values_with_the_default(name):
    from gradlab.demos._harness import validate_params

    module = demos.load(name)
    for param in module.PARAMS:
        values = grid_values(param)
        assert param.default in values and len(values) <= 6
        for value in values:
            validate_params(module, {param.name: value})
    assert len(grid(module)) <= 14  # keeps `gradlab build` to a few minutes on 2 cores


def test_build_grid_makes_every_single_knob_move_a_cache_hit(make_app, tmp_path):
    app = make_app()
    computed = precompute(tmp_path / "data", names=("receptive_field",), workers=1)
    assert computed["receptive_field"] == len(grid(demos.load("receptive_field")))
    client = app.test_client()
    for param in demos.load("receptive_field").PARAMS:
        for value in grid_values(param):
            response = client.post("/api/demos/receptive_field/runs", json={"params": {param.name: value}})
            assert response.status_code == 200 and response.get_json()["cached"], (param.name, value)
    assert pool_of(app).started_in is None
