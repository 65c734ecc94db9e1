"""What staff met in the admin and the editor: actions that say what they did, a save of nothing
that records nothing, a form sent twice done once, the page opening on a refusal, times in ASCII
digits, French titles, a way from the public page to the admin, and the site's icon."""

import pytest
from bs4 import BeautifulSoup
from django.contrib.admin.models import LogEntry

from episodes.models import Episode
from tests.episodes.test_it_edits_a_transcript import edit_url

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def form_of(segment, **changes) -> dict:
    data = {"segment": segment.pk, "page": 1, "seen": segment.version, "start": "", "speaker": segment.speaker}
    return {**data, "text": segment.text, **changes}


def test_publish_and_unpublish_say_what_they_did(editor, sample_episode):
    changelist = "/admin/episodes/episode/"
    done = editor.post(changelist, {"action": "unpublish", "_selected_action": [sample_episode.pk]}, follow=True)
    assert messages_of(done) == ["1 épisode dépublié\u00a0: « SMART TECH du 19 juin 2025 »."]
    done = editor.post(changelist, {"action": "publish", "_selected_action": [sample_episode.pk]}, follow=True)
    assert messages_of(done) == ["1 épisode publié\u00a0: « SMART TECH du 19 juin 2025 »."]


def test_a_line_saved_unchanged_is_not_recorded_as_a_correction(editor, sample_episode):
    segment = sample_episode.segments.order_by("position")[3]
    before = LogEntry.objects.count()
    response = editor.post(edit_url(sample_episode), form_of(segment, action="save", text=f" {segment.text}  "))
    assert response.status_code == 302 and response["Location"].endswith(f"#line-{segment.pk}")
    assert LogEntry.objects.count() == before
    assert messages_of(editor.get(response["Location"])) == [f"{segment.timestamp}\u00a0: inchangée."]


def test_a_merge_sent_twice_merges_once_and_says_so(editor, sample_episode):
    segment = sample_episode.segments.order_by("position")[3]
    lines = sample_episode.segments.count()
    sent = form_of(segment, action="merge")
    assert editor.post(edit_url(sample_episode), sent).status_code == 302
    again = editor.post(edit_url(sample_episode), sent)
    assert sample_episode.segments.count() == lines - 1
    # The refusal is at the top of the page, where it opens (not at a line, off screen).
    assert again["Location"].endswith("#content-start")
    said = messages_of(editor.get(again["Location"]))
    assert said[-1].startswith(f"{segment.timestamp}\u00a0: non modifiée\u00a0: la ligne a changé")


def test_times_in_other_digits_are_refused_with_a_message(editor, client, sample_episode):
    segment = sample_episode.segments.order_by("position")[3]
    refused = editor.post(edit_url(sample_episode), form_of(segment, action="save", start="١٢:٣٤"))
    said = messages_of(editor.get(refused["Location"]))
    assert "«\u00a0١٢:٣٤\u00a0»" in said[-1] or "« ١٢:٣٤ »" in said[-1]
    assert said[-1].startswith(segment.timestamp) and "non modifiée" in said[-1] and "(écrivez 21:49" in said[-1]
    assert Episode.objects.get(pk=sample_episode.pk).segments.get(pk=segment.pk).start_ms == segment.start_ms
    page = BeautifulSoup(client.get(sample_episode.get_absolute_url(), {"t": "٢١:٤٩"}).content, "html.parser")
    assert not page.select(".transcript .current")


def test_french_titles_and_names_in_the_admin(editor, sample_episode):
    change = BeautifulSoup(editor.get(f"/admin/episodes/episode/{sample_episode.pk}/change/").content, "html.parser")
    assert change.h1.text.strip() == "Modification de l’épisode"
    index = editor.get("/admin/").content.decode()
    assert "Tentatives de connexion" in index and ">Axes<" not in index
    page = BeautifulSoup(editor.get("/").content, "html.parser")
    assert page.select_one("form.language button").text == "Choisir"
    assert "408 lignes" in change.get_text(" ") and "408 segments" not in change.get_text(" ")


def test_staff_find_the_admin_from_the_public_page_and_visitors_do_not(client, editor, sample_episode):
    page = BeautifulSoup(editor.get(sample_episode.get_absolute_url()).content, "html.parser")
    link = page.select_one("a.staff-edit")
    assert link.text == "Modifier" and link["href"] == f"/admin/episodes/episode/{sample_episode.pk}/change/"
    editor.logout()
    page = BeautifulSoup(client.get(sample_episode.get_absolute_url()).content, "html.parser")
    assert page.select_one("a.staff-edit") is None


def test_the_site_icon_answers_at_favicon_ico(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"].startswith("/static/favicon")
    assert client.get(response["Location"]).status_code == 200


def test_the_editor_goes_to_a_time_and_finds_lines(editor, sample_episode):
    url = edit_url(sample_episode)
    target = sample_episode.segments.get(start_ms__lte=1_309_000, start_ms__gt=1_305_000)
    went = editor.get(url, {"at": "21:49"})
    assert went.status_code == 302 and went["Location"].endswith(f"?page=4#line-{target.pk}")
    assert f'id="line-{target.pk}"' in editor.get(went["Location"]).content.decode()
    refused = editor.get(url, {"at": "demain"})
    assert refused.status_code == 302 and refused["Location"].endswith("#content-start")
    assert "demain" in messages_of(editor.get(refused["Location"]))[-1]
    page = BeautifulSoup(editor.get(url, {"find": "nice 2"}).content, "html.parser")
    found = page.select(".editor-found li")
    assert page.select_one(".editor-found h2").text == "2 lignes contiennent «\u00a0nice 2\u00a0»"
    assert [li.a.text for li in found] == ["21:49", "21:50"]
    assert all(link["href"].startswith(f"{url}?page=4#line-") for link in page.select(".editor-found a"))
