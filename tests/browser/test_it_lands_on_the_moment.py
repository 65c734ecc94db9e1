"""A visitor in a real browser: search, click, land on the moment; open a shared link."""

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot

IN_VIEW = "el => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }"


def in_view(page: Page, selector: str) -> bool:
    return page.eval_on_selector(selector, IN_VIEW)


def test_search_click_a_result_and_land_on_the_highlighted_moment(page: Page, sample_episode):
    page.goto("/")
    page.get_by_label("Cherchez parmi tous les mots prononcés dans les archives").fill("NIS2")
    page.keyboard.press("Enter")
    expect(page.locator(".count")).to_contain_text("3 moments")
    screenshot(page, "search-results")
    page.locator("section.result a.timestamp", has_text="21:49").click()
    expect(page).to_have_url(re.compile(r"/episodes/smart-tech-du-19-juin-2025/\?t=1309&q=NIS2"))
    expect(page.locator("#t-1309 mark")).to_have_text("Nice 2")
    expect(page.locator(".transcript .line.match")).to_have_count(3)
    moment = page.locator("#t-1309")
    expect(moment).to_have_attribute("aria-current", "time")
    expect(moment).to_have_class(re.compile(r"\bcurrent\b"))
    page.wait_for_function(f"({IN_VIEW})(document.querySelector('#t-1309'))")
    background = moment.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    screenshot(page, "episode-moment")


def test_a_shared_t_link_opens_at_the_line(page: Page, sample_episode):
    page.goto(f"{sample_episode.get_absolute_url()}?t=21m49s")
    expect(page.locator("#t-1309")).to_have_attribute("aria-current", "time")
    page.wait_for_function(f"({IN_VIEW})(document.querySelector('#t-1309'))")
    assert page.locator('[aria-current="time"]').count() == 1


def test_a_fragment_link_opens_at_the_line_and_the_address_follows(page: Page, sample_episode):
    page.goto(f"{sample_episode.get_absolute_url()}#t-1626")
    expect(page.locator("#t-1626")).to_have_attribute("aria-current", "time")
    expect(page).to_have_url(re.compile(r"\?t=1626#t-1626$"))


def test_a_bad_t_is_ignored(page: Page, sample_episode):
    response = page.goto(f"{sample_episode.get_absolute_url()}?t=banane")
    assert response.status == 200
    assert page.locator('[aria-current="time"]').count() == 0


def test_without_javascript_the_moment_is_still_marked_and_reached(browser, live_server, sample_episode):
    context = browser.new_context(
        java_script_enabled=False, base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.goto(f"{sample_episode.get_absolute_url()}?t=1309#t-1309")
    assert page.locator("#t-1309").get_attribute("aria-current") == "time"
    assert in_view(page, "#t-1309")
    assert page.locator(".copy-link").first.is_hidden()
    context.close()


def test_next_and_previous_match_move_without_reloading(page: Page, sample_episode):
    page.goto(f"{sample_episode.get_absolute_url()}?q=NIS2")
    expect(page.locator("#t-1309")).to_have_attribute("aria-current", "time")  # the first match
    expect(page.locator(".match-prev")).to_be_hidden()
    page.evaluate("window.__sameDocument = true")
    page.locator(".match-next").click()
    expect(page.locator("#t-1310")).to_have_attribute("aria-current", "time")
    page.locator(".match-next").click()
    expect(page.locator("#t-1626")).to_have_attribute("aria-current", "time")
    expect(page.locator(".match-next")).to_be_hidden()
    # HTML wants an address wherever `rel` is: a hidden link has neither.
    assert page.locator("a[rel]:not([href])").count() == 0
    page.locator(".match-prev").click()
    expect(page.locator("#t-1310")).to_have_attribute("aria-current", "time")
    page.locator(".match-prev").click()
    expect(page.locator("#t-1309")).to_have_attribute("aria-current", "time")
    assert page.evaluate("window.__sameDocument") is True
    expect(page.locator("#t-1309 mark")).to_have_text("Nice 2")
    screenshot(page, "episode-search-matches")


def test_the_copy_control_copies_the_link_to_the_moment(page: Page, sample_episode, live_server):
    page.goto(sample_episode.get_absolute_url())
    page.locator("#t-1309 a.timestamp").click()
    page.locator(".episode-panel .copy-link").click()
    expect(page.locator(".copied")).to_contain_text("Lien copié")
    assert (
        page.evaluate("navigator.clipboard.readText()")
        == f"{live_server.url}{sample_episode.get_absolute_url()}?t=1309#t-1309"
    )
