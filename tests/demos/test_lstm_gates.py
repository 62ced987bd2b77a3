"""Claims of demos/lstm_gates.py, asserted with a margin on its default run."""


def test_lstm_solves_the_adding_problem(demo_result):
    m = demo_result("lstm_gates").metrics
    assert m["test_mse"] < 0.1 * m["baseline_mse"]
    assert m["memory_unit_corr"] > 0.9


def test_the_memory_unit_writes_at_the_marked_steps(demo_result):
    m = demo_result("lstm_gates").metrics
    assert m["write_marked"] >= 3 * m["write_unmarked"]


def test_on_seed_0_the_write_goes_through_the_input_gate(demo_result):
    m = demo_result("lstm_gates").metrics
    assert m["input_gate_marked"] >= 3 * m["input_gate_unmarked"]


def test_forget_gate_stays_near_1_between_the_marks(demo_result):
    m = demo_result("lstm_gates").metrics
    assert m["forget_gate_between_marks"] > 0.9
    assert m["forget_gate_between_marks"] > m["forget_gate_between_marks_init"] + 0.1
