"""Claims of demos/pooling_invariance.py, asserted with a margin on its default run."""

import pytest

IMAGES = ("smooth", "noise")


@pytest.mark.parametrize("kind", IMAGES)
def test_larger_max_pools_change_less_after_a_1_pixel_shift(demo_result, kind):
    m = demo_result("pooling_invariance").metrics
    assert m[f"rel_change_pool2_{kind}"] < 0.9 * m[f"rel_change_no_pool_{kind}"]
    assert m[f"rel_change_pool4_{kind}"] < 0.9 * m[f"rel_change_pool2_{kind}"]
    assert m[f"rel_change_pool8_{kind}"] < 0.9 * m[f"rel_change_pool4_{kind}"]


@pytest.mark.parametrize("kind", IMAGES)
def test_2x2_max_pool_is_only_partly_invariant(demo_result, kind):
    m = demo_result("pooling_invariance").metrics
    assert m[f"rel_change_pool2_{kind}"] > 0.1
    assert 0.05 < m[f"unchanged_frac_pool2_{kind}"] < 0.6


@pytest.mark.parametrize("kind", IMAGES)
def test_only_global_max_pooling_is_fully_invariant(demo_result, kind):
    m = demo_result("pooling_invariance").metrics
    assert m[f"rel_change_global_pool_{kind}"] < 1e-6
    assert m[f"unchanged_frac_global_pool_{kind}"] > 0.999


def test_a_shift_by_the_pool_stride_just_moves_the_pooled_map(demo_result):
    assert demo_result("pooling_invariance").metrics["shift_by_pool_equivariance_error"] < 1e-6
