"""The demo lab in a real browser: the knobs of a demo card, driven from the keyboard, on a live server."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from tests.conftest import served

pytestmark = [pytest.mark.slow, pytest.mark.browser]
CHROMIUM = "/usr/bin/chromium"
OUTPUT = Path(__file__).resolve().parent.parent / "test-output"
QUESTION = "Why do RNN gradients vanish over long sequences, and how can I fix it?"


@pytest.fixture(scope="module")
def live_url(real_engine, tmp_path_factory):
    with served(real_engine, tmp_path_factory.mktemp("lab-browser-db") / "gradlab.sqlite3") as (url, app):
        yield url
    app.extensions["gradlab.lab"].close()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: 'make test' installs Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


def open_page(browser, url: str, width: int, locale: str = "en-US"):
    context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url)
    return context, page, errors


def ask_for_lab(page):
    page.fill("#question", QUESTION)
    page.press("#question", "Enter")
    lab = page.locator(".demo-card .lab").last
    lab.wait_for(timeout=30000)
    return lab


def shown(page, lab, forget_bias: float) -> float:
    """Wait until the lab shows the run at ``forget_bias``; return its lag-50 ratio."""
    page.wait_for_function(
        "([el, fb]) => el.dataset.params && JSON.parse(el.dataset.params).forget_bias === fb"
        " && !el.hasAttribute('aria-busy')",
        arg=[lab.element_handle(), forget_bias],
        timeout=120000,
    )
    assert json.loads(lab.get_attribute("data-params"))["forget_bias"] == forget_bias
    return float(lab.locator('[data-metric="chosen_lag50"]').get_attribute("data-value"))


def test_moving_the_forget_bias_from_0_to_3_raises_the_lag_50_gradient(browser, live_url):
    context, page, errors = open_page(browser, live_url, 1100)
    lab = ask_for_lab(page)
    slider = page.get_by_label("LSTM forget-gate bias")  # the label is tied to the control
    assert slider.get_attribute("aria-describedby")
    assert lab.locator("[role=status][aria-live=polite]").count() == 1
    slider.focus()
    page.keyboard.press("Home")  # -2
    page.keyboard.press("ArrowRight")  # 0
    at_zero = shown(page, lab, 0.0)
    assert lab.locator(".lab-verdict").inner_text().endswith("not at these settings")
    page.keyboard.press("ArrowRight")  # 2
    page.keyboard.press("ArrowRight")  # 3
    at_three = shown(page, lab, 3.0)
    assert math.log10(at_three / at_zero) > 6
    assert lab.locator(".lab-verdict").inner_text().endswith("claim held at these settings")
    assert lab.locator("svg.lab-chart path.lab-chosen").count() == 1
    assert lab.locator("svg.lab-chart path.lab-previous").count() >= 1  # the forget-bias-0 curve, faint
    OUTPUT.mkdir(exist_ok=True)
    lab.screenshot(path=str(OUTPUT / "lab-en.png"))
    context.close()
    assert not errors, errors


def test_the_lab_fits_a_phone_and_speaks_chinese(browser, live_url):
    context, page, errors = open_page(browser, live_url, 375, locale="zh-CN")
    lab = ask_for_lab(page)
    assert page.get_by_label("LSTM 遗忘门偏置").count() == 1
    page.get_by_label("循环单元").select_option(label="gru")
    page.wait_for_function(
        "el => el.dataset.params && JSON.parse(el.dataset.params).cell === 'gru' && !el.hasAttribute('aria-busy')",
        arg=lab.element_handle(),
        timeout=120000,
    )
    assert "在此设置下结论" in lab.locator(".lab-verdict").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "lab-zh-phone.png"), full_page=True)
    context.close()
    assert not errors, errors
