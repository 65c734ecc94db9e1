"""A listener clicks a line, proposes its correction, and is thanked; staff then see it to review."""

from playwright.sync_api import expect

from episodes.models import Correction
from tests.browser.conftest import screenshot


def test_a_listener_corrects_the_line_they_clicked(page, sample_episode):
    page.goto(sample_episode.get_absolute_url())
    page.locator("#t-1309 .timestamp").click()
    link = page.locator("a.propose-correction")
    expect(link).to_have_attribute("href", f"/episodes/{sample_episode.slug}/corrections/?t=1309")
    link.click()

    expect(page.locator(".corrected .text")).to_have_text("Vous pensez à Nice 2, par exemple ?")
    field = page.get_by_label("La ligne telle qu’elle devrait se lire")
    expect(field).to_have_value("Vous pensez à Nice 2, par exemple ?")
    trap = page.get_by_label("Laissez ce champ vide").bounding_box()
    assert trap["x"] + trap["width"] <= 0  # off screen: only robots fill it in
    field.fill("Vous pensez à NIS2, par exemple ?")
    screenshot(page, "correction-form")
    page.get_by_role("button", name="Envoyer la correction").click()

    expect(page.get_by_role("status")).to_contain_text("Merci")
    assert Correction.objects.get().text == "Vous pensez à NIS2, par exemple ?"
    page.get_by_role("link", name="Revenir au moment 21:49").click()
    expect(page.locator("#t-1309")).to_have_attribute("aria-current", "time")
    # Until staff accept it, the page reads as before.
    expect(page.locator("#t-1309 .text")).to_have_text("Vous pensez à Nice 2, par exemple ?")
