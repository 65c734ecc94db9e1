"""A word is suggested only while some published line says it: unpublished, deleted or corrected
words never come back as "Vouliez-vous dire"."""

import datetime
from io import StringIO

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command

from episodes.services import edit_segment, import_transcript, set_published
from tests.conftest import index_now

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = b"1\n00:00:01,000 --> 00:00:04,000\nLa zorglubification du r\xc3\xa9seau est en cours.\n"


@pytest.fixture
def zorglub(sample_episode):
    """A published episode that says a word no other line says, indexed, beside the sample."""
    episode = import_transcript(data=SECRET, filename="z.srt", show="Z", air_date=datetime.date(2024, 5, 1)).episode
    index_now()
    return episode


def suggestion(client, q: str = "zorglubificaton") -> str | None:
    return client.get("/api/search/", {"q": q}).json()["suggestion"]


def page_suggestions(client, url: str, q: str = "zorglubificaton") -> list[str]:
    page = BeautifulSoup(client.get(url, {"q": q}).content, "html.parser")
    return [link.text for link in page.select(".suggestion a")]


def test_a_published_word_is_suggested(client, zorglub):
    assert suggestion(client) == "zorglubification"


def test_an_unpublished_word_is_suggested_nowhere(client, zorglub, sample_episode):
    set_published([zorglub], False)
    index_now()
    assert suggestion(client) is None
    assert page_suggestions(client, "/search/") == []
    assert page_suggestions(client, sample_episode.get_absolute_url()) == []


def test_a_deleted_episode_s_words_are_not_suggested(admin_client, zorglub):
    admin_client.post(f"/admin/episodes/episode/{zorglub.pk}/delete/", {"post": "yes"})
    index_now()
    assert suggestion(admin_client) is None


def test_a_corrected_word_is_not_suggested(client, zorglub):
    edit_segment(segment=zorglub.segments.get(), text="La modernisation du réseau est en cours.")
    index_now()
    assert suggestion(client) is None
    assert suggestion(client, "modernisatio") == "modernisation"


def test_check_index_agrees_after_an_unpublish(zorglub):
    set_published([zorglub], False)
    index_now()
    out = StringIO()
    call_command("check_index", stdout=out)
    assert "agree" in out.getvalue()
