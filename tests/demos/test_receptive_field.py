"""Claims of demos/receptive_field.py, measured as the support of one output pixel's input gradient."""


def test_stacked_3x3_convs_see_3_7_11_pixels_for_1_3_5_layers(demo_result):
    m = demo_result("receptive_field").metrics
    assert (m["rf_1_layer"], m["rf_3_layers"], m["rf_5_layers"]) == (3, 7, 11)


def test_measured_receptive_field_equals_the_formula_for_every_stack(demo_result):
    m = demo_result("receptive_field").metrics
    names = ("1_layer", "3_layers", "5_layers", "3_layers_dilation2", "3_layers_stride2")
    for name in names:
        assert m[f"rf_{name}"] == m[f"rf_formula_{name}"], name


def test_dilation_2_and_stride_2_grow_the_field_faster_than_stacking(demo_result):
    m = demo_result("receptive_field").metrics
    assert m["rf_3_layers_dilation2"] == 13
    assert m["rf_3_layers_stride2"] == 15
    assert m["rf_3_layers_dilation2"] > m["rf_5_layers"]


def test_dilation_2_in_every_layer_leaves_holes_in_the_field(demo_result):
    m = demo_result("receptive_field").metrics
    assert m["pixels_touched_3_layers_dilation2"] == 49  # a 7x7 grid inside the 13x13 span
    assert m["pixels_touched_3_layers"] == 7 * 7
