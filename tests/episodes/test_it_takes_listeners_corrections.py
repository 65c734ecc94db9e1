"""Listeners propose corrections without an account; staff accept or reject them in the admin;
nothing is public until accepted; an accepted spelling can teach the glossary."""

import pytest
from bs4 import BeautifulSoup
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.test import Client

from episodes.corrections import replaced_form, sender_key, word_diff
from episodes.models import Correction, CorrectionStatus
from search.models import GlossaryEntry
from tests.conftest import index_now

AT_2149 = 1_309_000  # « Vous pensez à Nice 2, par exemple ? »
AT_2150 = 1_310_000  # « On pense à Nice 2, principalement Nice 2, c'est-à-dire… »


def correction_url(episode) -> str:
    return f"/episodes/{episode.slug}/corrections/"


def propose(client, episode, text: str, t: int = AT_2149 // 1000, **extra):
    return client.post(correction_url(episode), {"t": t, "text": text, "website": "", **extra})


def page_text(response) -> str:
    return " ".join(BeautifulSoup(response.content, "html.parser").get_text(" ").split())


def search_times(client, query: str) -> list[str]:
    index_now()
    return [hit["timestamp"] for hit in client.get("/api/search/", {"q": query}).json()["results"]]


@pytest.fixture
def staff(sample_episode) -> Client:
    staff = Client()
    staff.force_login(User.objects.create_superuser("reviewer", "r@example.org", "pw"))
    return staff


def review(staff, correction, action: str):
    return staff.post(f"/admin/episodes/correction/{correction.pk}/change/", {"action": action}, follow=True)


def test_the_episode_page_links_each_line_to_its_correction_form(client, sample_episode):
    page = BeautifulSoup(client.get(sample_episode.get_absolute_url() + "?t=1309").content, "html.parser")
    link = page.select_one("a.propose-correction")
    assert link.select_one(".label").get_text() == "Proposer une correction"
    assert link["href"] == f"{correction_url(sample_episode)}?t=1309"

    form_page = BeautifulSoup(client.get(link["href"]).content, "html.parser")
    assert form_page.select_one(".corrected .text").get_text() == "Vous pensez à Nice 2, par exemple ?"
    assert form_page.select_one("textarea[name=text]").get_text().strip() == "Vous pensez à Nice 2, par exemple ?"
    context = [item.select_one(".time").get_text() for item in form_page.select(".correction-context li")]
    assert context == ["21:31", "21:42", "21:49", "21:50", "22:02"]
    assert form_page.select_one("form.correction-form")["method"] == "post"


def test_a_proposal_is_kept_for_review_and_not_shown(client, sample_episode):
    response = propose(client, sample_episode, "Vous pensez à NIS2, par exemple ?")
    assert response.status_code == 302 and "sent=1" in response["Location"]
    thanks = page_text(client.get(response["Location"]))
    assert "Merci : votre correction a été envoyée" in thanks

    correction = Correction.objects.get()
    assert (correction.status, correction.original, correction.text) == (
        CorrectionStatus.PROPOSED,
        "Vous pensez à Nice 2, par exemple ?",
        "Vous pensez à NIS2, par exemple ?",
    )
    # The address is kept only as a keyed fingerprint.
    assert correction.sender == sender_key("127.0.0.1") and "127.0.0.1" not in correction.sender
    episode_page = page_text(client.get(sample_episode.get_absolute_url() + "?t=1309"))
    assert "Vous pensez à Nice 2, par exemple ?" in episode_page and "à NIS2, par" not in episode_page
    assert "corrigée par des auditeurs" not in episode_page
    assert "ZZTOP" not in str(search_times(client, "ZZTOP"))


@pytest.mark.parametrize(
    ("text", "extra", "message"),
    [
        ("   ", {}, "Écrivez la ligne comme elle devrait se lire."),
        ("Vous pensez à Nice 2,   par exemple ?", {}, "C'est la ligne telle qu'elle se lit déjà"),
        ("mot " * 300, {}, "Trop long : 1 199 caractères (au plus 1 000 pour une ligne)"),
        ("NIS2\x07", {}, "Caractère de contrôle 0x07"),
        ("Vous pensez à NIS2 ?", {"website": "http://spam.example"}, "Non envoyé : le champ caché"),
    ],
)
def test_each_refusal_says_why_and_keeps_nothing(client, sample_episode, text, extra, message):
    response = propose(client, sample_episode, text, **extra)
    assert response.status_code == 400
    assert message in page_text(response)
    assert not Correction.objects.exists()


def test_one_address_is_limited_per_hour(client, sample_episode, settings):
    settings.ARCHIVE_CORRECTIONS_PER_HOUR = 2
    assert propose(client, sample_episode, "Vous pensez à NIS2 ?").status_code == 302
    again = propose(client, sample_episode, "Vous pensez à NIS2 ?")
    assert again.status_code == 400 and "vous avez déjà proposé cette correction" in page_text(again).lower()
    assert propose(client, sample_episode, "Vous pensez à NIS 2 ?").status_code == 302
    refused = propose(client, sample_episode, "Vous pensez à la NIS2 ?")
    assert refused.status_code == 429 and "Au plus 2 propositions par heure" in page_text(refused)
    # Another address still may.
    other = Client(REMOTE_ADDR="203.0.113.9")
    assert propose(other, sample_episode, "Vous pensez à la NIS2 ?").status_code == 302
    assert Correction.objects.count() == 3


def test_drafts_take_no_proposals(client, sample_episode):
    sample_episode.is_published = False
    sample_episode.save()
    assert client.get(correction_url(sample_episode)).status_code == 404
    assert propose(client, sample_episode, "Vous pensez à NIS2 ?").status_code == 404


def test_a_time_between_lines_names_the_line_being_said(client, sample_episode):
    page = BeautifulSoup(client.get(correction_url(sample_episode), {"t": "1312"}).content, "html.parser")
    assert page.select_one(".corrected .time").get_text() == "21:50"
    junk = BeautifulSoup(client.get(correction_url(sample_episode), {"t": "x", "n": "-3"}).content, "html.parser")
    assert junk.select_one(".corrected .time").get_text() == "00:00"


def test_staff_review_side_by_side_and_accepting_publishes_and_reindexes(client, staff, sample_episode):
    propose(client, sample_episode, "Vous pensez à NIS2, par exemple ?")
    correction = Correction.objects.get()
    home = BeautifulSoup(staff.get("/admin/").content, "html.parser").select_one(".corrections-module a")
    assert home.get_text() == "1 correction d'auditeur à relire"
    assert home["href"] == "/admin/episodes/correction/?status__exact=proposed"
    listing = page_text(staff.get("/admin/episodes/correction/"))
    assert "Corrections proposées" in listing and "Vous pensez à NIS2, par exemple ?" in listing

    page = BeautifulSoup(staff.get(f"/admin/episodes/correction/{correction.pk}/change/").content, "html.parser")
    assert [tag.get_text() for tag in page.select(".correction-sides del")] == ["Nice 2,"]
    assert [tag.get_text() for tag in page.select(".correction-sides ins")] == ["NIS2,"]
    assert "21:42" in page.select_one(".correction-context").get_text()

    done = review(staff, correction, "accept")
    assert "21:49 : la correction de l'auditeur a été acceptée." in page_text(done)
    assert sample_episode.segments.get(start_ms=AT_2149).text == "Vous pensez à NIS2, par exemple ?"
    assert LogEntry.objects.filter(object_id=str(sample_episode.pk), change_message__contains="acceptée").exists()
    episode_page = page_text(client.get(sample_episode.get_absolute_url()))
    assert "1 ligne de cette transcription a été corrigée par des auditeurs." in episode_page
    assert "21:49" in search_times(client, "NIS2")
    assert review(staff, correction, "accept").redirect_chain  # a second click changes nothing
    assert Correction.objects.get().status == CorrectionStatus.ACCEPTED


def test_rejecting_keeps_the_record_and_the_line(client, staff, sample_episode):
    propose(client, sample_episode, "Vous pensez à du spam ?")
    correction = Correction.objects.get()
    assert "a été refusée" in page_text(review(staff, correction, "reject"))
    correction.refresh_from_db()
    assert correction.status == CorrectionStatus.REJECTED and correction.reviewed_by.username == "reviewer"
    assert sample_episode.segments.get(start_ms=AT_2149).text == "Vous pensez à Nice 2, par exemple ?"
    assert "corrigée par des auditeurs" not in page_text(client.get(sample_episode.get_absolute_url()))


def test_a_line_changed_since_is_not_overwritten(client, staff, sample_episode):
    propose(client, sample_episode, "Vous pensez à NIS2, par exemple ?")
    sample_episode.segments.filter(start_ms=AT_2149).update(text="Vous pensez à la directive NIS2 ?")
    correction = Correction.objects.get()
    page = page_text(staff.get(f"/admin/episodes/correction/{correction.pk}/change/"))
    assert "La ligne a changé depuis cette proposition" in page
    refused = page_text(review(staff, correction, "accept"))
    assert "Rien n'a changé : la ligne a changé depuis la proposition" in refused
    assert sample_episode.segments.get(start_ms=AT_2149).text == "Vous pensez à la directive NIS2 ?"


def test_an_accepted_spelling_teaches_the_glossary_in_one_click(client, staff, sample_episode):
    GlossaryEntry.objects.all().delete()
    assert "21:50" not in search_times(client, "NIS2")
    propose(client, sample_episode, "Vous pensez à NIS2, par exemple ?")
    correction = Correction.objects.get()
    review(staff, correction, "accept")
    page = BeautifulSoup(staff.get(f"/admin/episodes/correction/{correction.pk}/change/").content, "html.parser")
    button = page.select_one("button[value=glossary]")
    assert " ".join(button.get_text().split()) == "Ajouter « Nice 2 » au glossaire comme graphie de « NIS2 »"

    done = page_text(review(staff, correction, "glossary"))
    assert "Glossaire : « Nice 2 » est maintenant cherché comme « NIS2 »." in done
    assert [(entry.term, entry.variant_list()) for entry in GlossaryEntry.objects.all()] == [("NIS2", ["Nice 2"])]
    # The other place it was misheard is found now.
    assert "21:50" in search_times(client, "NIS2")
    after = page_text(staff.get(f"/admin/episodes/correction/{correction.pk}/change/"))
    assert "Le glossaire cherche « Nice 2 » comme graphie de « NIS2 »." in after
    review(staff, correction, "glossary")
    assert GlossaryEntry.objects.get().variant_list() == ["Nice 2"]


def test_a_visitor_cannot_review(client, sample_episode):
    propose(client, sample_episode, "Vous pensez à NIS2 ?")
    correction = Correction.objects.get()
    response = client.post(f"/admin/episodes/correction/{correction.pk}/change/", {"action": "accept"})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert Correction.objects.get().status == CorrectionStatus.PROPOSED


def test_word_forms_worth_a_glossary_entry():
    assert replaced_form("Vous pensez à Nice 2, par exemple ?", "Vous pensez à NIS2, par exemple ?") == (
        "Nice 2",
        "NIS2",
    )
    assert replaced_form("avec Yann Lequin hier", "avec Yann LeCun hier") == ("Lequin", "LeCun")
    # Two changes, an added word, or only a change of case teach nothing.
    assert replaced_form("Nice 2 et Exatrust", "NIS2 et Hexatrust") is None
    assert replaced_form("on pense", "on y pense") is None
    assert replaced_form("nis2 ici", "NIS2 ici") is None
    assert [part.kind for part in word_diff("a b c", "a x c d")] == ["same", "replaced", "same", "added"]
