"""Claims of demos/cnn_vs_rnn_sequences.py: accuracy is asserted; forward time is only reported."""


def test_both_models_have_the_same_parameter_budget(demo_result):
    m = demo_result("cnn_vs_rnn_sequences").metrics
    assert abs(m["cnn_params"] - m["gru_params"]) <= 0.1 * m["cnn_params"]


def test_on_seed_0_conv1d_max_over_time_learns_the_motif_to_95_percent_within_60_steps(demo_result):
    assert demo_result("cnn_vs_rnn_sequences").metrics["cnn_acc_at_step60"] >= 0.95


def test_same_budget_gru_is_far_behind_after_60_steps(demo_result):
    m = demo_result("cnn_vs_rnn_sequences").metrics
    assert m["gru_acc_at_step60"] <= 0.8
    assert m["cnn_acc_at_step60"] - m["gru_acc_at_step60"] >= 0.2


def test_forward_time_over_500_tokens_is_measured_and_reported(demo_result):
    m = demo_result("cnn_vs_rnn_sequences").metrics
    assert m["cnn_forward_ms_len500"] > 0 and m["gru_forward_ms_len500"] > 0  # reported only: shared CPU
