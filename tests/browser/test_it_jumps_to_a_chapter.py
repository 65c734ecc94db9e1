"""The table of contents jumps to a chapter: with a script, without reloading; without one, by its link."""

from playwright.sync_api import expect

from tests.browser.conftest import screenshot


def test_a_chapter_is_one_click_away(page, sample_episode):
    page.goto(sample_episode.get_absolute_url())
    page.evaluate("window.loadedOnce = true")
    contents = page.get_by_role("navigation", name="Chapitres")
    expect(contents.get_by_role("link")).to_have_count(5)
    contents.get_by_role("link", name="20:52 Dorothée Decrop (Hexatrust)").click()
    line = page.locator("#t-1252")
    expect(line).to_have_attribute("aria-current", "time")
    expect(line.locator(".text")).to_have_text("Dorothée, on en est où ce projet de loi ?")
    assert page.evaluate("window.loadedOnce") is True  # no reload
    assert "t=1252" in page.url
    expect(page.locator("a.propose-correction")).to_have_attribute(
        "href", f"/episodes/{sample_episode.slug}/corrections/?t=1252"
    )
    screenshot(page, "episode-chapters")


def test_without_a_script_the_chapter_link_lands_there(browser, live_server, sample_episode):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto(sample_episode.get_absolute_url())
    page.get_by_role("link", name="14:28 Alain Staron (Artifeel)").click()
    expect(page.locator("#t-868")).to_have_attribute("aria-current", "time")
    context.close()
