"""Claims of demos/residual_degradation.py, asserted with a margin on its default run."""


def test_30_layer_plain_net_has_higher_training_error_than_3_layer_net(demo_result):
    m = demo_result("residual_degradation").metrics
    assert m["train_mse_plain_30"] > m["train_mse_plain_3"]
    assert m["train_mse_plain_30"] >= 3 * m["train_mse_plain_3"]  # seed 0: about 9x


def test_30_layer_residual_net_trains_better_than_3_layer_plain_net(demo_result):
    m = demo_result("residual_degradation").metrics
    assert m["train_mse_residual_30"] < m["train_mse_plain_3"]


def test_degradation_is_not_caused_by_vanishing_gradients(demo_result):
    m = demo_result("residual_degradation").metrics
    assert m["grad_ratio_at_init_plain_30"] > 0.1
