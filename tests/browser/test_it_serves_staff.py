"""Staff in a real browser at 1280×800: the episode's admin page fits, a saved web page is previewed, and a
range of lines gets its speaker."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot
from tests.conftest import SAVED_PAGE

OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture
def staff_page(browser, live_server, client, sample_episode) -> Page:
    """A 1280×800 browser signed in as staff, with the test client's session."""
    client.force_login(User.objects.create_superuser("editor", "editor@example.org", "pw"))
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=live_server.url)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_the_episode_admin_page_fits_1280_pixels(staff_page: Page, sample_episode):
    staff_page.goto(f"/admin/episodes/episode/{sample_episode.pk}/change/")
    expect(staff_page.locator(".field-duration .readonly")).to_have_text("28:19")
    screenshot(staff_page, "admin-episode-1280px")
    assert staff_page.evaluate(OVERFLOW) <= 0


def test_staff_give_a_speaker_to_a_range_of_lines(staff_page: Page, sample_episode):
    staff_page.goto("/admin/")
    staff_page.locator("#content-main a[href$='/episodes/episode/import/']").click()
    expect(staff_page.locator("input[type=file]")).to_be_visible()
    staff_page.goto(f"/admin/episodes/episode/{sample_episode.pk}/transcript/")
    assert staff_page.evaluate(OVERFLOW) <= 0
    staff_page.locator("#id_range-first").fill("00:31")
    staff_page.locator("#id_range-last").fill("00:39")
    staff_page.locator("#id_range-person").select_option(label="Dorothée Decrop")
    staff_page.locator("button[value=give_speaker]").click()
    expect(staff_page.locator(".messagelist .success")).to_contain_text("00:31–00:39")
    lines = sample_episode.segments.filter(start_ms__gte=28_000, start_ms__lt=43_000).order_by("position")
    speakers = [staff_page.locator(f"#line-{line.pk} input[name=speaker]").input_value() for line in lines]
    assert speakers == ["", *["Dorothée Decrop"] * 4, ""]
    staff_page.locator(f"#line-{lines[1].pk}").scroll_into_view_if_needed()
    screenshot(staff_page, "admin-speaker-range")


def test_staff_upload_a_saved_web_page_and_see_what_was_understood(staff_page: Page):
    staff_page.goto("/admin/episodes/episode/import/")
    staff_page.locator("input[type=file]").set_input_files(str(SAVED_PAGE))
    staff_page.locator("input[type=file]").locator("xpath=ancestor::form").locator("[type=submit]").first.click()
    preview = staff_page.locator("#content")
    expect(preview).to_contain_text("Page web (HTML)")
    expect(preview).to_contain_text("408 segments")
    expect(preview).to_contain_text("Delphine Sabattier")
    screenshot(staff_page, "admin-import-web-page-preview")
    assert staff_page.evaluate(OVERFLOW) <= 0


def test_a_double_click_on_merge_merges_one_pair_and_the_page_shows_why_not_two(staff_page: Page, sample_episode):
    lines = sample_episode.segments.count()
    fourth = sample_episode.segments.order_by("position")[3]
    staff_page.goto(f"/admin/episodes/episode/{sample_episode.pk}/transcript/")
    row = staff_page.locator(f"#line-{fourth.pk}")
    # Two clicks as fast as a hand makes them: the browser may send the form twice.
    row.locator("button[value=merge]").dblclick()
    staff_page.wait_for_load_state("load")
    expect(staff_page.locator(".messagelist")).to_be_visible()
    assert sample_episode.segments.count() == lines - 1
    # Whatever the browser sent, the message the page opens on is in view, not left off screen.
    assert staff_page.locator(".messagelist").is_visible()
    assert staff_page.eval_on_selector(".messagelist", "el => el.getBoundingClientRect().top < window.innerHeight")
