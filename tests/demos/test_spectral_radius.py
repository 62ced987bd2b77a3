"""Claims of demos/spectral_radius.py, asserted with a margin on its default run."""


def test_linear_rnn_gradient_ratio_is_exactly_g_to_the_49(demo_result):
    m = demo_result("spectral_radius").metrics
    assert m["linear_max_rel_error"] < 1e-6
    assert 5e-3 < m["linear_lag49_g0_9"] < 6.5e-3
    assert 100 < m["linear_lag49_g1_1"] < 115


def test_tanh_rnn_still_vanishes_at_spectral_radius_1_1(demo_result):
    m = demo_result("spectral_radius").metrics
    assert m["tanh_lag49_g1_1"] < 0.1
    assert m["linear_lag49_g1_1"] > 1e3 * m["tanh_lag49_g1_1"]


def test_tanh_rnn_explodes_at_spectral_radius_3(demo_result):
    assert demo_result("spectral_radius").metrics["tanh_lag49_g3"] > 1e3


def test_gaussian_w_with_spectral_radius_1_still_stretches_gradients(demo_result):
    m = demo_result("spectral_radius").metrics
    assert m["gaussian_sigma_max"] > 1.5
    assert m["gaussian_peak_amplification"] > 1.5
    assert abs(m["orthogonal_peak_amplification"] - 1) < 1e-9
