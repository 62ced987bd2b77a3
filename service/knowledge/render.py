"""Render knowledge-base Markdown to safe HTML, with LaTeX turned into MathML on the server.

Raw HTML in the Markdown is escaped (``html: False``), so only the Markdown's own structure becomes markup;
the page never needs a math library from the network. Level-3 headings (an answer's sections) get the anchors
``sec-1``, ``sec-2``, … that the table of contents links to.
"""

from __future__ import annotations

import functools
import html
import re

import latex2mathml.converter
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

# latex2mathml leaves a sized norm bar (\Big\|) as literal text; a plain \| renders as the norm sign
SIZED_NORM = re.compile(r"\\[bB]igg?[lr]?\\\|")


def render_math(content: str, options: dict) -> str:
    """Return MathML for one formula; an unparsable formula is shown as escaped code instead."""
    display = "block" if options.get("display_mode") else "inline"
    try:
        return latex2mathml.converter.convert(SIZED_NORM.sub(r"\\|", content), display=display)
    except Exception:  # latex2mathml raises many types for malformed input; the page must still render
        return f"<code>{html.escape(content)}</code>"


def anchor_sections(state) -> None:
    """Give every level-3 heading the id ``sec-N`` (a markdown-it core rule)."""
    number = 0
    for token in state.tokens:
        if token.type == "heading_open" and token.tag == "h3":
            number += 1
            token.attrSet("id", f"sec-{number}")


@functools.lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    md = (
        MarkdownIt("commonmark", {"html": False, "linkify": False})
        .enable("table")
        .use(dollarmath_plugin, renderer=render_math, allow_space=True, double_inline=True)
    )
    md.core.ruler.push("anchor_sections", anchor_sections)
    return md


@functools.lru_cache(maxsize=512)
def markdown_to_html(source: str) -> str:
    """Render Markdown with math to HTML; any HTML written in the source is escaped."""
    return _markdown().render(source)


def sections(source: str) -> list[tuple[str, str]]:
    """Return (anchor, plain-text title) of each level-3 heading, in order: the table of contents."""
    tokens = _markdown().parse(source)
    found = []
    for opening, inline in zip(tokens, tokens[1:]):
        if opening.type == "heading_open" and opening.tag == "h3":
            title = "".join(child.content for child in inline.children or [] if child.content)
            found.append((f"sec-{len(found) + 1}", title.strip()))
    return found
