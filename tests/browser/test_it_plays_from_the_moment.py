"""The player follows the transcript and the transcript follows the player."""

import datetime
import re

import pytest
from playwright.sync_api import Page, expect

from episodes.services import import_transcript
from tests.browser.conftest import screenshot
from tests.conftest import index_now

CUES = "\n\n".join(
    f"{i + 1}\n00:00:{i * 5:02d},000 --> 00:00:{i * 5 + 5:02d},000\nLigne numéro {i + 1} de l'émission de test."
    for i in range(8)
)


@pytest.fixture
def episode(search_index, transactional_db, media_url):
    imported = import_transcript(
        data=CUES.encode(),
        filename="test.srt",
        show="Émission de test",
        title="Épisode avec son",
        air_date=datetime.date(2025, 1, 1),
        media_url=media_url,
    ).episode
    index_now()
    return imported


def player_time(page: Page) -> float:
    return page.evaluate("document.getElementById('player').currentTime")


def test_the_player_is_cued_at_the_shared_moment(page: Page, episode):
    page.goto(f"{episode.get_absolute_url()}?t=15")
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    page.wait_for_function("Math.abs(document.getElementById('player').currentTime - 15) < 0.5")
    expect(page.locator("#t-15")).to_have_attribute("aria-current", "time")


def test_clicking_a_timestamp_seeks_without_reloading_and_the_address_follows(page: Page, episode):
    page.goto(episode.get_absolute_url())
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    page.evaluate("window.__sameDocument = true")
    page.locator("#t-20 a.timestamp").click()
    expect(page).to_have_url(re.compile(r"\?t=20$"))
    expect(page.locator("#t-20")).to_have_attribute("aria-current", "time")
    page.wait_for_function("document.getElementById('player').currentTime >= 20")
    assert page.evaluate("window.__sameDocument") is True
    assert player_time(page) < 25


def test_while_playing_the_current_line_and_the_address_follow(page: Page, episode):
    page.goto(f"{episode.get_absolute_url()}?t=8")
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    page.evaluate("document.getElementById('player').play()")
    expect(page.locator("#t-10")).to_have_attribute("aria-current", "time", timeout=8_000)
    expect(page).to_have_url(re.compile(r"\?t=10$"))
    assert page.locator('[aria-current="time"]').count() == 1
    screenshot(page, "episode-playing")
    page.evaluate("document.getElementById('player').pause()")


def test_on_a_phone_the_player_is_in_the_bar_above_the_transcript(browser, live_server, episode):
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=live_server.url)
    page = context.new_page()
    page.goto(f"{episode.get_absolute_url()}?t=15")
    panel = page.locator(".episode-panel")
    assert panel.locator("audio#player").is_visible()
    assert page.locator(".no-recording").count() == 0
    marker = page.eval_on_selector("#t-15 a.timestamp", "el => getComputedStyle(el, '::before').content")
    assert "▶" in marker  # something plays: times read as play buttons
    assert panel.bounding_box()["height"] < 844 * 0.35
    screenshot(page, "episode-player-phone")
    context.close()
