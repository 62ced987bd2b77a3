"""Claims of demos/clipping_exploding.py, asserted with a margin on its default run."""

import math


def test_unclipped_relu_rnn_loss_becomes_nonfinite_within_10_steps(demo_result):
    m = demo_result("clipping_exploding").metrics
    assert m["unclipped_nonfinite_step"] <= 10


def test_unclipped_gradient_norm_exceeds_1e4(demo_result):
    m = demo_result("clipping_exploding").metrics
    assert m["unclipped_max_grad_norm"] > 1e4


def test_clipped_run_reaches_the_last_step_with_a_finite_loss(demo_result):
    m = demo_result("clipping_exploding").metrics
    assert m["clipped_steps_completed"] == 300
    assert math.isfinite(m["clipped_final_loss"])


def test_clipped_run_final_loss_is_10x_below_its_initial_loss(demo_result):
    m = demo_result("clipping_exploding").metrics
    assert m["clipped_final_loss"] * 10 < m["clipped_initial_loss"]


def test_clipping_was_active_in_the_clipped_run(demo_result):
    m = demo_result("clipping_exploding").metrics
    assert m["clipped_clip_active_fraction"] > 0.1
