"""Claims of demos/init_depth.py, asserted with a margin on its default run."""


def test_kaiming_keeps_activation_std_of_order_1_at_layer_50(demo_result):
    m = demo_result("init_depth").metrics
    assert 0.1 <= m["act_std_layer50_kaiming"] <= 10


def test_pytorch_default_init_activations_vanish_by_layer_50(demo_result):
    m = demo_result("init_depth").metrics
    assert m["act_std_layer50_pytorch_default"] < 1e-6


def test_xavier_activations_shrink_with_relu(demo_result):
    m = demo_result("init_depth").metrics
    assert m["act_std_layer50_xavier"] < 1e-4


def test_small_gaussian_init_vanishes_and_unit_gaussian_init_overflows_float32(demo_result):
    m = demo_result("init_depth").metrics
    assert m["act_std_layer50_normal_001"] < 1e-30
    assert m["act_std_layer50_normal_1"] > 3.4e38


def test_default_bias_keeps_std_but_the_input_signal_still_vanishes(demo_result):
    m = demo_result("init_depth").metrics
    assert m["act_std_layer50_pytorch_default_with_bias"] > 1e-3
    assert m["input_spread_layer50_pytorch_default_with_bias"] < 1e-10


def test_plain_30_layer_cnn_at_default_init_vanishes_not_explodes(demo_result):
    m = demo_result("init_depth").metrics
    assert m["cnn30_grad_ratio_pytorch_default"] < 1e-6
    assert 1e-2 < m["cnn30_grad_ratio_kaiming"] < 1e2
