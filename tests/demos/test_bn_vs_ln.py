"""Claims of demos/bn_vs_ln.py, asserted with a margin on its default run."""


def test_batch_norm_output_depends_on_the_rest_of_the_batch(demo_result):
    m = demo_result("bn_vs_ln").metrics
    assert m["batch_norm_train_change_shifted_batch"] > 0.5
    assert m["batch_norm_train_change_same_distribution_batch"] > 0.1


def test_layer_norm_output_ignores_the_rest_of_the_batch(demo_result):
    m = demo_result("bn_vs_ln").metrics
    assert m["layer_norm_change_same_distribution_batch"] < 1e-6
    assert m["layer_norm_change_shifted_batch"] < 1e-6


def test_batch_norm_in_eval_mode_ignores_the_batch(demo_result):
    m = demo_result("bn_vs_ln").metrics
    assert m["batch_norm_eval_change_shifted_batch"] < 1e-6
