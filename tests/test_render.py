"""Markdown and math rendering: safe HTML, and every formula in the knowledge base becomes clean MathML."""

import re

import pytest
from gradlab.knowledge import render
from gradlab.knowledge.loader import load_knowledge
from gradlab.knowledge.render import _markdown, markdown_to_html
from gradlab.ops.settings import load_settings

KB = load_knowledge(load_settings()["KNOWLEDGE_DIR"])


def test_raw_html_in_markdown_is_escaped():
    html = markdown_to_html('hello <script>alert(1)</script> <img src=x onerror="alert(1)">')
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


def test_inline_and_display_math_become_mathml():
    html = markdown_to_html("inline $h_t = \\tanh(W h_{t-1})$\n\n$$c_t = f_t \\odot c_{t-1}$$")
    assert html.count("<math") == 2 and 'display="block"' in html


def test_malformed_latex_falls_back_to_escaped_code():
    html = markdown_to_html("$\\frac{<script>alert(1)</script>}{$")
    assert "<script" not in html
    assert "<code>\\frac{&lt;script&gt;alert(1)&lt;/script&gt;}{</code>" in html


@pytest.mark.parametrize(
    ("latex", "shown"),
    [
        ("\\text{<img src=x onerror=alert(1)>}", "&lt;img\u00a0src=x\u00a0onerror=alert(1)&gt;"),
        ("\\textbf{<script>alert(1)</script>}", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("\\mbox{<svg onload=alert(1)>}", "&lt;svg\u00a0onload=alert(1)&gt;"),
        ("\\text{a & b < c}", "a\u00a0&amp;\u00a0b\u00a0&lt;\u00a0c"),  # the converter keeps spaces as nbsp
        ("\\href{javascript:alert(1)}{x}", "<mi>x</mi>"),
        ('\\href{x" onclick="alert(1)}{x}', "<mi>x</mi>"),
        ("\\style{background:url(javascript:alert(1))}{x}", "<mi>x</mi>"),
        ('\\color{red" onmouseover="alert(1)}{x}', "<mi>x</mi>"),
        ("\\class{evil}{x}", "<mi>x</mi>"),
    ],
)
@pytest.mark.parametrize("delimiter", ["$", "$$"])
def test_math_cannot_carry_html_links_styles_or_handlers(latex, shown, delimiter):
    html = markdown_to_html(f"{delimiter}{latex}{delimiter}")
    assert "<math" in html and shown in html
    tags = re.findall(r"<([a-zA-Z][\w-]*)", html)
    assert set(tags) <= {"p", "span", "math", "mrow", "mi", "mtext", "mstyle", "div"}, tags
    attributes = {name for tag in re.findall(r"<[a-zA-Z][^>]*>", html) for name in re.findall(r" ([\w-]+)=", tag)}
    assert attributes <= {"class", "xmlns", "display", "mathvariant", "displaystyle", "scriptlevel"}, attributes
    assert 'class="evil"' not in html


def walk(tokens):
    for token in tokens:
        yield token
        yield from walk(token.children or [])


@pytest.mark.parametrize("entry_id", sorted(KB.entries))
def test_every_formula_in_an_entry_renders_without_leftover_latex(entry_id):
    entry = KB.entries[entry_id]
    for lang in ("en", "zh"):
        html = markdown_to_html(getattr(entry.body, lang))
        formulas = [t for t in walk(_markdown().parse(getattr(entry.body, lang))) if t.type.startswith("math")]
        assert html.count("<math") == len(formulas), (entry_id, lang)  # none fell back to code
        for math in re.findall(r"<math.*?</math>", html, flags=re.S):
            leftover = re.findall(r">\\[A-Za-z|]+<", math)
            assert not leftover, (entry_id, lang, leftover)


def test_level_three_headings_get_numbered_anchors():
    html = markdown_to_html("# Top\n\n### Why\ntext\n\n### In `code` $x$\nmore")
    assert '<h3 id="sec-1">Why</h3>' in html
    assert '<h3 id="sec-2">' in html and "<h1>Top</h1>" in html


def test_sections_list_the_level_three_headings_as_plain_text():
    from gradlab.knowledge.render import sections

    assert sections("intro\n\n### Why\ntext\n\n### In `nn.LSTM` with $h_t$\nmore\n\n#### deeper\n") == [
        ("sec-1", "Why"),
        ("sec-2", "In nn.LSTM with h_t"),
    ]


def test_every_entry_has_sections_in_both_languages():
    from gradlab.knowledge.render import sections

    for entry in KB.entries.values():
        assert len(sections(entry.body.en)) == len(sections(entry.body.zh)) >= 2, entry.id


def test_rendered_answers_are_kept_beside_the_index_until_the_source_or_renderer_changes(tmp_path, monkeypatch):
    sources = ["### Why\n\nThe gradient is $\\prod_t W^\\top$.", "Clip by **norm**."]
    assert render.warm(sources, tmp_path) == 2
    assert render.warm(sources, tmp_path) == 0
    assert [markdown_to_html(s) for s in sources] == [render._render(s) for s in sources]
    assert render.warm([*sources, "A new answer."], tmp_path) == 1
    monkeypatch.setattr(render, "renderer_fingerprint", lambda: "another renderer")
    assert render.warm(sources, tmp_path) == 2
    (tmp_path / render.CACHE_FILE).write_text("{not json")
    assert render.warm(sources, tmp_path) == 2
