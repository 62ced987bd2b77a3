"""The bilingual glossary: Chinese questions in English terms for the dense model, expansion both ways."""

import shutil
from pathlib import Path

import pytest
from gradlab.knowledge.loader import KnowledgeError
from gradlab.retrieval.glossary import load_glossary

GLOSSARY = Path(__file__).resolve().parent.parent / "knowledge" / "glossary.yaml"


@pytest.fixture(scope="module")
def glossary():
    return load_glossary(GLOSSARY)


def test_to_english_rewrites_chinese_terms_and_keeps_english_words(glossary):
    english = glossary.to_english("LSTM 的遗忘门有什么用")
    assert "lstm" in english and "forget gate" in english
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in english)


def test_to_english_prefers_the_longest_term(glossary):
    assert "vanishing gradients" in glossary.to_english("梯度消失")
    assert glossary.to_english("梯度消失").count("gradient") == 1


def test_to_english_handles_traditional_input(glossary):
    assert "receptive field" in glossary.to_english("感受野是甚麼")
    assert "exploding gradients" in glossary.to_english("梯度爆炸怎麼處理")


def test_expand_adds_the_other_language(glossary):
    assert "receptive" in glossary.expand("感受野")
    assert "感受野" in glossary.expand("what is a receptive field")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("- {en: ok, zh: [好]}\n- {en: missing zh}\n", "row 2: zh: Field required"),
        ("- {en: ok, zh: [1]}\n", "row 1: zh.0: Input should be a valid string"),
        ("- {en: ok, zh: []}\n", "row 1: zh: List should have at least 1 item"),
        ("- {en: ok, zh: ['  ']}\n", "row 1: zh.0: String should have at least 1 character"),
        ("- {en: ok, zh: [好], colour: red}\n", "row 1: colour: Extra inputs are not permitted"),
        ("- {en: ok, zh: [好]\n", "file: invalid YAML"),
        ("en: ok\n", "file: expected a list of rows"),
        ("- just a string\n", "row 1: row: Input should be a valid dictionary"),
    ],
)
def test_malformed_glossary_is_a_knowledge_error_naming_the_row(tmp_path, content, problem):
    bad = tmp_path / "glossary.yaml"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(KnowledgeError) as raised:
        load_glossary(bad)
    assert any(p.startswith(f"{bad}: {problem}") for p in raised.value.problems), raised.value.problems


def test_check_command_validates_the_glossary(tmp_path, monkeypatch):
    from click.testing import CliRunner
    from gradlab.cli import main

    shutil.copytree(GLOSSARY.parent, tmp_path / "knowledge")
    (tmp_path / "knowledge" / "glossary.yaml").write_text("- {en: ok, zh: []}\n", encoding="utf-8")
    monkeypatch.setenv("GRADLAB_KNOWLEDGE_DIR", str(tmp_path / "knowledge"))
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 1
    assert "glossary.yaml: row 1: zh" in result.output
    assert "Traceback" not in result.output


def test_missing_glossary_is_empty(tmp_path):
    assert load_glossary(tmp_path / "none.yaml").to_english("梯度 LSTM") == "lstm"
