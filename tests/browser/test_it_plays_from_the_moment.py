"""The player follows the transcript and the transcript follows the player."""

import datetime
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot
from tests.conftest import index_now
from tests.factories import make_episode

CUES = "\n\n".join(
    f"{i + 1}\n00:00:{i * 5:02d},000 --> 00:00:{i * 5 + 5:02d},000\nLigne numéro {i + 1} de l'émission de test."
    for i in range(8)
)


def with_sound(cues: str, filename: str, title: str, media_url: str):
    """An episode of the test show with these cues and the tone served at `media_url`, searchable."""
    imported = make_episode(
        data=cues.encode(),
        filename=filename,
        show="Émission de test",
        title=title,
        air_date=datetime.date(2025, 1, 1),
        media_url=media_url,
    )
    index_now()
    return imported


@pytest.fixture
def episode(search_index, transactional_db, media_url):
    return with_sound(CUES, "test.srt", "Épisode avec son", media_url)


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
    expect(page).to_have_url(re.compile(r"\?t=20#t-20$"))
    expect(page.locator("#t-20")).to_have_attribute("aria-current", "time")
    page.wait_for_function("document.getElementById('player').currentTime >= 20")
    assert page.evaluate("window.__sameDocument") is True
    assert player_time(page) < 25


def test_while_playing_the_current_line_and_the_address_follow(page: Page, episode):
    page.goto(f"{episode.get_absolute_url()}?t=8")
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    page.evaluate("document.getElementById('player').play()")
    expect(page.locator("#t-10")).to_have_attribute("aria-current", "time", timeout=8_000)
    expect(page).to_have_url(re.compile(r"\?t=10#t-10$"))
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


# Lines that start between whole seconds (x.929 s), each said by the other speaker.
SPEAKERS = ("Alice Martin", "Bruno Petit")
FRACTIONAL_CUES = "WEBVTT\n\n" + "\n\n".join(
    f"00:00:{i * 5:02d}.929 --> 00:00:{i * 5 + 4:02d}.500\n<v {SPEAKERS[i % 2]}>Réplique {i + 1} de {SPEAKERS[i % 2]}."
    for i in range(7)
)


@pytest.fixture
def fractional_episode(search_index, transactional_db, media_url):
    return with_sound(FRACTIONAL_CUES, "debat.vtt", "Débat", media_url)


def test_a_shared_moment_lands_on_its_own_line_when_lines_start_between_seconds(page: Page, fractional_episode):
    page.goto(f"{fractional_episode.get_absolute_url()}?t=15")
    # Without script too, the player is cued at the line's own start.
    assert page.locator("#player").get_attribute("src").endswith("/episode.wav#t=15.929")
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    # The player is at the line's own start (15.929 s), not at its second, where the line before still runs.
    page.wait_for_function("document.getElementById('player').currentTime >= 15.9")
    page.evaluate("document.getElementById('player').dispatchEvent(new Event('timeupdate'))")
    expect(page.locator("#t-15")).to_have_attribute("aria-current", "time")
    assert page.locator('[aria-current="time"]').count() == 1
    expect(page).to_have_url(re.compile(r"\?t=15$"))
    citation = page.locator("#citation").input_value()
    assert "Réplique 4 de Bruno Petit" in citation
    assert "Alice Martin" not in citation


def test_a_tapped_time_stays_marked_and_cited_when_the_player_lands_a_hair_early(page: Page, fractional_episode):
    page.goto(fractional_episode.get_absolute_url())
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    # A player that seeks to the frame before the time asked (as compressed media may), and stays paused.
    page.evaluate(EARLY_PLAYER)
    page.locator("#t-20 a.timestamp").click()
    page.wait_for_function("Math.abs(document.getElementById('player').currentTime - 20.829) < 0.01")
    page.evaluate("document.getElementById('player').dispatchEvent(new Event('timeupdate'))")
    expect(page.locator("#t-20")).to_have_attribute("aria-current", "time")
    expect(page).to_have_url(re.compile(r"\?t=20#t-20$"))
    assert "Réplique 5 de Alice Martin" in page.locator("#citation").input_value()
    # Playback then moves on through the lines as said.
    page.evaluate("delete document.getElementById('player').currentTime")
    page.evaluate("document.getElementById('player').currentTime = 26.2")
    expect(page.locator("#t-25")).to_have_attribute("aria-current", "time")
    expect(page).to_have_url(re.compile(r"\?t=25#t-25$"))
    assert "Réplique 6 de Bruno Petit" in page.locator("#citation").input_value()


EARLY_PLAYER = """() => {
  const player = document.getElementById('player');
  const time = Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, 'currentTime');
  Object.defineProperty(player, 'currentTime', {
    configurable: true,
    get() { return time.get.call(this); },
    set(seconds) { time.set.call(this, Math.max(seconds - 0.1, 0)); },
  });
  player.play = () => Promise.resolve();
}"""
