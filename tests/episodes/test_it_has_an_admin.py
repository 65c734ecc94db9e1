import pytest
from django.contrib.auth.models import Permission, User

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
    assert "408 segments" in page


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
