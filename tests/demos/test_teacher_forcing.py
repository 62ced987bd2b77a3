"""Claims of demos/teacher_forcing.py, asserted with a margin on its default run."""


def test_teacher_forcing_trains_faster_per_step(demo_result):
    m = demo_result("teacher_forcing").metrics
    assert m["teacher_accuracy_step100"] > 0.9
    assert m["free_accuracy_step100"] < 0.5
    assert m["teacher_train_loss_step100"] < 0.5 * m["free_train_loss_step100"]


def test_both_trainings_end_up_generating_correctly(demo_result):
    m = demo_result("teacher_forcing").metrics
    assert m["teacher_final_accuracy"] > 0.95
    assert m["free_final_accuracy"] > 0.95


def test_free_running_training_recovers_more_often_after_a_wrong_token(demo_result):
    m = demo_result("teacher_forcing").metrics
    assert m["free_recovery_after_wrong_token"] > 0.7
    assert m["free_recovery_after_wrong_token"] > m["teacher_recovery_after_wrong_token"] + 0.2
