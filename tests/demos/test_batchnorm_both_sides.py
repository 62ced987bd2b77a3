"""Claims of demos/batchnorm_both_sides.py, asserted with a margin on its default run."""


def test_batch_norm_rescues_the_30_layer_cnn_from_vanishing_gradients(demo_result):
    m = demo_result("batchnorm_both_sides").metrics
    assert m["cnn30_grad_ratio_no_bn"] < 1e-6
    assert m["cnn30_grad_ratio_bn"] > 1e-2


def test_batch_norm_makes_a_50_layer_plain_mlp_gradient_grow_going_backward(demo_result):
    m = demo_result("batchnorm_both_sides").metrics
    assert m["mlp50_grad_ratio_bn"] > 100
    assert 0.1 < m["mlp50_grad_ratio_kaiming_no_bn"] < 10
