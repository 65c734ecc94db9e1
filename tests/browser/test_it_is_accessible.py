"""Keyboard-only use, axe-core on the main pages, and small screens."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot

MAIN_PAGES = {
    "home": "/",
    "search": "/search/?q=quantique",
    "episode": "/episodes/smart-tech-du-19-juin-2025/?t=1309&q=NIS2",
    "person": "/people/dorothee-decrop/",
    "episodes": "/episodes/",
    "people": "/people/",
    "topic": "/topics/nis2/",
    "correction": "/episodes/smart-tech-du-19-juin-2025/corrections/?t=1309",
}


@pytest.mark.parametrize("name", ["home", "search", "episode", "person", "topic", "correction"])
def test_no_serious_or_critical_accessibility_violation(page: Page, sample_episode, name):
    page.goto(MAIN_PAGES[name])
    results = Axe().run(page)
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []


@pytest.mark.parametrize("name", list(MAIN_PAGES))
def test_every_main_page_fits_a_375_pixel_screen(browser, live_server, sample_episode, name):
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, base_url=live_server.url, reduced_motion="reduce"
    )
    page = context.new_page()
    page.goto(MAIN_PAGES[name])
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    screenshot(page, f"{name}-375px")
    context.close()
    assert overflow <= 0


@pytest.mark.parametrize("name", list(MAIN_PAGES))
def test_a_screenshot_of_each_main_page(page: Page, sample_episode, name):
    page.goto(MAIN_PAGES[name])
    assert screenshot(page, name).stat().st_size > 10_000


def focused(page: Page) -> str:
    return page.evaluate("document.activeElement.outerHTML.slice(0, 120)")


def test_keyboard_only_from_the_home_page_to_a_moment(page: Page, sample_episode):
    page.goto("/")
    page.keyboard.press("Tab")
    assert "skip-link" in focused(page)
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert 'id="home-q"' in focused(page)
    page.keyboard.type('"Charles de Gaulle"')
    page.keyboard.press("Enter")
    expect(page.locator(".count")).to_contain_text("1 moment")
    for _ in range(40):
        page.keyboard.press("Tab")
        if "timestamp" in focused(page):
            break
    assert ">08:51<" in focused(page)
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    expect(page.locator("#t-531")).to_have_attribute("aria-current", "time")


def test_keyboard_reaches_the_copy_control_of_the_moment(page: Page, sample_episode):
    page.goto("/episodes/smart-tech-du-19-juin-2025/?t=1309")
    page.locator("#find-q").focus()
    page.keyboard.press("Shift+Tab")
    assert "propose-correction" in focused(page) and "?t=1309" in focused(page)
    page.keyboard.press("Shift+Tab")
    assert "<summary>Citer</summary>" in focused(page)
    page.keyboard.press("Shift+Tab")
    assert "copy-link" in focused(page)
    page.keyboard.press("Enter")
    expect(page.locator(".copied")).to_contain_text("Lien copié")


@pytest.mark.parametrize("name", list(MAIN_PAGES))
def test_the_pages_satisfy_their_content_security_policy(page: Page, sample_episode, name):
    page.add_init_script(
        "window.__violations = [];"
        "document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective));"
    )
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.goto(MAIN_PAGES[name])
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__violations") == []
    assert not [text for text in console if "Content Security Policy" in text]
