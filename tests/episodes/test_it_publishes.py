"""Draft, published, unpublished: who sees what."""

import datetime
from xml.etree import ElementTree

import pytest
from django.contrib.auth.models import User

from episodes.models import Episode
from episodes.services import set_published
from tests.conftest import index_now
from tests.factories import make_episode, make_person


@pytest.fixture
def draft(search_index, transactional_db):
    episode = make_episode(
        "Une exclusivite confidentielle.",
        show="Podcast",
        title="Brouillon",
        air_date=datetime.date(2026, 1, 1),
        published=False,
    )
    index_now()
    return episode


def sitemap_urls(client) -> list[str]:
    tree = ElementTree.fromstring(client.get("/sitemap.xml").content)
    return [node.text for node in tree.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]


def test_a_draft_is_nowhere_for_visitors(client, sample_episode, draft):
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert "Brouillon" not in client.get("/").content.decode()
    assert "Brouillon" not in client.get("/episodes/").content.decode()
    assert "Brouillon" not in client.get("/shows/podcast/").content.decode()
    assert client.get("/api/search/", {"q": "confidentielle"}).json()["count"] == 0
    assert not any("brouillon" in url for url in sitemap_urls(client))
    assert any(sample_episode.slug in url for url in sitemap_urls(client))


def test_staff_preview_a_draft_but_search_never_finds_it(client, draft):
    client.force_login(User.objects.create_user("staff", is_staff=True))
    assert "Brouillon" in client.get(draft.get_absolute_url()).content.decode()
    assert client.get("/api/search/", {"q": "confidentielle"}).json()["count"] == 0


def test_statuses_tell_a_draft_from_an_unpublished_episode(draft):
    assert str(draft.status) == "brouillon"
    set_published([draft], True)
    draft.refresh_from_db()
    assert str(draft.status) == "publié" and draft.first_published_at
    set_published([draft], False)
    draft.refresh_from_db()
    assert str(draft.status) == "dépublié"


def test_an_unpublished_episode_leaves_search_lists_and_sitemap(client, sample_episode):
    set_published([sample_episode], False)
    index_now()
    assert client.get(sample_episode.get_absolute_url()).status_code == 404
    assert client.get("/api/search/", {"q": "quantique"}).json()["count"] == 0
    assert sitemap_urls(client) == []


def test_the_admin_filters_episodes_by_status(client, sample_episode, draft):
    client.force_login(User.objects.create_superuser("admin", "a@example.org", "pw"))
    drafts = client.get("/admin/episodes/episode/", {"status": "draft"}).content.decode()
    assert "Brouillon" in drafts and "SMART TECH du 19 juin 2025" not in drafts
    assert Episode.objects.count() == 2


def test_robots_txt_names_the_sitemap(client, db):
    assert "Sitemap: http://testserver/sitemap.xml" in client.get("/robots.txt").content.decode()


def test_a_guest_of_drafts_only_is_not_offered_as_a_search_filter(client, sample_episode, draft):
    make_person("Invitée Secrète", on=draft)
    options = client.get("/search/").content.decode()
    assert "Invitée Secrète" not in options and "Dorothée Decrop" in options
