"""The site's own name, tagline and icon, and dates written as each language writes them."""

import datetime
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.contrib.staticfiles import finders
from django.test import Client
from django.utils import translation

from episodes.templatetags.archive import long_date
from tests.conftest import index_now
from tests.factories import make_episode


def page(client: Client, path: str) -> BeautifulSoup:
    response = client.get(path)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


@pytest.mark.django_db
def test_the_site_wears_the_name_and_tagline_its_settings_give(client, settings):
    settings.ARCHIVE_SITE_NAME = "SMART TECH"
    settings.ARCHIVE_SITE_TAGLINE = "Le débrief des actus de la tech"
    home = page(client, "/")
    assert home.select_one(".site-name").get_text() == "SMART TECH"
    assert home.select_one(".tagline").get_text() == "Le débrief des actus de la tech"
    assert home.title.get_text().strip() == "SMART TECH"
    assert page(client, "/people/").title.get_text().strip().endswith("· SMART TECH")


@pytest.mark.django_db
def test_without_a_name_the_site_is_the_archive_in_the_visitors_language(client, settings):
    settings.ARCHIVE_SITE_NAME = ""
    settings.ARCHIVE_SITE_TAGLINE = ""
    home = page(client, "/")
    assert home.select_one(".site-name").get_text() == "Archives des émissions"
    assert home.select_one(".tagline") is None
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert page(client, "/").select_one(".site-name").get_text() == "Broadcast archive"


@pytest.mark.django_db
def test_every_page_names_its_icon_and_the_icon_is_served(client):
    icon = page(client, "/").select_one('link[rel="icon"]')
    assert icon["type"] == "image/svg+xml"
    path = finders.find("favicon.svg")
    assert path and "<svg" in Path(path).read_text(encoding="utf-8")


def test_the_first_of_the_month_is_an_ordinal_in_french_only():
    with translation.override("fr"):
        assert long_date(datetime.date(2025, 7, 1)) == "1er juillet 2025"
        assert long_date(datetime.date(2025, 6, 19)) == "19 juin 2025"
        assert long_date(datetime.date(2025, 7, 11)) == "11 juillet 2025"
    with translation.override("en"):
        assert long_date(datetime.date(2025, 7, 1)) == "July 1, 2025"


@pytest.mark.django_db(transaction=True)
def test_an_episode_of_the_first_of_the_month_says_1er(client, search_index):
    episode = make_episode(
        "Bonjour et bienvenue.", show="Podcast Cyber", title="Cyber", air_date=datetime.date(2024, 3, 1)
    )
    index_now()
    for path in ("/episodes/", episode.get_absolute_url(), "/search/?q=bienvenue"):
        assert "1er mars 2024" in page(client, path).get_text(), path


@pytest.mark.django_db(transaction=True)
def test_punctuation_follows_the_language(client, sample_episode):
    """French puts a no-break space before ":" and "?", English none."""
    suggestion = page(client, "/search/?q=quantiqe").select_one(".suggestion").get_text()
    assert suggestion == "Vouliez-vous dire\xa0: quantique\xa0?"
    role = page(client, sample_episode.get_absolute_url()).select_one(".people .role").get_text()
    assert role.endswith("\xa0:")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert page(client, "/search/?q=quantiqe").select_one(".suggestion").get_text() == "Did you mean: quantique?"
    role = page(client, sample_episode.get_absolute_url()).select_one(".people .role").get_text()
    assert role.endswith(":") and not role.endswith(" :")


@pytest.mark.django_db
def test_the_results_page_has_one_search_box(client):
    results = page(client, "/search/?q=quantique")
    assert len(results.select('input[type="search"]')) == 1
    assert len(page(client, "/episodes/").select('input[type="search"]')) == 1  # the header's
