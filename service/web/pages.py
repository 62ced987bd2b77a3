"""The page blueprint: the chat page, and the pages that work without JavaScript (an entry at /e/<id>, the topic
map at /topics, the demo gallery at /demos), rendered on the server in the language of ``?lang=`` or, without
it, of the browser's Accept-Language.
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from gradlab import browse
from gradlab.answer import starters
from gradlab.web.api import add_demo_links
from gradlab.web.strings import UI

bp = Blueprint("pages", __name__)
LANGS = ("en", "zh")
HTML_LANG = {"en": "en", "zh": "zh-CN"}


def engine():
    return current_app.extensions["gradlab.engine"]


def page_lang() -> str | None:
    """Return the page language: ``?lang=`` when given (None when invalid), else the browser's preference."""
    if "lang" in request.args:
        lang = request.args["lang"]
        return lang if lang in LANGS else None
    return request.accept_languages.best_match(LANGS) or "en"


def render(template: str, lang: str, status: int = 200, **context):
    """Render a page with the shared context: strings, languages, and the canonical and alternate URLs."""
    endpoint_args = dict(request.view_args or {})
    urls = {code: url_for(request.endpoint, **endpoint_args, lang=code, _external=True) for code in LANGS}
    other = "zh" if lang == "en" else "en"
    body = render_template(
        template,
        lang=lang,
        other=other,
        html_lang=HTML_LANG[lang],
        t=UI[lang],
        canonical=urls[lang] if status == 200 else None,  # an error page is no page to link to
        alternates=urls if status == 200 else {},
        other_url=url_for(request.endpoint, **endpoint_args, lang=other),
        **context,
    )
    response = current_app.make_response((body, status))
    if "lang" not in request.args:
        response.vary.add("Accept-Language")
    return response


def bad_lang():
    return render("message.html", "en", 400, title=UI["en"]["bad_lang_title"], text=UI["en"]["bad_lang_text"])


@bp.get("/")
def index():
    return render_template("index.html", starters={lang: starters(engine(), lang) for lang in LANGS})


@bp.get("/e/<entry_id>")
def entry(entry_id: str):
    lang, eng = page_lang(), engine()
    if lang is None:
        return bad_lang()
    if entry_id in eng.kb.aliases:
        return redirect(url_for("pages.entry", entry_id=eng.kb.aliases[entry_id], **request.args), code=301)
    if entry_id not in eng.kb.entries:
        t = UI[lang]
        return render(
            "message.html",
            lang,
            404,
            title=t["not_found_title"],
            text=t["not_found_text"].format(id=entry_id),
            close=browse.close_entries(eng, entry_id, lang),
        )
    page = browse.entry_page(eng, entry_id, lang)
    if page["demo"]:
        add_demo_links(page["demo"], lang)
    return render("entry.html", lang, page=page)


@bp.get("/topics")
def topics():
    lang = page_lang()
    if lang is None:
        return bad_lang()
    return render("topics.html", lang, topics=browse.topic_map(engine(), lang))


@bp.get("/demos")
def demo_gallery():
    lang = page_lang()
    if lang is None:
        return bad_lang()
    return render("demos.html", lang, demos=[add_demo_links(d, lang) for d in browse.demo_gallery(engine(), lang)])
