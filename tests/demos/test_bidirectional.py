"""Claims of demos/bidirectional.py, asserted with a margin on its default run."""


def test_unidirectional_gru_stays_at_chance_when_the_label_is_in_the_future(demo_result):
    m = demo_result("bidirectional").metrics
    assert abs(m["unidirectional_accuracy"] - m["chance_accuracy"]) < 0.05


def test_bidirectional_gru_learns_the_label_from_the_future(demo_result):
    assert demo_result("bidirectional").metrics["bidirectional_accuracy"] > 0.9


def test_unidirectional_gru_learns_the_mirror_task_from_the_past(demo_result):
    assert demo_result("bidirectional").metrics["unidirectional_past_accuracy"] > 0.9
