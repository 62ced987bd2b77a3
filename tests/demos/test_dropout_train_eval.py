"""Claims of demos/dropout_train_eval.py, asserted with a margin on its default run."""


def test_inverted_dropout_keeps_the_mean_for_p_01_05_08(demo_result):
    m = demo_result("dropout_train_eval").metrics
    for key in ("p10", "p50", "p80"):
        assert abs(m[f"mean_ratio_{key}"] - 1) < 0.02, key


def test_dropout_zeroes_a_fraction_p_and_scales_survivors_by_1_over_1_minus_p(demo_result):
    m = demo_result("dropout_train_eval").metrics
    for key, p in (("p10", 0.1), ("p50", 0.5), ("p80", 0.8)):
        assert abs(m[f"zero_frac_{key}"] - p) < 0.01, key
        assert m[f"scale_error_{key}"] < 1e-5, key


def test_dropout_keeps_the_mean_but_not_the_variance(demo_result):
    m = demo_result("dropout_train_eval").metrics
    assert m["var_ratio_p10"] > 1.5
    assert m["var_ratio_p50"] > m["var_ratio_p10"]


def test_eval_mode_is_deterministic_and_training_mode_is_not(demo_result):
    m = demo_result("dropout_train_eval").metrics
    assert m["eval_max_diff"] == 0
    assert 0.4 < m["train_frac_changed"] < 0.6  # two independent p = 0.5 masks disagree on half the elements


def test_dropout2d_zeroes_whole_channels_and_dropout_does_not(demo_result):
    m = demo_result("dropout_train_eval").metrics
    assert m["dropout2d_partial_channel_frac"] == 0
    assert 0.35 < m["dropout2d_zero_channel_frac"] < 0.65
    assert m["dropout_partial_channel_frac"] > 0.9
