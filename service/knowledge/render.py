"""Render knowledge-base Markdown to safe HTML, with LaTeX turned into MathML on the server.

Raw HTML in the Markdown is escaped (``html: False``), so only the Markdown's own structure becomes markup;
the page never needs a math library from the network. Math does not pass through Markdown's escaping, so its
MathML is rebuilt from an allow-list: the text of ``\\text{}`` and friends is escaped before conversion (the
converter copies it verbatim), and only MathML elements and presentation attributes survive (no ``href``,
``style``, ``class``, event handlers or colours). Anything that is not well-formed MathML is shown as code.
Level-3 headings (an answer's sections) get the anchors ``sec-1``, ``sec-2``, … that the table of contents
links to.

Rendering every answer takes about half a second, so ``warm`` keeps the HTML in a file beside the index, keyed by
the Markdown's hash and the renderer's fingerprint (this module's source and the libraries' versions): a server
renders nothing on a request and only what changed at start-up.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import html
import importlib.metadata
import json
import logging
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path

import latex2mathml.converter
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

# latex2mathml leaves a sized norm bar (\Big\|) as literal text; a plain \| renders as the norm sign
SIZED_NORM = re.compile(r"\\[bB]igg?[lr]?\\\|")
CACHE_FILE = "rendered.json"
RENDERER_LIBRARIES = ("markdown-it-py", "mdit-py-plugins", "latex2mathml")
log = logging.getLogger(__name__)
_prerendered: dict[str, str] = {}  # Markdown source -> HTML of the sources ``warm`` was given last


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


def markdown_to_html(source: str) -> str:
    """Render Markdown with math to HTML; any HTML written in the source is escaped."""
    found = _prerendered.get(source)
    return found if found is not None else _render(source)


@functools.lru_cache(maxsize=512)
def _render(source: str) -> str:
    return _markdown().render(source)


@functools.lru_cache(maxsize=1)
def renderer_fingerprint() -> str:
    """Return a hash of what decides the HTML: this module's source and the versions of the libraries it uses."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for name in RENDERER_LIBRARIES:
        digest.update(f"{name}=={importlib.metadata.version(name)}".encode())
    return digest.hexdigest()[:16]


def source_key(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:24]


def warm(sources: Iterable[str], folder: Path | str) -> int:
    """Make ``markdown_to_html`` answer ``sources`` from memory: read their HTML from the cache file in ``folder``
    when it was made by this renderer, render the rest and save the file. Return how many were rendered."""
    path = Path(folder) / CACHE_FILE
    fingerprint = renderer_fingerprint()
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        cached = saved["html"] if saved.get("renderer") == fingerprint else {}
    except (OSError, ValueError, KeyError, TypeError):
        cached = {}
    keep, current, rendered = {}, {}, 0
    for source in dict.fromkeys(sources):
        key = source_key(source)
        if not isinstance(cached.get(key), str):
            cached[key] = _render(source)
            rendered += 1
        keep[key] = current[source] = cached[key]
    global _prerendered
    _prerendered = current  # only the latest knowledge base's: an edited answer's old text is not kept forever
    if rendered or len(keep) != len(cached):
        save_json(path, {"renderer": fingerprint, "html": keep})
    return rendered


def save_json(path: Path, data: dict) -> None:
    """Write ``data`` to ``path`` atomically; a folder that cannot be written only costs the cache."""
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):  # the folder may not exist, or be a file
            tmp.unlink()
        log.warning("could not save the rendered answers to %s (%s); they are rendered at each start", path, exc)


def sections(source: str) -> list[tuple[str, str]]:
    """Return (anchor, plain-text title) of each level-3 heading, in order: the table of contents."""
    tokens = _markdown().parse(source)
    found = []
    for opening, inline in zip(tokens, tokens[1:]):
        if opening.type == "heading_open" and opening.tag == "h3":
            title = "".join(child.content for child in inline.children or [] if child.content)
            found.append((f"sec-{len(found) + 1}", title.strip()))
    return found
