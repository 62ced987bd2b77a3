"""Render knowledge-base Markdown to safe HTML, with LaTeX turned into MathML on the server.

Raw HTML in the Markdown is escaped (``html: False``), so only the Markdown's own structure becomes markup;
the page never needs a math library from the network. Math does not pass through Markdown's escaping, so its
MathML is rebuilt from an allow-list: the text of ``\\text{}`` and friends is escaped before conversion (the
converter copies it verbatim), and only MathML elements and presentation attributes survive (no ``href``,
``style``, ``class``, event handlers or colours). Anything that is not well-formed MathML is shown as code.
Level-3 headings (an answer's sections) get the anchors ``sec-1``, ``sec-2``, … that the table of contents
links to.
"""

from __future__ import annotations

import functools
import html
import re
import xml.etree.ElementTree as ET

import latex2mathml.converter
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

# latex2mathml leaves a sized norm bar (\Big\|) as literal text; a plain \| renders as the norm sign
SIZED_NORM = re.compile(r"\\[bB]igg?[lr]?\\\|")


MATHML_NS = "http://www.w3.org/1998/Math/MathML"
# commands whose argument latex2mathml copies into <mtext> as it is
TEXT_COMMAND = re.compile(r"\\(?:text(?:bf|it|md|normal|rm|sf|tt|up)?|[hm]box)\s*\{")
MATHML_ELEMENTS = frozenset(
    "math mrow mi mn mo ms mtext mspace msub msup msubsup mfrac msqrt mroot mstyle mtable mtr mtd mlabeledtr "
    "mover munder munderover mpadded mphantom menclose merror mmultiscripts mprescripts none semantics".split()
)
MATHML_ATTRIBUTES = frozenset(
    "display mathvariant displaystyle scriptlevel stretchy fence separator lspace rspace minsize maxsize "
    "movablelimits accent accentunder largeop symmetric form width height depth linethickness columnalign "
    "rowalign columnspacing rowspacing columnlines rowlines frame framespacing equalrows equalcolumns align "
    "notation linebreak voffset mathsize open close separators bevelled numalign denomalign".split()
)


def escape_text_commands(latex: str) -> str:
    """HTML-escape the arguments of \\text{...} and friends (balanced braces), which the converter copies as is."""
    out, pos = [], 0
    for match in TEXT_COMMAND.finditer(latex):
        if match.start() < pos:  # inside an argument already escaped
            continue
        depth, end = 1, match.end()
        while end < len(latex) and depth:
            depth += {"{": 1, "}": -1}.get(latex[end], 0)
            end += 1
        out += [latex[pos : match.end()], html.escape(latex[match.end() : end - 1], quote=False), "}"]
        pos = end
    return "".join(out) + latex[pos:]


def clean_mathml(element: ET.Element) -> str:
    """Serialise a MathML tree keeping only allowed elements (others dropped with their content) and attributes."""
    tag = element.tag.removeprefix(f"{{{MATHML_NS}}}")
    if tag not in MATHML_ELEMENTS:
        return ""
    attributes = [(k, v) for k, v in element.attrib.items() if k in MATHML_ATTRIBUTES]
    if tag == "math":
        attributes.insert(0, ("xmlns", MATHML_NS))
    opening = "".join(f' {k}="{html.escape(v)}"' for k, v in attributes)
    inner = html.escape(element.text or "", quote=False)
    inner += "".join(clean_mathml(child) + html.escape(child.tail or "", quote=False) for child in element)
    return f"<{tag}{opening}>{inner}</{tag}>"


def render_math(content: str, options: dict) -> str:
    """Return sanitised MathML for one formula; a formula that does not convert cleanly is shown as code."""
    display = "block" if options.get("display_mode") else "inline"
    try:
        mathml = latex2mathml.converter.convert(escape_text_commands(SIZED_NORM.sub(r"\\|", content)), display=display)
        return clean_mathml(ET.fromstring(mathml))
    except Exception:  # latex2mathml raises many types for malformed input; the page must still render
        return f"<code>{html.escape(content)}</code>"


def anchor_sections(state) -> None:
    """Give every level-3 heading the id ``sec-N`` (a markdown-it core rule)."""
    number = 0
    for token in state.tokens:
        if token.type == "heading_open" and token.tag == "h3":
            number += 1
            token.attrSet("id", f"sec-{number}")


def render_display_in_paragraph(self, tokens, idx, options, env) -> str:
    """Render ``$$…$$`` inside a paragraph as a span (a div may not sit in a <p>: the browser would split the
    paragraph) that the page styles as its own scrolling block."""
    return f'<span class="math display">{render_math(tokens[idx].content, {"display_mode": True})}</span>'


@functools.lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    md = (
        MarkdownIt("commonmark", {"html": False, "linkify": False})
        .enable("table")
        .use(dollarmath_plugin, renderer=render_math, allow_space=True, double_inline=True)
    )
    md.core.ruler.push("anchor_sections", anchor_sections)
    md.add_render_rule("math_inline_double", render_display_in_paragraph)
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
