"""Claims of demos/conv_vs_dense.py, asserted with a margin on its default run."""


def test_conv_has_320_parameters_and_a_dense_layer_of_the_same_shape_has_16981120(demo_result):
    m = demo_result("conv_vs_dense").metrics
    assert m["conv_params"] == 320
    assert m["dense_params"] == 16_981_120
    assert m["dense_to_conv_param_ratio"] > 5e4


def test_conv_is_a_sparse_dense_matrix_with_288_shared_weights(demo_result):
    m = demo_result("conv_vs_dense").metrics
    assert m["conv_matrix_nonzero_frac"] < 0.02  # locality: each output sees 9 of 784 pixels
    assert m["conv_matrix_distinct_weights"] == 288  # weight sharing: 32 kernels x 9 weights, reused everywhere
    assert m["conv_as_matrix_max_error"] < 1e-4


def test_conv_commutes_with_shifts_and_a_dense_layer_does_not(demo_result):
    m = demo_result("conv_vs_dense").metrics
    assert m["shift_error_conv_circular"] < 1e-6
    assert m["shift_error_conv_valid_interior"] < 1e-6
    assert m["shift_error_dense"] > 0.3
