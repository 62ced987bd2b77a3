"""Claims of demos/clipping_vanishing.py, asserted with a margin on its default run."""

import pytest


def test_clipped_tanh_rnn_learns_nothing(demo_result):
    m = demo_result("clipping_vanishing").metrics
    assert m["rnn_tanh_final_mse"] >= 0.8 / 6


def test_clipped_gru_goes_below_0_05(demo_result):
    m = demo_result("clipping_vanishing").metrics
    assert m["gru_final_mse"] < 0.05


def test_clipping_was_active_while_the_tanh_rnn_trained(demo_result):
    m = demo_result("clipping_vanishing").metrics
    assert m["rnn_tanh_clip_active_fraction"] > 0
    assert m["rnn_tanh_clip_factor_at_init"] < 0.9


def test_clipping_leaves_the_vanished_first_to_last_step_ratio_unchanged(demo_result):
    m = demo_result("clipping_vanishing").metrics
    unclipped = m["rnn_tanh_grad_ratio_first_to_last_step_unclipped"]
    assert unclipped < 1e-6
    assert m["rnn_tanh_grad_ratio_first_to_last_step_clipped"] == pytest.approx(unclipped, rel=1e-9)
