"""The server-rendered pages: an entry at /e/<id>, the topic map, the demo gallery and the chat page's links.

They are complete without JavaScript: each test reads the HTML the server sends.
"""

import dataclasses
import re
from html import unescape

import pytest
from gradlab import create_app, demos

INLINE_CODE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\sstyle=|\son[a-z]+=", re.I)


def page(client, path, status=200, **headers):
    response = client.get(path, headers=headers)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert not INLINE_CODE.search(html), INLINE_CODE.search(html).group(0)
    assert "Content-Security-Policy" in response.headers
    return html


def meta(html, name):
    match = re.search(rf'<meta name="{name}" content="([^"]*)"', html)
    return unescape(match.group(1)) if match else None


def test_entry_page_in_chinese_is_complete_without_javascript(client, fake_engine):
    entry = fake_engine.kb.entries["lstm"]
    html = page(client, "/e/lstm?lang=zh")
    assert '<html lang="zh-CN">' in html
    assert f"<title>{entry.title.zh} · gradlab</title>" in html
    assert meta(html, "description") == entry.one_line("zh")
    assert '<link rel="canonical" href="http://localhost/e/lstm?lang=zh">' in html
    assert '<link rel="alternate" hreflang="en" href="http://localhost/e/lstm?lang=en">' in html
    assert f"<h1>{entry.title.zh}</h1>" in html
    assert "遗忘门" in html and "<math" in html
    assert "python -m gradlab.demos.lstm_gates" in html
    for related_id in entry.related:
        assert f'href="/e/{related_id}?lang=zh"' in html
    assert "<script" not in html


def test_long_answer_page_has_a_table_of_contents_of_its_sections(client, fake_engine):
    from gradlab.knowledge.render import sections

    html = page(client, "/e/lstm?lang=en")
    toc = re.search(r'<nav class="toc".*?</nav>', html, flags=re.S).group(0)
    for anchor, title in sections(fake_engine.kb.entries["lstm"].body.en):
        assert f'href="#{anchor}"' in toc and title in unescape(toc)
        assert f'<h3 id="{anchor}">' in html


def test_short_answer_page_has_no_table_of_contents(client, fake_engine):
    from gradlab.knowledge.render import sections

    short = next(e for e in fake_engine.kb.entries.values() if len(sections(e.body.en)) < 3)
    assert 'class="toc"' not in page(client, f"/e/{short.id}?lang=en")


@pytest.mark.parametrize(("accept", "html_lang"), [("zh-CN,zh;q=0.9", "zh-CN"), ("en-GB", "en"), ("fr", "en")])
def test_entry_page_language_defaults_to_the_browsers(client, accept, html_lang):
    response = client.get("/e/gru", headers={"Accept-Language": accept})
    assert f'<html lang="{html_lang}">' in response.get_data(as_text=True)
    assert "Accept-Language" in response.headers["Vary"]


def test_unknown_entry_gets_a_404_page_in_the_same_look(client):
    html = page(client, "/e/no-such-entry?lang=en", status=404)
    assert "/static/style.css" in html and 'href="/topics?lang=en"' in html
    assert "no-such-entry" in html


def test_unknown_entry_page_suggests_close_entries(client):
    assert 'href="/e/receptive-field?lang=en"' in page(client, "/e/receptive-fields?lang=en", status=404)


def test_bad_page_language_gets_a_400_page(client):
    assert "en" in page(client, "/e/lstm?lang=fr", status=400)


def test_alias_redirects_permanently_to_the_current_id(fake_engine, tmp_path):
    kb = dataclasses.replace(fake_engine.kb, aliases={"long-short-term-memory": "lstm"})
    app = create_app(
        {"DATA_DIR": fake_engine.settings["DATA_DIR"], "DATABASE": str(tmp_path / "db.sqlite3")},
        engine=dataclasses.replace(fake_engine, kb=kb),
    )
    response = app.test_client().get("/e/long-short-term-memory?lang=zh")
    assert response.status_code == 301
    assert response.headers["Location"] == "/e/lstm?lang=zh"


def test_topic_map_lists_every_entry_exactly_once_with_a_summary(client, fake_engine):
    html = page(client, "/topics?lang=zh")
    assert '<html lang="zh-CN">' in html
    links = re.findall(r'<a href="/e/([a-z0-9-]+)\?lang=zh">', html)
    assert sorted(links) == sorted(fake_engine.kb.entries)
    for topic in fake_engine.kb.topics:
        assert topic.title.zh in html
    for entry in fake_engine.kb.entries.values():
        assert entry.title.zh in unescape(html) and entry.one_line("zh") in unescape(html)


def test_demo_gallery_shows_every_demo_with_claim_and_command(client):
    html = unescape(page(client, "/demos?lang=en"))
    for name in demos.DEMOS:
        module = demos.load(name)
        assert module.CLAIM["en"] in html and f"python -m gradlab.demos.{name}" in html


@pytest.mark.slow
def test_demo_gallery_shows_built_plots(real_client):
    html = page(real_client, "/demos?lang=en")
    assert 'src="/api/demos/gradient_vs_lag/plot.png"' in html


def test_chat_page_links_the_browsing_pages_and_offers_starters(client, fake_engine):
    html = unescape(page(client, "/"))
    assert 'href="/topics' in html and 'href="/demos' in html
    for topic in fake_engine.kb.topics:
        assert topic.starter.en in html and topic.starter.zh in html
    assert re.search(r'<a class="chip starter" href="/\?q=[^"]+"', html)


def test_chat_input_is_an_aria_combobox_for_suggestions(client):
    html = page(client, "/")
    textarea = re.search(r"<textarea[^>]*>", html).group(0)
    for attribute in (
        'role="combobox"',
        'aria-autocomplete="list"',
        'aria-controls="suggestions"',
        'aria-expanded="false"',
    ):
        assert attribute in textarea
    assert re.search(r'<ul id="suggestions" role="listbox"', html)
    assert 'data-suggest-url="/api/suggest"' in html and 'data-entry-page-url="/e/ENTRY_ID"' in html


def test_page_json_errors_stay_json_for_the_api(client):
    assert client.get("/api/entries/nope").is_json
