"""Results in a real browser, on a desktop and a phone: every moment of a group reached (without
JavaScript), who speaks leading to their page, and a name search pointing to the person first."""

import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from episodes.models import Person
from tests.browser.conftest import screenshot
from tests.conftest import index_now
from tests.factories import make_episode

SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=list(SIZES))
def size(request) -> str:
    return request.param


def open_page(browser: Browser, live_server, size: str, *, javascript: bool = True) -> Page:
    context = browser.new_context(
        viewport=SIZES[size], base_url=live_server.url, reduced_motion="reduce", java_script_enabled=javascript
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def fits_and_is_clean(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    violations = Axe().run(page).response["violations"]
    assert [v["id"] for v in violations if v["impact"] in ("serious", "critical")] == []


def test_every_moment_of_a_group_is_reached_without_javascript(browser, live_server, sample_episode, size):
    page = open_page(browser, live_server, size, javascript=False)
    page.goto("/search/?q=quantique")
    page.get_by_role("link", name="19 autres moments dans cet épisode").click()
    reached = page.locator("section.result a.timestamp").all_inner_texts()
    screenshot(page, f"results-episode-moments-{size}")
    restricted = page.url
    page.locator('.pagination a[rel="next"]').click()
    reached += page.locator("section.result a.timestamp").all_inner_texts()
    assert len(set(reached)) == len(reached) == 22
    page.locator(".every-episode a").click()
    expect(page.locator(".more a")).to_have_text("19 autres moments dans cet épisode")
    page.context.close()
    # axe and the overflow check run scripts in the page: a page with JavaScript on.
    checked = open_page(browser, live_server, size)
    checked.goto(restricted)
    fits_and_is_clean(checked)
    checked.context.close()


def test_who_speaks_is_shown_and_leads_to_their_page(browser, live_server, sample_episode, size):
    Person.objects.filter(name="Dorothée Decrop").update(other_spellings="Dorothée Décrope")
    make_episode(
        ("Dorothée Décrope", "Le quantique inquiète les RSSI."),
        show="Podcast Cyber",
        title="Voix",
        air_date=datetime.date(2026, 1, 5),
    )
    index_now()
    page = open_page(browser, live_server, size)
    page.goto("/search/?q=quantique&speaker=dorothee-decrop")
    expect(page.locator(".count")).to_contain_text("1 moment")
    expect(page.locator(".said-by")).to_contain_text("Dorothée Décrope")
    screenshot(page, f"results-said-by-{size}")
    fits_and_is_clean(page)
    page.locator(".said-by a").click()
    expect(page.locator("h1")).to_have_text("Dorothée Decrop")
    expect(page.locator(".moments.said .line")).to_have_text("Le quantique inquiète les RSSI.")
    screenshot(page, f"person-said-{size}")
    page.context.close()


def test_a_name_search_shows_the_person_first(browser, live_server, sample_episode, size):
    page = open_page(browser, live_server, size)
    page.goto("/search/?q=Delphine+Sabattier")
    person = page.locator(".named a", has_text="Delphine Sabattier")
    expect(person).to_be_visible()
    assert person.bounding_box()["y"] < page.locator(".nothing-found").bounding_box()["y"]
    screenshot(page, f"results-named-person-{size}")
    fits_and_is_clean(page)
    person.click()
    expect(page.locator("h1")).to_have_text("Delphine Sabattier")
    page.context.close()


LABEL_BESIDE_FIELD = """form => [...form.querySelectorAll('.field')].map(field => {
  const label = field.querySelector('label').getBoundingClientRect();
  const input = field.querySelector('select, input').getBoundingClientRect();
  return Math.abs((label.top + label.bottom) / 2 - (input.top + input.bottom) / 2) < input.height;
})"""


def test_on_a_phone_each_filter_keeps_its_label_beside_it(browser, live_server, sample_episode):
    page = open_page(browser, live_server, "phone")
    page.goto("/search/?q=quantique&show=smart-tech")
    beside = page.eval_on_selector("details.filters", LABEL_BESIDE_FIELD)
    assert len(beside) == 6 and all(beside)
    page.goto("/episodes/")
    beside = page.eval_on_selector("form.filters-inline", LABEL_BESIDE_FIELD)
    assert len(beside) == 3 and all(beside)
    screenshot(page, "episode-filters-phone")
    page.context.close()


def test_a_month_of_a_topic_shows_its_value_on_focus_and_leads_to_its_moments(browser, live_server, sample_episode):
    from search.models import GlossaryEntry

    GlossaryEntry.objects.get_or_create(term="NIS2", defaults={"variants": "Nice 2"})
    page = open_page(browser, live_server, "desktop")
    page.goto("/topics/nis2/")
    month = page.locator("svg.mentions-bars a").first
    value = month.locator("text.bar-value")
    expect(value).to_be_hidden()
    month.focus()
    expect(value).to_be_visible()
    expect(value).to_have_text("juin 2025\u00a0: 3 moments")
    month.click()
    # The topic's own query (its term, as a phrase), within that month.
    expect(page).to_have_url(f"{live_server.url}/search/?q=%22NIS2%22&from=2025-06-01&to=2025-06-30")
    assert page.locator("#id_from").input_value() == "2025-06-01"
    expect(page.locator("ol.moments li, .episode-group").first).to_be_visible()
    page.context.close()
