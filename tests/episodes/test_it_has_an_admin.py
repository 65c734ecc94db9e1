import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Permission, User

from episodes.models import FORMAT_LABELS
from episodes.parsing import TranscriptFormat
from episodes.services import import_transcript
from tests.conftest import SAMPLE

pytestmark = pytest.mark.django_db


@pytest.fixture
def episode(sample_bytes):
    return import_transcript(data=sample_bytes, filename=SAMPLE.name).episode


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.create_superuser("admin", "admin@example.org", "pw"))
    return client


@pytest.mark.parametrize(
    ("model", "query", "expected"),
    [
        ("show", "smart", "SMART TECH"),
        ("episode", "juin", "SMART TECH du 19 juin 2025"),
        ("person", "decrop", "Dorothée Decrop"),
        ("segment", "Charles de Gaulle", "porte-avions Charles de Gaulle"),
    ],
)
def test_it_lists_and_searches_every_model_for_staff(admin_client, episode, model, query, expected):
    response = admin_client.get(f"/admin/episodes/{model}/", {"q": query})
    assert response.status_code == 200
    assert expected in response.content.decode()


def test_it_edits_an_episode_with_its_people(admin_client, episode):
    response = admin_client.get(f"/admin/episodes/episode/{episode.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Hexatrust" in page and "déléguée générale" in page
    assert "408 lignes" in page


def test_it_filters_segments_by_episode_and_searches_their_text(admin_client, episode):
    response = admin_client.get("/admin/episodes/segment/", {"episode__id__exact": episode.pk, "q": "quantique"})
    assert response.status_code == 200
    assert "cryptographie quantique" in response.content.decode()


def test_it_filters_episodes_by_show_and_publication(admin_client, episode):
    response = admin_client.get(
        "/admin/episodes/episode/", {"show__id__exact": episode.show_id, "is_published__exact": 1}
    )
    assert "SMART TECH du 19 juin 2025" in response.content.decode()


def test_it_refuses_the_import_page_to_staff_without_the_add_permission(client):
    user = User.objects.create_user("viewer", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_episode"))
    client.force_login(user)
    assert client.get("/admin/episodes/episode/import/").status_code == 403


def test_it_sends_visitors_to_the_login_page(client):
    response = client.get("/admin/episodes/episode/import/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_a_glossary_entry_shows_how_many_moments_say_each_spelling(admin_client, sample_episode):
    from search.models import GlossaryEntry

    entry = GlossaryEntry.objects.get(term="NIS2")
    page = admin_client.get(f"/admin/search/glossaryentry/{entry.pk}/change/").content.decode()
    assert "NIS2 (1), Nice 2 (2)" in page
    listing = admin_client.get("/admin/search/glossaryentry/").content.decode()
    assert "VeriQloud (0), Vericlock (1), Very Cloud (1)" in listing


def test_a_person_shows_how_many_moments_say_each_spelling(admin_client, sample_episode):
    from episodes.models import Person

    person = Person.objects.get(name="Dorothée Decrop")
    person.other_spellings = "Dorothée Décrope\nDorothée Descroppes"
    person.save()
    page = admin_client.get(f"/admin/episodes/person/{person.pk}/change/").content.decode()
    # "Decrop" and "Décrope" fold and stem alike: the analysis already joins those two.
    assert "Dorothée Decrop (1), Dorothée Décrope (1), Dorothée Descroppes (1)" in page


def column_headers(page: str) -> list[str]:
    cells = BeautifulSoup(page, "html.parser").select("#result_list thead th")
    return [" ".join(th.get_text(" ").split()) for th in cells if th.get_text(strip=True)]


def row_value(page: str, field: str) -> str:
    """What a read-only row of the change form shows."""
    row = BeautifulSoup(page, "html.parser").select_one(f".field-{field} .readonly")
    return " ".join(row.get_text(" ").split())


def test_the_episode_list_heads_its_columns_in_french(admin_client, episode):
    headers = column_headers(admin_client.get("/admin/episodes/episode/").content.decode())
    assert "Durée" in headers and "Statut" in headers
    assert not {"Duration", "Status"} & set(headers)


def test_the_episode_page_gives_the_duration_as_a_time_and_the_format_by_its_name(admin_client, episode):
    page = admin_client.get(f"/admin/episodes/episode/{episode.pk}/change/").content.decode()
    assert row_value(page, "duration") == "28:19"
    assert row_value(page, "status") == "publié"
    assert row_value(page, "source_format") == str(FORMAT_LABELS[TranscriptFormat.SHOW_PAGE])
    assert "SHOW_PAGE" not in page and "1699330" not in page and "Status" not in page


def test_the_episode_list_filters_formats_by_their_names(admin_client, episode):
    page = admin_client.get("/admin/episodes/episode/").content.decode()
    assert str(FORMAT_LABELS[TranscriptFormat.PODCAST_JSON]) in page
    assert "PODCAST_JSON" not in page and "SHOW_PAGE" not in page


def test_a_line_s_times_read_and_save_as_times(admin_client, episode):
    segment = episode.segments.get(start_ms=531_000)
    page = BeautifulSoup(admin_client.get(f"/admin/episodes/segment/{segment.pk}/change/").content, "html.parser")
    assert page.select_one("input[name=start_ms]")["value"] == "08:51"
    form = {"episode": episode.pk, "position": segment.position, "start_ms": "08:51.250", "end_ms": "08:53"}
    response = admin_client.post(f"/admin/episodes/segment/{segment.pk}/change/", {**form, "text": "Le porte-avions."})
    assert response.status_code == 302
    segment.refresh_from_db()
    assert (segment.start_ms, segment.end_ms) == (531_250, 533_000)
    assert "Timestamp" not in column_headers(admin_client.get("/admin/episodes/segment/").content.decode())


def test_the_admin_home_links_to_the_import(admin_client):
    page = BeautifulSoup(admin_client.get("/admin/").content, "html.parser")
    assert page.select_one('#content-main a[href="/admin/episodes/episode/import/"]')


def test_the_admin_home_offers_no_import_to_staff_who_may_not_add_episodes(client):
    user = User.objects.create_user("viewer", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_episode"))
    client.force_login(user)
    assert "/admin/episodes/episode/import/" not in client.get("/admin/").content.decode()
