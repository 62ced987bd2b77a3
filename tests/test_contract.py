"""The API contract: the OpenAPI description covers every route, responses match it under fuzzing (no 5xx),
and rate limiting answers 429 in the one error shape with Retry-After."""

import threading
import time

import pytest
import schemathesis
from gradlab import create_app
from gradlab.web import limits
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.conftest import assert_error


def test_openapi_describes_every_route(app):
    spec = app.test_client().get("/openapi.json").get_json()
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.startswith("pages."):
            continue
        path = rule.rule.replace("<", "{").replace(">", "}")
        routes |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == documented


def test_openapi_document_is_valid():
    from gradlab.web.openapi import spec
    from openapi_spec_validator import validate

    validate(spec())


@pytest.fixture(scope="module")
def fuzz_app(fake_engine, tmp_path_factory):
    database = tmp_path_factory.mktemp("fuzz") / "fuzz.sqlite3"
    return create_app(
        {"DATA_DIR": fake_engine.settings["DATA_DIR"], "DATABASE": str(database), "RATE_LIMIT": ""}, engine=fake_engine
    )


FUZZ_EXAMPLES = int(__import__("os").environ.get("GRADLAB_FUZZ_EXAMPLES", "60"))  # per operation


# Operations that take a body or a query parameter: only those can be sent schema-violating input (a path
# parameter is any string, and the rest take nothing).
NEGATABLE = {
    "POST /api/ask",
    "POST /api/feedback",
    "GET /api/entries",
    "GET /api/entries/{entry_id}",
    "GET /api/demos",
    "GET /api/demos/{name}",
}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_fuzzed_requests_never_get_a_5xx_and_match_the_schema(fuzz_app, mode):
    """Schema-valid requests must get a documented answer and schema-violating ones a 4xx, never a 5xx."""
    schema = schemathesis.openapi.from_wsgi("/openapi.json", fuzz_app)
    cases, fuzzed = 0, set()
    for result in schema.get_all_operations():
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"
        if mode == GenerationMode.NEGATIVE and label not in NEGATABLE:
            continue
        fuzzed.add(label)

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=FUZZ_EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            derandomize=True,
        )  # the same cases every run: CI must not flip on luck
        def check(case):
            nonlocal cases
            cases += 1
            # a run's params are valid only for the demo named in the path, which a schema cannot tie together:
            # another demo's params are schema-valid there and rightly get 400
            cross_field = case.operation.path == "/api/demos/{name}/runs"
            case.call_and_validate(excluded_checks=[positive_data_acceptance] if cross_field else [])

        check()
    print(f"schemathesis ({mode}): {cases} requests to {len(fuzzed)} operations, none answered off-schema")
    assert NEGATABLE <= fuzzed
    assert cases >= len(fuzzed) * FUZZ_EXAMPLES / 2


def limited_client(engine, tmp_path, limit: str, **settings):
    """Return a test client of an app limited to ``limit`` requests per client."""
    config = {"DATA_DIR": engine.settings["DATA_DIR"], "DATABASE": str(tmp_path / "db.sqlite3"), "RATE_LIMIT": limit}
    return create_app({**config, **settings}, engine=engine).test_client()


def test_rate_limit_answers_429_with_retry_after(fake_engine, tmp_path):
    client = limited_client(fake_engine, tmp_path, "2/minute")
    for _ in range(2):
        assert client.post("/api/ask", json={"question": "lstm"}).status_code == 200
    response = client.post("/api/ask", json={"question": "lstm"})
    body = assert_error(response, 429)
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 61  # the window is 60 s; the limiter counts its reset from the next whole second
    # the limiter's own message, not Werkzeug's generic 429 text
    assert body["message"] == f"rate limit of 2 per 1 minute exceeded; retry in {retry_after} s"


@pytest.mark.parametrize("path", ["/api/entries", "/api/demos", "/api/entries/lstm", "/api/demos/gradient_vs_lag"])
def test_rate_limit_covers_the_documented_get_routes(fake_engine, tmp_path, path):
    client = limited_client(fake_engine, tmp_path, "1/minute")
    assert client.get(path).status_code == 200
    assert_error(client.get(path), 429)
    documented = client.get("/openapi.json").get_json()["paths"]
    template = path.replace("lstm", "{entry_id}").replace("gradient_vs_lag", "{name}")
    assert "429" in documented[template]["get"]["responses"]


def test_admin_reload_is_rate_limited(fake_engine, tmp_path):
    client = limited_client(fake_engine, tmp_path, "3/minute", ADMIN_TOKEN="right-token")
    guesses = [client.post("/admin/reload", headers={"Authorization": f"Bearer guess-{i}"}) for i in range(4)]
    assert [r.status_code for r in guesses] == [401, 401, 401, 429]


@pytest.mark.parametrize(
    ("first", "second", "shared"),
    [
        ("2001:db8:1:2::1", "2001:db8:1:2:ffff::9", True),  # one /64: one client
        ("2001:db8:1:2::1", "2001:db8:1:3::1", False),
        ("192.0.2.1", "192.0.2.2", False),
        ("::ffff:192.0.2.1", "192.0.2.1", True),  # an IPv4 client seen through an IPv6 socket
    ],
)
def test_rate_limit_keys_ipv6_clients_by_their_64(fake_engine, tmp_path, first, second, shared):
    client = limited_client(fake_engine, tmp_path, "1/minute")
    assert client.get("/api/demos", environ_base={"REMOTE_ADDR": first}).status_code == 200
    assert client.get("/api/demos", environ_base={"REMOTE_ADDR": second}).status_code == (429 if shared else 200)


@pytest.mark.parametrize(("trusted", "shared"), [(0, True), (1, False)])
def test_trusted_proxies_give_each_forwarded_client_its_own_bucket(fake_engine, tmp_path, trusted, shared):
    client = limited_client(fake_engine, tmp_path, "1/minute", TRUSTED_PROXIES=trusted)
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    assert client.get("/api/demos", environ_base=proxy, headers={"X-Forwarded-For": "198.51.100.7"}).status_code == 200
    response = client.get("/api/demos", environ_base=proxy, headers={"X-Forwarded-For": "198.51.100.8"})
    assert response.status_code == (429 if shared else 200)


def test_rate_limit_does_not_apply_to_health_checks(fake_engine, tmp_path):
    client = limited_client(fake_engine, tmp_path, "1/minute")
    assert all(client.get("/healthz").status_code == 200 for _ in range(5))


def test_in_memory_rate_limit_starts_no_thread_per_request(fake_engine, tmp_path, monkeypatch):
    client = limited_client(fake_engine, tmp_path, "1000/minute")
    client.get("/api/demos")
    started = []
    original = threading.Thread.start
    monkeypatch.setattr(threading.Thread, "start", lambda thread: started.append(thread.name) or original(thread))
    for _ in range(5):
        time.sleep(0.015)  # past limits' own 10 ms expiry timer, which would start a thread on the next hit
        assert client.get("/api/demos").status_code == 200
    assert started == []


def test_in_memory_counters_end_with_their_window_and_a_sweep_drops_stale_ones(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(limits.time, "time", lambda: now[0])
    storage = limits.SweptMemoryStorage()
    assert [storage.incr("a", expiry=60) for _ in range(3)] == [1, 2, 3]
    storage.incr("b", expiry=60)
    now[0] += 5
    assert storage.incr("a", expiry=60) == 4
    now[0] += 60  # both windows over: "a" starts a new one, and the sweep drops "b", whose client never came back
    assert storage.incr("a", expiry=60) == 1
    assert set(storage.storage) == set(storage.expirations) == {"a"}


def test_replicas_share_rate_limit_counters_in_redis(fake_engine, tmp_path, redis_url):
    first, second = (limited_client(fake_engine, tmp_path, "3/minute", RATE_LIMIT_STORAGE=redis_url) for _ in range(2))
    statuses = [
        client.post("/api/ask", json={"question": "lstm"}).status_code for client in (first, second, first, second)
    ]
    assert statuses == [200, 200, 200, 429]
