"""Claims of demos/saturation.py, asserted with a margin on its default run."""


def test_sigmoid_gradient_vanishes_over_10_layers(demo_result):
    m = demo_result("saturation").metrics
    assert m["grad_ratio_first_to_last_sigmoid"] < 1e-4


def test_tanh_and_relu_with_kaiming_keep_the_gradient_over_10_layers(demo_result):
    m = demo_result("saturation").metrics
    assert m["grad_ratio_first_to_last_tanh"] > 1e-2
    assert m["grad_ratio_first_to_last_relu_kaiming"] > 1e-2


def test_each_sigmoid_layer_shrinks_the_gradient_about_4x(demo_result):
    m = demo_result("saturation").metrics
    assert m["sigmoid_mean_derivative"] <= 0.25
    assert m["sigmoid_shrink_per_layer"] < 0.35
