"""Loading and validating knowledge entries: good files load, every kind of broken file is named with its field."""

import textwrap

import pytest
import yaml
from gradlab.knowledge.loader import KnowledgeError, load_knowledge

DEMOS = ("gradient_vs_lag",)


def entry_text(entry_id="alpha", related=("beta", "gamma"), demo="gradient_vs_lag", drop=(), body=None, **fields):
    header = {
        "id": entry_id,
        "title": {"en": f"Title {entry_id}", "zh": f"标题 {entry_id}"},
        "names": [f"name {entry_id}", f"名字 {entry_id}"],
        "phrasings": {
            "en": [f"question {i} {entry_id}" for i in range(5)],
            "zh": [f"问题{i} {entry_id}" for i in range(5)],
        },
        "demo": demo,
        "related": list(related),
        "references": ["Somebody (2000). A paper."],
        **fields,
    }
    for key in drop:
        header.pop(key)
    body = body if body is not None else "# English\n\n**Short answer.** Yes.\n\n# 中文\n\n**简短回答。** 是。\n"
    return "---\n" + yaml.safe_dump(header, allow_unicode=True) + "---\n" + body


def topics_text(groups=(("alpha", "beta", "gamma"),)):
    topics = [
        {
            "id": f"theme-{i}",
            "title": {"en": f"Theme {i}", "zh": f"主题 {i}"},
            "starter": {"en": f"question {i}?", "zh": f"问题 {i}？"},
            "entries": list(ids),
        }
        for i, ids in enumerate(groups)
    ]
    return yaml.safe_dump({"topics": topics}, allow_unicode=True)


def write_kb(folder, topics=None, **overrides):
    (folder / "topics.yaml").write_text(topics if topics is not None else topics_text(), encoding="utf-8")
    texts = {
        "alpha": entry_text("alpha"),
        "beta": entry_text("beta", related=("alpha", "gamma"), demo=""),
        "gamma": entry_text("gamma", related=("alpha", "beta"), demo=""),
    }
    texts.update(overrides)
    for entry_id, content in texts.items():
        (folder / f"{entry_id}.md").write_text(content, encoding="utf-8")
    return folder


def problems(folder):
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(folder, demo_names=DEMOS)
    return info.value.problems


def test_valid_knowledge_base_loads_with_a_content_hash(tmp_path):
    kb = load_knowledge(write_kb(tmp_path), demo_names=DEMOS)
    assert set(kb.entries) == {"alpha", "beta", "gamma"}
    assert kb.entries["alpha"].summary("zh") == "**简短回答。** 是。"
    assert len(kb.content_hash) == 64


def test_content_hash_changes_when_an_entry_changes(tmp_path):
    before = load_knowledge(write_kb(tmp_path), demo_names=DEMOS).content_hash
    write_kb(tmp_path, gamma=entry_text("gamma", related=("alpha", "beta"), demo="", references=["Other (2001)."]))
    assert load_knowledge(tmp_path, demo_names=DEMOS).content_hash != before


@pytest.mark.parametrize(
    ("name", "content", "field"),
    [
        ("alpha", "no header here\n", "body"),
        ("alpha", "---\nid: [unclosed\n---\n# English\n# 中文\n", "header"),
        ("alpha", entry_text("alpha", drop=("title",)), "title"),
        ("alpha", entry_text("alpha", phrasings={"en": ["one"], "zh": ["一"] * 5}), "phrasings.en"),
        ("alpha", entry_text("alpha", body="# English\n\nOnly English.\n"), "body"),
        ("alpha", entry_text("alpha", body="# 中文\n\n中文\n\n# English\n\nEnglish\n"), "body"),
        ("alpha", entry_text("other"), "id"),
        ("alpha", entry_text("alpha", related=("beta",)), "related"),
        ("alpha", entry_text("alpha", colour="blue"), "colour"),
        ("alpha", entry_text("Bad Id"), "id"),
    ],
)
def test_broken_entry_is_reported_with_file_and_field(tmp_path, name, content, field):
    write_kb(tmp_path, **{name: content})
    found = problems(tmp_path)
    assert any(p.startswith(str(tmp_path / f"{name}.md")) and f": {field}" in p for p in found), found


def test_dangling_related_id_is_reported(tmp_path):
    write_kb(tmp_path, alpha=entry_text("alpha", related=("beta", "nowhere")))
    assert any("related: no entry has id 'nowhere'" in p for p in problems(tmp_path))


def test_unknown_demo_is_reported(tmp_path):
    write_kb(tmp_path, alpha=entry_text("alpha", demo="no_such_demo"))
    assert any("demo: no demo is named 'no_such_demo'" in p for p in problems(tmp_path))


def test_demo_that_no_entry_links_is_reported(tmp_path):
    write_kb(tmp_path)
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(tmp_path, demo_names=(*DEMOS, "orphan_demo"))
    assert any("orphan_demo" in p and "no knowledge entry links" in p for p in info.value.problems)


def test_figure_must_be_quoted_in_both_languages(tmp_path):
    body = "# English\n\nRatio 5e-12.\n\n# 中文\n\n比值很小。\n"
    write_kb(tmp_path, alpha=entry_text("alpha", body=body, figures=[{"metric": "m", "quoted": "5e-12"}]))
    assert any("'5e-12' is not quoted in the zh text" in p for p in problems(tmp_path))


def test_all_problems_are_reported_at_once(tmp_path):
    write_kb(tmp_path, alpha="junk\n", beta=entry_text("beta", related=("alpha",), demo=""))
    assert len(problems(tmp_path)) >= 2


def test_real_knowledge_base_is_valid(fake_engine):
    assert len(fake_engine.kb) >= 35


def test_check_command_fails_on_a_broken_knowledge_base(tmp_path, monkeypatch):
    from click.testing import CliRunner
    from gradlab.cli import main

    write_kb(tmp_path, alpha="junk\n")
    monkeypatch.setenv("GRADLAB_KNOWLEDGE_DIR", str(tmp_path))
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 1
    assert "alpha.md: body" in result.output
    assert "Traceback" not in result.output


def test_check_command_passes_on_the_real_knowledge_base():
    from click.testing import CliRunner
    from gradlab.cli import main

    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK:")


def test_readme_example_matches_the_format():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "knowledge" / "README.md").read_text(encoding="utf-8")
    example = textwrap.dedent(readme.split("```markdown\n", 1)[1].split("```", 1)[0])
    assert example.startswith("---\nid: gradient-clipping")


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (["only english", "also english"], "one English and one Chinese"),
        (["只有中文", "还是中文"], "one English and one Chinese"),
        (["lstm", "lstm", "长短期记忆"], "must not repeat"),
    ],
)
def test_names_need_both_languages_and_no_repeats(tmp_path, names, message):
    found = problems(write_kb(tmp_path, alpha=entry_text("alpha", names=names)))
    assert any("alpha.md: names:" in p and message in p for p in found), found


def test_a_name_shared_by_two_entries_is_reported(tmp_path):
    found = problems(
        write_kb(
            tmp_path, beta=entry_text("beta", related=("alpha", "gamma"), demo="", names=["Name Alpha", "名字 beta"])
        )
    )
    assert any("beta.md: names: 'Name Alpha' is also a name of 'alpha'" in p for p in found), found


def test_aliases_map_old_ids_to_the_entry(tmp_path):
    kb = load_knowledge(write_kb(tmp_path, alpha=entry_text("alpha", aliases=["old-alpha", "older-alpha"])), DEMOS)
    assert kb.aliases == {"old-alpha": "alpha", "older-alpha": "alpha"}


@pytest.mark.parametrize(
    ("aliases", "message"),
    [
        (["beta"], "aliases: 'beta' is the id of an entry"),
        (["alpha"], "aliases: 'alpha' is the id of an entry"),
        (["Old Alpha"], "aliases.0"),
    ],
)
def test_bad_alias_is_reported(tmp_path, aliases, message):
    write_kb(tmp_path, alpha=entry_text("alpha", aliases=aliases))
    assert any(message in p for p in problems(tmp_path)), problems(tmp_path)


def test_alias_claimed_by_two_entries_is_reported(tmp_path):
    write_kb(
        tmp_path,
        alpha=entry_text("alpha", aliases=["old"]),
        beta=entry_text("beta", related=("alpha", "gamma"), demo="", aliases=["old"]),
    )
    assert any("aliases: 'old' is also an alias of" in p for p in problems(tmp_path)), problems(tmp_path)


def test_topics_group_every_entry_in_order(tmp_path):
    kb = load_knowledge(write_kb(tmp_path, topics=topics_text((("gamma", "alpha"), ("beta",)))), DEMOS)
    assert [t.id for t in kb.topics] == ["theme-0", "theme-1"]
    assert kb.topics[0].entries == ["gamma", "alpha"]
    assert kb.topics[1].title.zh == "主题 1" and kb.topics[1].starter.en == "question 1?"


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        ((("alpha", "beta"),), "entries: 'gamma' (gamma.md) is in no topic; add it to one"),
        ((("alpha", "beta", "gamma"), ("beta",)), "'beta' is listed in more than one topic (theme-0, theme-1)"),
        ((("alpha", "beta", "gamma", "delta"),), "topics.0.entries: no entry has id 'delta'"),
    ],
)
def test_topic_problems_are_named(tmp_path, groups, message):
    write_kb(tmp_path, topics=topics_text(groups))
    found = problems(tmp_path)
    assert any(p.startswith(str(tmp_path / "topics.yaml")) and message in p for p in found), found


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("topics: [{id: t, title: {en: T}, starter: {en: q, zh: 问}, entries: [alpha]}]", "topics.0.title.zh"),
        ("topics: [unclosed", "invalid YAML"),
        ("- just a list", "topics"),
    ],
)
def test_malformed_topics_file_is_reported(tmp_path, content, message):
    write_kb(tmp_path, topics=content)
    found = problems(tmp_path)
    assert any(p.startswith(str(tmp_path / "topics.yaml")) and message in p for p in found), found


def test_missing_topics_file_is_reported(tmp_path):
    write_kb(tmp_path)
    (tmp_path / "topics.yaml").unlink()
    assert any("topics.yaml: file: missing" in p for p in problems(tmp_path))


def test_check_command_names_an_entry_missing_from_the_topics(tmp_path, monkeypatch):
    from click.testing import CliRunner
    from gradlab.cli import main

    write_kb(tmp_path, topics=topics_text((("alpha", "gamma"),)))
    monkeypatch.setenv("GRADLAB_KNOWLEDGE_DIR", str(tmp_path))
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 1
    assert "'beta' (beta.md) is in no topic" in result.output


def test_real_topics_hold_every_entry_exactly_once(fake_engine):
    listed = [entry_id for topic in fake_engine.kb.topics for entry_id in topic.entries]
    assert sorted(listed) == sorted(fake_engine.kb.entries)
    assert 5 <= len(fake_engine.kb.topics) <= 9


@pytest.mark.parametrize(
    ("body", "sentence"),
    [
        (
            "**Short answer.** An LSTM (Hochreiter & Schmidhuber 1997) keeps a cell $c_t$. Then more, e.g. this.",
            "An LSTM (Hochreiter & Schmidhuber 1997) keeps a cell c_t.",
        ),
        ("**Short answer.** Use `clip_grad_norm_`, *not* value! More.", "Use clip_grad_norm_, not value!"),
        ("**简短回答。** 循环神经网络用**隐状态** $h_t$ 记住过去。第二句。", "循环神经网络用隐状态 h_t 记住过去。"),
        ("**Short answer.** Gers et al. (2000) added the gate. Next.", "Gers et al. (2000) added the gate."),
        ("**Short answer.** No full stop at the end", "No full stop at the end"),
    ],
)
def test_first_sentence_is_plain_text(body, sentence):
    from gradlab.knowledge.loader import first_sentence

    assert first_sentence(body) == sentence


def test_a_header_cannot_build_python_objects(tmp_path):
    marker = tmp_path / "ran"
    header = f'extra: !!python/object/apply:builtins.open ["{marker}", "w"]\n'  # an unsafe loader creates the file
    write_kb(tmp_path, alpha=entry_text("alpha").replace("---\n", "---\n" + header, 1))
    assert any(p.startswith(str(tmp_path / "alpha.md")) and "invalid YAML" in p for p in problems(tmp_path))
    assert not marker.exists()
