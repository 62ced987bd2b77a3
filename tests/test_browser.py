"""The chat page in a real browser: Playwright driving Debian's Chromium against a live server on loopback.

Screenshots are written to test-output/ so a person can look at them.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from gradlab import create_app
from werkzeug.serving import make_server

pytestmark = [pytest.mark.slow, pytest.mark.browser]
CHROMIUM = "/usr/bin/chromium"
OUTPUT = Path(__file__).resolve().parent.parent / "test-output"
XSS_QUESTION = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
XSS_COMMENT = '<svg onload="window.__xss=3">'


@pytest.fixture(scope="module")
def live_server(real_engine, tmp_path_factory):
    database = tmp_path_factory.mktemp("browser-db") / "gradlab.sqlite3"
    app = create_app({"DATA_DIR": str(real_engine.data_dir), "DATABASE": str(database)}, engine=real_engine)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", app
    server.shutdown()


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
