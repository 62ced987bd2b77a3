"""Claims of demos/truncated_bptt.py, asserted on its default run."""


def test_detach_makes_the_gradient_exactly_zero_up_to_the_cut(demo_result):
    m = demo_result("truncated_bptt").metrics
    assert m["truncated_grad_before_cut_max"] == 0.0
    assert m["full_grad_before_cut_min"] > 0.0


def test_gradient_after_the_cut_is_nonzero_and_unchanged(demo_result):
    m = demo_result("truncated_bptt").metrics
    assert m["truncated_grad_after_cut_min"] > 1e-6
    assert m["after_cut_max_abs_difference"] == 0.0


def test_truncation_changes_a_default_tanh_rnn_w_hh_gradient_only_slightly(demo_result):
    assert 0.0 < demo_result("truncated_bptt").metrics["w_hh_grad_rel_change"] < 0.05
