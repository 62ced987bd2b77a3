"""Claims of demos/clip_norm_vs_value.py, asserted with a margin on its default run."""


def test_clip_by_norm_keeps_the_gradient_direction(demo_result):
    m = demo_result("clip_norm_vs_value").metrics
    assert m["toy_cosine_by_norm"] > 0.9999
    assert abs(m["toy_norm_after_clip_by_norm"] - 1.0) < 1e-4
    assert m["rnn_cosine_by_norm_min"] > 0.9999


def test_clip_by_value_turns_the_toy_gradient_to_cosine_0_71(demo_result):
    assert abs(demo_result("clip_norm_vs_value").metrics["toy_cosine_by_value"] - 0.714) < 0.01


def test_clip_by_value_turns_an_exploding_rnn_gradient(demo_result):
    m = demo_result("clip_norm_vs_value").metrics
    assert m["rnn_grad_norm"] > 1e3
    assert m["rnn_cosine_by_value_at_1pct"] < 0.9
