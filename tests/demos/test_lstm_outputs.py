"""Claims of demos/lstm_outputs.py, asserted on its default run."""

EQUAL = 1e-6  # float32 rounding; the demo measures exactly 0 on the CPU
DIFFER = 1e-2  # well below what the default run measures (0.04 to 0.17)


def test_unidirectional_output_last_step_equals_the_top_layer_of_h_n(demo_result):
    m = demo_result("lstm_outputs").metrics
    assert m["uni_output_last_vs_h_n_top"] < EQUAL
    assert m["uni_output_last_vs_h_n_bottom"] > DIFFER  # h_n[0] is the bottom layer, not what output holds


def test_bidirectional_backward_final_state_is_at_output_0_not_output_last(demo_result):
    m = demo_result("lstm_outputs").metrics
    assert m["bi_forward_output_last_vs_h_n"] < EQUAL
    assert m["bi_backward_output_first_vs_h_n"] < EQUAL
    assert m["bi_backward_output_last_vs_h_n"] > DIFFER


def test_packed_short_sequence_output_last_is_padding_while_h_n_is_its_real_last_state(demo_result):
    m = demo_result("lstm_outputs").metrics
    assert m["packed_h_n_vs_real_last_output"] < EQUAL
    assert m["packed_short_output_last_abs_max"] == 0.0
    assert m["packed_short_h_n_vs_output_last"] > DIFFER


def test_without_packing_h_n_is_the_state_after_the_padding(demo_result):
    assert demo_result("lstm_outputs").metrics["unpacked_short_h_n_vs_real_last"] > DIFFER
