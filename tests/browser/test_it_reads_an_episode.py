"""Reading an episode on a phone and a desktop: paragraphs, a panel that stays, landing at once."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import screenshot

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
# A line shows in full, in the window and below the panel when the panel is a bar above it.
READABLE = """el => {
  const line = el.getBoundingClientRect(), panel = document.querySelector('.episode-panel').getBoundingClientRect();
  const below = panel.right > line.left && panel.left < line.right ? panel.bottom : 0;
  return line.top >= below && line.bottom <= innerHeight;
}"""
IN_WINDOW = "el => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }"


@pytest.fixture(params=list(SIZES))
def size(request) -> str:
    return request.param


def open_page(browser: Browser, live_server, size: str, *, motion: str = "reduce", javascript: bool = True) -> Page:
    context = browser.new_context(
        viewport=SIZES[size], base_url=live_server.url, reduced_motion=motion, java_script_enabled=javascript
    )
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def readable(page: Page, selector: str) -> bool:
    return page.eval_on_selector(selector, READABLE)


def test_the_sample_reads_as_paragraphs_on_a_page_of_reasonable_height(browser, live_server, sample_episode, size):
    page = open_page(browser, live_server, size)
    page.goto(sample_episode.get_absolute_url())
    height = page.evaluate("document.documentElement.scrollHeight")
    screenshot(page, f"episode-paragraphs-{size}")
    print(f"{size}: the sample's page is {height} px tall")
    assert height < (25_000 if size == "phone" else 15_000)
    assert page.locator(".transcript .paragraph").count() > 30
    ids = page.evaluate("Array.from(document.querySelectorAll('[id]'), el => el.id)")
    assert len(ids) == len(set(ids))
    downloads = page.locator(".downloads")
    downloads.scroll_into_view_if_needed()
    expect(downloads.locator("a[download]")).to_have_count(4)
    expect(downloads).to_be_in_viewport()
    screenshot(page, f"episode-downloads-{size}")
    page.context.close()


def test_a_shared_moment_is_reached_at_once_without_scrolling_through(browser, live_server, sample_episode, size):
    page = open_page(browser, live_server, size, motion="no-preference")
    page.add_init_script("window.__scrolls = []; addEventListener('scroll', () => __scrolls.push(scrollY))")
    page.goto(f"{sample_episode.get_absolute_url()}?t=1309")
    expect(page.locator("#t-1309")).to_have_attribute("aria-current", "time")
    page.wait_for_timeout(800)  # a smooth scroll would still be under way
    final = page.evaluate("scrollY")
    passed = page.evaluate("__scrolls")
    assert final > 5_000
    assert [y for y in passed if abs(y - final) > 50] == []
    assert readable(page, "#t-1309")
    screenshot(page, f"episode-shared-moment-{size}")
    page.context.close()


def test_the_panel_stays_on_screen_while_reading(browser, live_server, sample_episode, size):
    page = open_page(browser, live_server, size)
    page.goto(sample_episode.get_absolute_url())
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight / 2)")
    # On a phone the episode's title is the page's heading: the bar keeps the controls.
    controls = (".now-time", "#find-q", ".copy-link", ".no-recording")
    for control in controls if size == "phone" else (".panel-title", *controls):
        assert page.eval_on_selector(control, IN_WINDOW), control
    panel = page.eval_on_selector(".episode-panel", "el => el.getBoundingClientRect().height")
    assert panel < (SIZES[size]["height"] * 0.2 if size == "phone" else SIZES[size]["height"])
    screenshot(page, f"episode-panel-{size}")
    page.context.close()


def test_next_match_keeps_the_controls_and_the_line_in_view(browser, live_server, sample_episode, size):
    page = open_page(browser, live_server, size)
    page.goto(f"{sample_episode.get_absolute_url()}?q=NIS2&t=1309")
    page.locator(".match-next").click()
    expect(page.locator("#t-1310")).to_have_attribute("aria-current", "time")
    page.locator(".match-next").click()
    expect(page.locator("#t-1626")).to_have_attribute("aria-current", "time")
    assert page.eval_on_selector(".match-prev", IN_WINDOW)
    assert readable(page, "#t-1626")
    expect(page.locator(".now-time")).to_have_text("27:06")
    screenshot(page, f"episode-next-match-{size}")
    page.context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no-script"])
def test_finding_in_the_episode_lands_on_the_first_match(browser, live_server, sample_episode, javascript):
    page = open_page(browser, live_server, "phone", javascript=javascript)
    page.goto(f"{sample_episode.get_absolute_url()}?t=60")
    page.locator("#find-q").fill("NIS2")
    page.locator("#find-q").press("Enter")
    page.wait_for_url("**t=1309**")
    assert page.locator("#t-1309").get_attribute("aria-current") == "time"
    assert readable(page, "#t-1309")
    page.context.close()


def test_link_copied_shows_in_the_panel_for_a_few_seconds(browser, live_server, sample_episode):
    page = open_page(browser, live_server, "phone")
    page.goto(f"{sample_episode.get_absolute_url()}?t=32#t-32")
    panel_height = page.eval_on_selector(".episode-panel", "el => el.getBoundingClientRect().height")
    button = page.locator(".copy-link")
    label = button.inner_text()
    button.click()
    expect(button).to_have_text(button.get_attribute("data-done"))
    expect(page.locator(".copied")).to_have_text("Lien copié")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == f"{live_server.url}{sample_episode.get_absolute_url()}?t=32#t-32"
    assert page.eval_on_selector(".episode-panel", "el => el.getBoundingClientRect().height") == panel_height
    screenshot(page, "episode-link-copied-phone")
    expect(button).to_have_text(label, timeout=6_000)
    expect(page.locator(".copied")).to_have_text("")
    page.context.close()


def test_the_second_line_of_a_second_is_shared_with_its_own_id(browser, live_server, sample_episode):
    page = open_page(browser, live_server, "desktop")
    page.goto(sample_episode.get_absolute_url())
    page.locator("#t-32-2 a.timestamp").click()
    expect(page.locator("#t-32-2")).to_have_attribute("aria-current", "time")
    page.locator(".copy-link").click()
    assert page.evaluate("navigator.clipboard.readText()").endswith("?t=32#t-32-2")
    page.goto(f"{sample_episode.get_absolute_url()}?t=32#t-32-2")
    expect(page.locator("#t-32-2")).to_have_attribute("aria-current", "time")
    page.context.close()


def test_without_a_recording_the_panel_says_so_and_times_are_not_play_buttons(
    browser, live_server, sample_episode, size
):
    sample_episode.source_url = "https://www.example.org/smart-tech"
    sample_episode.save()
    page = open_page(browser, live_server, size)
    page.goto(sample_episode.get_absolute_url())
    notice = page.locator(".episode-panel .no-recording")
    expect(notice).to_be_visible()
    expect(notice.locator("a")).to_have_attribute("href", "https://www.example.org/smart-tech")
    marker = page.eval_on_selector("#t-0 a.timestamp", "el => getComputedStyle(el, '::before').content")
    assert marker in ("none", "normal")
    screenshot(page, f"episode-no-recording-{size}")
    page.context.close()


def test_the_timeline_is_tappable_on_a_phone(browser, live_server, sample_episode):
    page = open_page(browser, live_server, "phone")
    page.goto(f"{sample_episode.get_absolute_url()}?q=NIS2&t=1309")
    ticks = page.locator("svg.timeline a")
    expect(ticks).to_have_count(3)
    for box in [ticks.nth(i).bounding_box() for i in range(3)]:
        assert box["width"] >= 24 and box["height"] >= 24
    expect(page.locator(".timeline-ends")).to_have_text("00:0028:19")
    ticks.nth(2).click()
    expect(page.locator("#t-1626")).to_have_attribute("aria-current", "time")
    page.context.close()


@pytest.mark.parametrize("media", [False, True], ids=["no-media", "audio"])
def test_on_a_phone_the_bar_keeps_under_a_fifth_of_the_screen_with_a_search(
    browser, live_server, sample_episode, media
):
    if media:
        type(sample_episode).objects.filter(pk=sample_episode.pk).update(media_url="https://media.example/a.mp3")
    page = open_page(browser, live_server, "phone")
    page.goto(f"{sample_episode.get_absolute_url()}?q=NIS2&t=1309")
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight / 2)")
    for control in (".now-time", "#find-q", ".count", ".timeline", ".match-next"):
        assert page.eval_on_selector(control, IN_WINDOW), control
    panel = page.eval_on_selector(".episode-panel", "el => el.getBoundingClientRect().height")
    assert panel < SIZES["phone"]["height"] * 0.2
    screenshot(page, f"episode-bar-phone-{'audio' if media else 'no-media'}")
    page.context.close()


def test_on_a_phone_a_tap_on_a_line_moves_there_and_time_targets_are_24_px(browser, live_server, sample_episode):
    page = open_page(browser, live_server, "phone")
    page.goto(sample_episode.get_absolute_url())
    page.locator("#t-1309 .text").click()
    expect(page.locator("#t-1309")).to_have_attribute("aria-current", "time")
    expect(page).to_have_url(re.compile(r"\?t=1309#t-1309$"))
    sizes = page.eval_on_selector_all(
        ".transcript .timestamp", "els => els.slice(0, 50).map(el => el.getBoundingClientRect())"
    )
    assert all(box["height"] >= 24 and box["width"] >= 24 for box in sizes)
    page.context.close()


def test_on_a_phone_a_passage_is_chosen_by_touch(browser, live_server, sample_episode):
    context = browser.new_context(
        viewport=SIZES["phone"], base_url=live_server.url, reduced_motion="reduce", has_touch=True, is_mobile=True
    )
    page = context.new_page()
    url = f"{live_server.url}{sample_episode.get_absolute_url()}"
    page.goto(f"{url}?t=752")
    page.locator("#t-752 a.timestamp").tap()
    page.locator(".cite summary").tap()
    page.locator(".passage-end").tap()
    expect(page.locator(".passage-end")).to_have_attribute("aria-pressed", "true")
    page.locator("#t-790 .text").tap()
    expect(page).to_have_url(f"{url}?t=752-790")
    expect(page.locator(".transcript .quoted")).to_have_count(9)
    expect(page.locator(".passage-end")).to_have_attribute("aria-pressed", "false")
    assert page.locator("#citation").input_value().endswith(f"12:32–13:10. {url}?t=752-790")
    context.close()
