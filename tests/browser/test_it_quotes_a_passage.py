"""Choosing a passage in the page (click a time, shift-click another), and citing it."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_it_reads_an_episode import SIZES, open_page

PASSAGE = [f"t-{s}" for s in (752, 756, 760, 763, 770, 777, 780, 785, 790)]
EPISODE = "SMART TECH, «\u00a0SMART TECH du 19 juin 2025\u00a0», 19 juin 2025"


@pytest.mark.parametrize("size", list(SIZES))
def test_shift_click_chooses_a_passage_that_the_link_and_the_citation_give(browser, live_server, sample_episode, size):
    page = open_page(browser, live_server, size)
    url = f"{live_server.url}{sample_episode.get_absolute_url()}"
    page.goto(f"{url}?t=700")
    page.locator("#t-752 a.timestamp").click()
    page.locator("#t-790 a.timestamp").click(modifiers=["Shift"])
    expect(page).to_have_url(f"{url}?t=752-790")
    expect(page.locator(".transcript .quoted")).to_have_count(len(PASSAGE))
    assert page.eval_on_selector_all(".transcript .quoted", "els => els.map(el => el.id)") == PASSAGE
    expect(page.locator(".selection-status")).to_have_text("Passage sélectionné\u00a0: 12:32–13:10")
    assert page.locator("#t-752 .quote-edge").inner_text() == "Début de la citation\u00a0:"

    page.locator(".cite summary").click()
    page.locator(".copy-citation").click()
    expect(page.locator(".copy-citation")).to_have_text("Citation copiée")
    citation = page.evaluate("navigator.clipboard.readText()")
    assert citation.startswith("«\u00a0qu'il y a des grands hyperscalers américains")
    assert citation.endswith(f"», {EPISODE}, 12:32–13:10. {url}?t=752-790")
    screenshot(page, f"episode-passage-cited-{size}")
    page.locator(".copy-link").click()
    assert page.evaluate("navigator.clipboard.readText()") == f"{url}?t=752-790"
    page.context.close()


def test_a_passage_by_keyboard_and_the_script_cites_it_as_the_server_does(browser, live_server, sample_episode):
    page = open_page(browser, live_server, "desktop")
    url = f"{live_server.url}{sample_episode.get_absolute_url()}"
    page.goto(f"{url}?t=12:34-13:10")
    expect(page.locator("#t-752")).to_have_attribute("aria-current", "time")
    page.locator(".cite summary").click()
    citation = page.locator("#citation")
    # The script fills the server's form with what it reads from the page: the same text.
    assert citation.input_value() == citation.evaluate("el => el.defaultValue")
    # axe on what this adds (the panel, open, and the lines quoted): the whole page takes seconds more.
    checked = {"include": [[".episode-panel"], [".transcript .quoted"]]}
    results = Axe().run(page, context=checked).response
    violations = [v["id"] for v in results["violations"] if v["impact"] in ("serious", "critical")]
    assert violations == []

    page.locator("#t-801 a.timestamp").focus()
    page.keyboard.press("Shift+Enter")
    expect(page).to_have_url(f"{url}?t=752-801")
    expect(page.locator(".transcript .quoted")).to_have_count(len(PASSAGE) + 3)
    assert len(page.context.pages) == 1  # Shift+Enter did not open a window
    assert citation.input_value().endswith(f"12:32–13:21. {url}?t=752-801")

    page.locator("#t-752 a.timestamp").press(
        "Enter"
    )  # a plain choice of a line, the current one too, drops the passage
    expect(page).to_have_url(re.compile(r"\?t=752#t-752$"))
    expect(page.locator(".transcript .quoted")).to_have_count(0)
    assert citation.input_value().endswith(f"12:32. {url}?t=752#t-752")
    page.context.close()


def test_the_script_keeps_each_speakers_words_apart_as_the_server_does(browser, live_server, sample_episode):
    sample_episode.segments.filter(start_ms__lt=770_000).update(speaker="Delphine Sabattier")
    sample_episode.segments.filter(start_ms__gte=770_000).update(speaker="Dorothée Decrop")
    page = open_page(browser, live_server, "desktop")
    url = f"{live_server.url}{sample_episode.get_absolute_url()}"
    page.goto(f"{url}?t=763-790")
    page.locator(".cite summary").click()
    citation = page.locator("#citation")
    served = citation.evaluate("el => el.defaultValue")
    assert (
        served.startswith("Delphine Sabattier\u00a0: «\u00a0Et effectivement")
        and "» Dorothée Decrop\u00a0: «" in served
    )
    # Another passage chosen in the page: the script writes it as the server wrote the first.
    page.locator("#t-760 a.timestamp").click()
    page.locator("#t-777 a.timestamp").click(modifiers=["Shift"])
    expect(page).to_have_url(f"{url}?t=760-777")
    scripted = citation.input_value()
    page.goto(f"{url}?t=760-777")
    assert scripted == page.locator("#citation").evaluate("el => el.defaultValue")
    assert scripted.count("Delphine Sabattier\u00a0: «") == 1 and scripted.count("Dorothée Decrop\u00a0: «") == 1
    page.context.close()


def test_the_passage_chosen_downloads_as_its_picture(page, sample_episode):
    page.goto(f"{sample_episode.get_absolute_url()}?t=700")
    page.locator("#t-752 a.timestamp").click()
    page.locator("#t-790 a.timestamp").click(modifiers=["Shift"])
    page.locator(".cite summary").click()
    picture = page.get_by_role("link", name="Télécharger la citation en image")
    expect(picture).to_have_attribute("href", f"/episodes/{sample_episode.slug}/quote.png?t=752-790")
    with page.expect_download() as download:
        picture.click()
    saved = Image.open(download.value.path())
    assert (saved.format, saved.size) == ("PNG", (1200, 630))
    assert download.value.suggested_filename == f"{sample_episode.slug}-1232-1310.png"
