"""The chat page in a real browser: Playwright driving Debian's Chromium against a live server on loopback.

Screenshots are written to test-output/ so a person can look at them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from gradlab import demos

from tests.conftest import served

pytestmark = [pytest.mark.slow, pytest.mark.browser]
CHROMIUM = "/usr/bin/chromium"
OUTPUT = Path(__file__).resolve().parent.parent / "test-output"
XSS_QUESTION = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
XSS_COMMENT = '<svg onload="window.__xss=3">'
PHONE = {"width": 375, "height": 740}


@pytest.fixture(scope="module")
def live_server(real_engine, tmp_path_factory):
    with served(real_engine, tmp_path_factory.mktemp("browser-db") / "gradlab.sqlite3") as url_and_app:
        yield url_and_app


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: 'make test' installs Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture()
def page(browser, live_server):
    url, _ = live_server
    context = browser.new_context(locale="en-US", viewport={"width": 1100, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("requestfailed", lambda req: errors.append(f"request failed: {req.url}"))
    page.goto(url)
    yield page
    context.close()
    assert not errors, errors


def ask(page, question: str):
    page.fill("#question", question)
    page.press("#question", "Enter")
    answer = page.locator(".msg-answer:not(.thinking)").last
    answer.wait_for(timeout=30000)
    return answer


def test_english_question_shows_the_answer_and_the_demo_plot(page):
    answer = ask(page, "Why do RNN gradients vanish over long sequences, and how can I fix it?")
    assert "gradient" in answer.locator(".answer-title").inner_text().lower()
    card = answer.locator(".demo-card")
    assert card.is_visible()
    assert "python -m gradlab.demos.gradient_vs_lag" in card.locator(".cmd").inner_text()
    plot = card.locator(".demo-plot")
    plot.wait_for()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=plot.element_handle())
    assert card.locator(".demo-metrics dt").count() >= 3
    assert card.locator("a.src").get_attribute("href") == "/api/demos/gradient_vs_lag/source"
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "chat-en.png"), full_page=True)


def test_chinese_question_gets_a_chinese_answer(page):
    answer = ask(page, "GRU 和 LSTM 的全称是什么, 和 RNN、CNN 什么关系?")
    title = answer.locator(".answer-title").inner_text()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in title)
    assert "Gated Recurrent Unit" in answer.locator(".answer-body").inner_text()
    assert answer.locator(".demo-card").is_visible()


def test_math_is_rendered_as_mathml(page):
    answer = ask(page, "how does an LSTM cell work, what are its gates")
    assert answer.locator(".answer-body math").count() >= 1


def test_related_chip_asks_that_question(page):
    answer = ask(page, "my loss becomes nan after a few iterations")
    before = page.locator(".msg-answer").count()
    chip = answer.locator(".related .chip").first
    chip_text = chip.inner_text()
    chip.click()
    page.locator(".msg-answer:not(.thinking)").nth(before).wait_for()
    assert page.locator(".msg-question .bubble").last.inner_text() == chip_text


def test_copy_button_puts_the_command_on_the_clipboard(page):
    answer = ask(page, "what does gradient clipping do when the loss becomes nan")
    command = answer.locator(".demo-card .cmd").inner_text()
    answer.locator(".demo-card .copy").click()
    assert page.evaluate("navigator.clipboard.readText()") == command


def test_feedback_is_stored_in_sqlite(page, live_server):
    _, app = live_server
    answer = ask(page, "what is a receptive field")
    answer.locator(".vote[data-vote='down']").click()
    answer.locator(".feedback-form input").fill(XSS_COMMENT)
    answer.locator(".feedback-form button").click()
    answer.locator(".feedback-status").filter(has_text="Thanks").wait_for()
    row = app.extensions["gradlab.storage"].feedback_rows()[-1]
    assert row["vote"] == "down" and row["comment"] == XSS_COMMENT
    assert row["question"] == "what is a receptive field" and row["entry_id"]


def test_off_topic_question_shows_the_no_answer_state(page):
    answer = ask(page, "how do I fix pip's bdist_wheel error")
    assert "msg-noanswer" in answer.get_attribute("class")
    assert answer.locator(".suggestions .chip").count() == 3


def test_script_and_html_payloads_stay_inert(page):
    ask(page, XSS_QUESTION)
    assert page.locator(".msg-question .bubble").last.inner_text() == XSS_QUESTION
    assert page.evaluate("window.__xss") is None
    assert page.locator(".conversation img[src='x'], .conversation script").count() == 0


def test_conversation_survives_a_reload(page):
    ask(page, "what is pooling in a CNN")
    page.reload()
    page.locator(".msg-question .bubble", has_text="what is pooling in a CNN").wait_for()
    assert page.locator(".msg-answer").count() >= 1


HISTORY = "gradlab.history.v1"
TAMPER = """([key, planted]) => {
    const history = JSON.parse(localStorage.getItem(key));
    const last = history[history.length - 1];
    last.answer.html = planted;
    last.answer.title = planted;
    if (last.answer.demo) {
        last.answer.demo.source_url = "javascript:window.__xss=8";
        last.answer.demo.plot_url = "x";
    }
    localStorage.setItem(key, JSON.stringify(history));
}"""


def test_stored_answers_are_data_and_are_rerendered_from_the_server(page):
    ask(page, FORMULA_HEAVY)
    stored = page.evaluate(f"JSON.parse(localStorage.getItem('{HISTORY}'))")
    assert stored[-1]["answer"]["id"] == "lstm" and "html" not in stored[-1]["answer"]
    # what a script that can write this origin's storage would plant
    page.evaluate(TAMPER, [HISTORY, '<img src=x onerror="window.__xss=7">'])
    page.reload()
    answer = page.locator(".msg-answer").last
    answer.locator(".answer-body math").first.wait_for()  # the body came from GET /api/entries/lstm
    assert page.evaluate("window.__xss") is None
    assert page.locator(".conversation img[src='x']").count() == 0
    assert answer.locator(".answer-title").inner_text() == '<img src=x onerror="window.__xss=7">'  # shown as text
    assert page.locator("a[href^='javascript:']").count() == 0


def test_shift_enter_makes_a_new_line_instead_of_sending(page):
    page.fill("#question", "first line")
    page.press("#question", "Shift+Enter")
    page.keyboard.type("second line")
    assert page.input_value("#question") == "first line\nsecond line"
    assert page.locator(".msg-question").count() == 0


def test_interface_language_can_be_switched(page):
    page.click("#lang-toggle")
    assert page.locator("#send").inner_text() == "提问"
    page.click("#lang-toggle")
    assert page.locator("#send").inner_text() == "Ask"


FORMULA_HEAVY = "how does an LSTM cell work, what are its gates"  # the lstm entry: wide display equations


@pytest.mark.parametrize("width", [320, 375, 390])
def test_phone_viewport_has_no_horizontal_scroll_even_with_display_math(browser, live_server, width):
    url, _ = live_server
    context = browser.new_context(viewport={"width": width, "height": 740}, locale="en-US", is_mobile=True)
    page = context.new_page()
    page.goto(url)
    answer = ask(page, FORMULA_HEAVY)
    assert answer.get_attribute("data-entry-id") == "lstm"
    boxes = answer.locator(".math.display, .math.block")
    assert boxes.count() >= 3
    layout = page.evaluate(
        """() => ({
            page: document.documentElement.scrollWidth,
            body: document.body.scrollWidth,
            viewport: window.innerWidth,
            boxes: [...document.querySelectorAll('.msg-answer .math.display, .msg-answer .math.block')].map((box) => ({
                right: box.getBoundingClientRect().right,
                client: box.clientWidth,
                scroll: box.scrollWidth,
                overflow: getComputedStyle(box).overflowX,
            })),
        })"""
    )
    assert layout["page"] <= layout["viewport"] and layout["body"] <= layout["viewport"], layout
    for box in layout["boxes"]:
        assert box["right"] <= layout["viewport"] and box["overflow"] == "auto", box
    # the widest equation is wider than a phone: it scrolls inside its own box instead of widening the page
    assert any(box["scroll"] > box["client"] for box in layout["boxes"]), layout
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"chat-phone-{width}.png"), full_page=True)
    context.close()


def test_phone_viewport_has_no_horizontal_scroll_in_chinese(browser, live_server):
    url, _ = live_server
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN", is_mobile=True)
    page = context.new_page()
    page.goto(url)
    ask(page, "如何理解RNN和CNN中的梯度消失和梯度爆炸,如何解决?")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "chat-phone-zh.png"), full_page=True)
    context.close()


def test_dark_mode_follows_the_system(browser, live_server):
    url, _ = live_server
    context = browser.new_context(color_scheme="dark", viewport={"width": 1000, "height": 900})
    page = context.new_page()
    page.goto(url)
    ask(page, "LSTM 的 forget gate 有什么用")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    red, green, blue = (int(v) for v in background[background.index("(") + 1 : -1].split(",")[:3])
    assert max(red, green, blue) < 60, background
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "chat-dark-zh.png"), full_page=False)
    context.close()


def test_new_answer_is_announced_and_focused(page):
    assert page.get_attribute("#conversation", "aria-live") == "polite"
    answer = ask(page, "what is a GRU")
    assert page.evaluate("document.activeElement.classList.contains('msg-answer')")
    assert answer.get_attribute("tabindex") == "-1"
    assert page.get_attribute("#question", "maxlength") == "500"
    assert page.locator("label[for='question']").count() == 1


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")


def plot_loaded(page, locator) -> bool:
    return page.evaluate("img => img.complete && img.naturalWidth > 0", locator.element_handle())


@pytest.mark.parametrize(("viewport", "suffix"), [({"width": 1100, "height": 900}, "desktop"), (PHONE, "phone")])
def test_entry_page_shows_the_chinese_answer_and_plot_without_javascript(browser, live_server, viewport, suffix):
    url, app = live_server
    entry = app.extensions["gradlab.engine"].kb.entries["lstm"]
    context = browser.new_context(java_script_enabled=False, viewport=viewport, locale="en-US")
    page = context.new_page()
    page.goto(f"{url}/e/lstm?lang=zh")
    assert page.locator("h1").inner_text() == entry.title.zh
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert "遗忘门" in page.locator(".answer-body").inner_text()
    assert page.locator(".answer-body math").count() >= 1
    plot = page.locator(".demo-plot")
    assert plot.get_attribute("src") == "/api/demos/lstm_gates/plot.png?lang=zh"  # the Chinese-labelled plot
    assert plot_loaded(page, plot)
    assert page.locator(".toc a").count() >= 3
    assert no_horizontal_scroll(page)
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"entry-zh-{suffix}.png"), full_page=True)
    context.close()


def test_table_of_contents_link_jumps_to_its_section(browser, live_server):
    url, _ = live_server
    context = browser.new_context(viewport={"width": 1100, "height": 600})
    page = context.new_page()
    page.goto(f"{url}/e/lstm?lang=en")
    link = page.locator(".toc a").nth(2)
    link.click()
    assert page.evaluate("location.hash") == link.get_attribute("href")
    assert page.locator(link.get_attribute("href")).is_visible()
    context.close()


def test_entry_page_prints_without_navigation(browser, live_server):
    url, _ = live_server
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{url}/e/lstm?lang=en")
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible() and not page.locator(".toc").is_visible()
    assert page.locator(".print-only").inner_text().endswith("/e/lstm?lang=en")
    assert page.locator(".demo-plot").is_visible()
    context.close()


def test_unknown_entry_page_is_a_404_in_the_same_look(browser, live_server):
    url, _ = live_server
    context = browser.new_context()
    page = context.new_page()
    response = page.goto(f"{url}/e/receptive-fields?lang=en")
    assert response.status == 404
    assert page.locator("header.top .site-nav").is_visible()
    assert page.locator("a[href='/e/receptive-field?lang=en']").count() == 1
    context.close()


@pytest.mark.parametrize(("viewport", "suffix"), [({"width": 1100, "height": 900}, "desktop"), (PHONE, "phone")])
def test_topic_map_lists_every_entry_exactly_once(browser, live_server, viewport, suffix):
    url, app = live_server
    kb = app.extensions["gradlab.engine"].kb
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(f"{url}/topics?lang=en")
    hrefs = page.eval_on_selector_all(".topic-entries a", "links => links.map(a => a.getAttribute('href'))")
    assert sorted(hrefs) == sorted(f"/e/{entry_id}?lang=en" for entry_id in kb.entries)
    assert page.locator(".topic h2").count() == len(kb.topics)
    assert no_horizontal_scroll(page)
    page.screenshot(path=str(OUTPUT / f"topics-en-{suffix}.png"), full_page=False)
    context.close()


@pytest.mark.parametrize(("viewport", "suffix"), [({"width": 1100, "height": 900}, "desktop"), (PHONE, "phone")])
def test_demo_gallery_shows_every_demo_with_built_plots(browser, live_server, viewport, suffix):
    url, _ = live_server
    context = browser.new_context(viewport=viewport, color_scheme="dark")
    page = context.new_page()
    page.goto(f"{url}/demos?lang=zh")
    assert page.locator(".demo-card").count() == len(demos.DEMOS)
    plot = page.locator("img[src='/api/demos/gradient_vs_lag/plot.png?lang=zh']")  # the Chinese-labelled plot
    plot.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=plot.element_handle())
    assert no_horizontal_scroll(page)
    page.screenshot(path=str(OUTPUT / f"demos-zh-dark-{suffix}.png"), full_page=False)
    context.close()


def test_question_in_the_address_is_answered_on_load(browser, live_server):
    url, _ = live_server
    context = browser.new_context(locale="en-US")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
    page = context.new_page()
    page.goto(f"{url}/?q=what%20is%20a%20receptive%20field")
    answer = page.locator(".msg-answer:not(.thinking)").last
    answer.wait_for(timeout=30000)
    assert page.locator(".msg-question .bubble").last.inner_text() == "what is a receptive field"
    assert "receptive" in answer.locator(".answer-title").inner_text().lower()
    assert page.evaluate("location.search") == ""
    assert answer.locator(".page-link").get_attribute("href") == "/e/receptive-field?lang=en"
    answer.locator(".copy-link").click()
    assert page.evaluate("navigator.clipboard.readText()") == f"{url}/e/receptive-field?lang=en"
    context.close()


def test_empty_conversation_offers_starter_questions(page, live_server):
    _, app = live_server
    starters = page.locator(".starters:not([hidden]) .chip")
    assert starters.count() == len(app.extensions["gradlab.engine"].kb.topics)
    question = starters.first.inner_text()
    starters.first.click()
    page.locator(".msg-answer:not(.thinking)").last.wait_for(timeout=30000)
    assert page.locator(".msg-question .bubble").last.inner_text() == question
    assert page.locator(".msg-answer .answer-title").count() == 1


def test_long_answer_in_the_chat_has_a_table_of_contents(page):
    answer = ask(page, "how does an LSTM cell work, what are its gates")
    toc = answer.locator(".toc")
    assert toc.is_visible() and toc.locator("a").count() >= 3
    target = toc.locator("a").first.get_attribute("href")
    assert answer.locator(f".answer-body h3{target}").count() == 1


def test_typing_suggests_entries_and_the_keyboard_picks_one(page, live_server):
    _, app = live_server
    title = app.extensions["gradlab.engine"].kb.entries["receptive-field"].title
    page.locator("#question").press_sequentially("感受")
    first = page.locator("#suggestions [role=option]").first
    first.wait_for()
    assert title.en in first.inner_text() and title.zh in first.inner_text()
    assert page.get_attribute("#question", "aria-expanded") == "true"
    assert page.locator("#suggestions [role=option]").count() <= 5
    page.press("#question", "ArrowDown")
    assert first.get_attribute("aria-selected") == "true"
    assert page.get_attribute("#question", "aria-activedescendant") == first.get_attribute("id")
    page.press("#question", "Enter")
    answer = page.locator(".msg-answer:not(.thinking)").last
    answer.wait_for(timeout=30000)
    assert answer.locator(".answer-title").inner_text() == title.en
    assert page.get_attribute("#question", "aria-expanded") == "false"


def test_escape_closes_the_suggestions(page):
    page.locator("#question").press_sequentially("lstm")
    page.locator("#suggestions [role=option]").first.wait_for()
    page.press("#question", "Escape")
    assert page.locator("#suggestions").is_hidden()
    assert page.get_attribute("#question", "aria-expanded") == "false"
    assert page.input_value("#question") == "lstm"


def test_greeting_gets_a_friendly_reply_with_starter_questions(page, live_server):
    _, app = live_server
    answer = ask(page, "你好")
    assert "msg-smalltalk" in answer.get_attribute("class")
    assert "你好" in answer.locator(".reply").inner_text()
    chips = answer.locator(".starters-reply .chip")
    assert chips.count() == len(app.extensions["gradlab.engine"].kb.topics)
    assert chips.first.inner_text() == app.extensions["gradlab.engine"].kb.topics[0].starter.zh
    assert answer.locator(".topics-link").get_attribute("href") == "/topics?lang=zh"


def test_chat_header_links_to_the_pages_in_the_interface_language(page):
    assert page.get_attribute("#nav-topics", "href") == "/topics?lang=en"
    page.click("#lang-toggle")
    assert page.get_attribute("#nav-demos", "href") == "/demos?lang=zh"
    assert page.locator(".starters[data-lang='zh']").is_visible()
    page.click("#lang-toggle")
