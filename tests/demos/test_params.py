"""The demo knobs: declared once per demo, validated strictly, and accepted by both command lines."""

import dataclasses
import json
import math

import pytest
from gradlab import demos
from gradlab.cli import main as cli_main
from gradlab.demos import _harness
from gradlab.demos._harness import Param, ParamError, param_schema, params_of, run_with_params, validate_params

WITH_KNOBS = tuple(name for name in demos.DEMOS if params_of(demos.load(name)))
REQUIRED = {
    "gradient_vs_lag": {"forget_bias", "seq_len", "cell"},
    "init_depth": {"depth", "init"},
    "clipping_exploding": {"max_norm"},
    "receptive_field": {"layers", "stride", "dilation"},
    "pooling_invariance": {"pool_size", "shift"},
    "spectral_radius": {"gain"},
}


def test_at_least_twelve_demos_have_knobs_including_the_required_ones():
    assert len(WITH_KNOBS) >= 12
    for name, knobs in REQUIRED.items():
        assert knobs <= {p.name for p in params_of(demos.load(name))}, name


@pytest.mark.parametrize("name", WITH_KNOBS)
def test_every_param_is_a_config_field_with_the_same_default(name):
    module = demos.load(name)
    config, fields = module.Config(), {f.name for f in dataclasses.fields(module.Config)}
    assert 2 <= len(module.PARAMS) <= 4
    for p in module.PARAMS:
        assert p.name in fields and p.name not in {"seed", "quick", "device"}
        assert p.default == getattr(config, p.name) and type(p.default) is type(getattr(config, p.name)), p.name
        assert set(p.label) == set(p.hint) == {"en", "zh"} and all(p.label.values()) and all(p.hint.values())
        assert p.kind in {"int", "float", "choice", "bool"}
        if p.kind in {"int", "float"}:
            assert p.min <= p.default <= p.max and (not p.log or p.min > 0)
        if p.kind == "choice":
            assert p.default in p.choices


GRADIENT = demos.load("gradient_vs_lag")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"forget_bias": 3}, {"forget_bias": 3.0}),
        ({"seq_len": 200, "cell": "gru"}, {"seq_len": 200, "cell": "gru"}),
        ({}, {}),
    ],
)
def test_validate_params_returns_cleaned_values(params, expected):
    cleaned = validate_params(GRADIENT, params)
    assert cleaned == expected and all(type(cleaned[k]) is type(v) for k, v in expected.items())


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"forget_bais": 3}, "unknown parameter 'forget_bais' for demo gradient_vs_lag; accepted: cell, forget_bias"),
        ({"seq_len": 100.0}, "parameter 'seq_len' must be an integer, got float"),
        ({"seq_len": True}, "parameter 'seq_len' must be an integer, got bool"),
        ({"forget_bias": False}, "parameter 'forget_bias' must be a number, got bool"),
        ({"seq_len": "100"}, "parameter 'seq_len' must be an integer, got str"),
        ({"forget_bias": "3"}, "parameter 'forget_bias' must be a number, got str"),
        ({"seq_len": 10_000}, "parameter 'seq_len' must be in [60, 300], got 10000"),
        ({"forget_bias": -7.5}, "parameter 'forget_bias' must be in [-2, 6], got -7.5"),
        ({"forget_bias": float("nan")}, "parameter 'forget_bias' must be a finite number"),
        ({"cell": "transformer"}, "parameter 'cell' must be one of rnn_tanh, gru, lstm, got 'transformer'"),
    ],
)
def test_validate_params_rejects_bad_values_with_a_clear_message(params, fragment):
    with pytest.raises(ParamError) as caught:
        validate_params(GRADIENT, params)
    assert any(fragment in message for message in caught.value.messages), caught.value.messages


def test_validate_params_lists_every_problem_at_once():
    with pytest.raises(ParamError) as caught:
        validate_params(GRADIENT, {"seq_len": 1, "cell": 3, "depth": 50})
    assert len(caught.value.messages) == 3


def test_bool_params_accept_only_booleans():
    flag = Param("flag", {"en": "f", "zh": "f"}, "bool", False, hint={"en": "h", "zh": "h"})
    assert flag.check(True) == (True, None)
    assert flag.check(1)[1] == "parameter 'flag' must be true or false"
    assert flag.parse("no") is False
    with pytest.raises(ParamError):
        flag.parse("maybe")


def test_choice_params_do_not_coerce_between_types():
    pool = params_of(demos.load("pooling_invariance"))[0]
    assert pool.check(4) == (4, None)
    assert pool.check("4")[1] == "parameter 'pool_size' must be one of 2, 4, 8, got '4'"
    assert pool.parse("4") == 4


def test_param_schema_is_a_closed_json_schema_object():
    schema = param_schema(GRADIENT)
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    forget_bias = schema["properties"]["forget_bias"]
    assert (forget_bias["type"], forget_bias["minimum"], forget_bias["maximum"]) == ("number", -2.0, 6.0)
    assert schema["properties"]["seq_len"]["type"] == "integer" and schema["properties"]["seq_len"]["default"] == 100
    assert schema["properties"]["cell"]["enum"] == ["rnn_tanh", "gru", "lstm"]
    assert schema["properties"]["cell"]["title"] == "cell"
    assert param_schema(demos.load("pooling_invariance"))["properties"]["pool_size"]["type"] == "integer"
    json.dumps(schema)


def extremes(module) -> list[dict]:
    """Return two settings: every knob at its low end, then every knob at its high end."""
    low, high = {}, {}
    for p in module.PARAMS:
        ends = p.choices if p.kind == "choice" else (False, True) if p.kind == "bool" else (p.min, p.max)
        low[p.name], high[p.name] = ends[0], ends[-1]
        if p.kind == "int":
            low[p.name], high[p.name] = int(low[p.name]), int(high[p.name])
    return [low, high]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "end"), [(n, e) for n in WITH_KNOBS for e in ("low", "high")])
def test_knobs_at_their_extremes_run_quick_with_finite_metrics(name, end, tmp_path):
    module = demos.load(name)
    params = extremes(module)[end == "high"]
    result = run_with_params(module, params, out=tmp_path)
    assert result.metrics and all(math.isfinite(v) for v in result.metrics.values()), result.metrics
    assert isinstance(result.claim_held, bool)
    record = json.loads((tmp_path / "result.json").read_text())
    assert record["params"] == {p.name: params.get(p.name, p.default) for p in module.PARAMS}
    assert record["series"] and record["config"]["quick"] is True


def test_raising_the_forget_bias_from_0_to_3_lifts_the_lag_50_ratio_by_six_orders():
    low = run_with_params(GRADIENT, {"forget_bias": 0})
    high = run_with_params(GRADIENT, {"forget_bias": 3})
    assert high.metrics["chosen_lag50"] > 1e6 * low.metrics["chosen_lag50"]
    assert (low.claim_held, high.claim_held) == (False, True)
    assert low.params["forget_bias"] == 0.0 and high.to_json()["params"]["forget_bias"] == 3.0


def test_run_with_params_refuses_bad_params_before_running():
    with pytest.raises(ParamError):
        run_with_params(GRADIENT, {"seq_len": 5})


def test_demo_flags_are_generated_from_params(capsys):
    with pytest.raises(SystemExit) as caught:
        GRADIENT.main(["--help"])
    assert caught.value.code == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert "--forget-bias FLOAT" in help_text and "(default 3.0; float in [-2, 6])" in help_text


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--forget-bias", "9"], "parameter 'forget_bias' must be in [-2, 6], got 9.0"),
        (["--seq-len", "1e2"], "parameter 'seq_len' must be an integer, got '1e2'"),
        (["--cell", "cnn"], "parameter 'cell' must be one of rnn_tanh, gru, lstm"),
        (["--seed", "-1"], "argument --seed: must be >= 0, got -1"),
        (["--seed", "x"], "argument --seed: must be an integer"),
        (["--device", "foo"], "argument --device: must be one of cpu, cuda, cuda:N, mps; got 'foo'"),
    ],
)
def test_demo_command_line_rejects_bad_values_with_exit_2_and_no_traceback(argv, fragment, capsys):
    with pytest.raises(SystemExit) as caught:
        GRADIENT.main(argv)
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err


def test_demo_command_line_runs_with_a_knob_and_records_it(tmp_path, capsys):
    assert GRADIENT.main(["--quick", "--forget-bias", "0", "--out", str(tmp_path)]) == 0
    assert "forget_bias=0.0" in capsys.readouterr().out
    record = json.loads((tmp_path / "result.json").read_text())
    assert record["params"] == {"cell": "lstm", "forget_bias": 0.0, "seq_len": 100} and not record["claim_held"]


def test_gradlab_demo_run_set_passes_knobs_to_the_demo(tmp_path):
    from click.testing import CliRunner

    result = CliRunner().invoke(
        cli_main, ["demo", "run", "gradient_vs_lag", "--set", "seq_len=80", "--quick", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "result.json").read_text())["params"]["seq_len"] == 80


@pytest.mark.parametrize(
    ("setting", "fragment"),
    [
        ("forget_bais=3", "unknown parameter 'forget_bais' for demo gradient_vs_lag; accepted parameters: cell"),
        ("forget_bias", "expected PARAM=VALUE, got 'forget_bias'"),
        ("seq_len=2.5", "parameter 'seq_len' must be an integer, got '2.5'"),
    ],
)
def test_gradlab_demo_run_set_rejects_bad_settings_with_exit_2(setting, fragment):
    from click.testing import CliRunner

    result = CliRunner().invoke(cli_main, ["demo", "run", "gradient_vs_lag", "--set", setting])
    assert result.exit_code == 2
    assert fragment in result.output


def test_harness_parse_helpers_reject_what_torch_would_refuse():
    assert _harness.non_negative_int("0") == 0
    assert _harness.device_name("cuda:1") == "cuda:1"
