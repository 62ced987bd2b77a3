"""Claims of demos/gradient_vs_lag.py, asserted with a margin on its default run."""


def test_lstm_with_forget_bias_3_keeps_100x_more_gradient_than_tanh_rnn_at_lag_50(demo_result):
    m = demo_result("gradient_vs_lag").metrics
    assert m["lstm_fb3_lag50"] >= 100 * m["rnn_tanh_lag50"]


def test_default_lstm_gradient_vanishes_at_lag_50(demo_result):
    m = demo_result("gradient_vs_lag").metrics
    assert m["lstm_fb0_lag50"] < 1e-6
    assert m["lstm_fb3_lag50"] > 1e-3


def test_forget_bias_orders_the_lstm_gradients(demo_result):
    m = demo_result("gradient_vs_lag").metrics
    assert m["lstm_fb0_lag50"] < m["lstm_fb1_lag50"] < m["lstm_fb3_lag50"]
