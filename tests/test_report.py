"""The unanswered report groups declined questions by topic and counts their feedback."""

from gradlab.ops.report import unanswered
from gradlab.ops.storage import Storage


def log(storage, question, answered=False, confidence=0.2, lang="en", top_entry=None):
    storage.log_query(
        question=question, lang=lang, top_entry=top_entry, confidence=confidence, answered=answered, latency_ms=10.0
    )


def test_rewordings_of_one_missing_topic_are_grouped_and_counted(fake_engine, tmp_path):
    storage = Storage(str(tmp_path / "log.sqlite3"))
    for _ in range(3):
        log(storage, "how does transformer self attention work")
    log(storage, "How does Transformer self-attention work?")
    log(storage, "今天天气怎么样", lang="zh")
    log(storage, "今天天气怎么样", lang="zh")
    log(storage, "what is an lstm", answered=True, confidence=0.95, top_entry="lstm")
    storage.add_feedback(
        question="how does transformer self attention work",
        entry_id=None,
        confidence=0.2,
        vote="down",
        comment="please add transformers",
    )
    groups = unanswered(storage, fake_engine)
    assert [g["count"] for g in groups] == [4, 2]
    assert groups[0]["feedback"] == {"up": 0, "down": 1}
    assert groups[1]["langs"] == ["zh"]
    assert all("lstm" not in g["example"] for g in groups)


def test_low_confidence_answers_are_reported_too(fake_engine, tmp_path):
    storage = Storage(str(tmp_path / "log.sqlite3"))
    log(storage, "receptive field of dilated conv", answered=True, confidence=0.62, top_entry="receptive-field")
    groups = unanswered(storage, fake_engine)
    assert groups[0]["declined"] == 0 and groups[0]["closest_entry"] == "receptive-field"


def test_empty_log_gives_an_empty_report(fake_engine, tmp_path):
    assert unanswered(Storage(str(tmp_path / "log.sqlite3")), fake_engine) == []
