"""Static files under hashed names, compressed and cached for a year; public pages compressed,
never a page that holds a CSRF token (BREACH)."""

import gzip
import re

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import User

pytestmark = pytest.mark.django_db
GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}
A_YEAR = 365 * 24 * 3600


def test_a_public_page_is_sent_compressed_and_reads_the_same(client, sample_episode):
    url = sample_episode.get_absolute_url()
    plain = client.get(url)
    packed = client.get(url, **GZIP)
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    assert gzip.decompress(packed.content) == plain.content
    assert len(packed.content) < len(plain.content) / 3
    for path in ("/", "/search/?q=quantique", "/people/dorothee-decrop/"):
        assert client.get(path, **GZIP)["Content-Encoding"] == "gzip", path


def test_no_page_with_a_csrf_token_is_compressed(client, sample_episode):
    login = client.get("/admin/login/", **GZIP)
    assert b"csrfmiddlewaretoken" in login.content and not login.has_header("Content-Encoding")
    client.force_login(User.objects.create_superuser("staff", "staff@example.org", "pw"))
    editor = client.get(f"/admin/episodes/episode/{sample_episode.pk}/change/", **GZIP)
    assert editor.status_code == 200 and not editor.has_header("Content-Encoding")


def test_the_language_selector_needs_no_token_and_still_works(client, sample_episode):
    page = BeautifulSoup(client.get("/").content, "html.parser")
    form = page.select_one("form.language")
    assert not form.select("input[name=csrfmiddlewaretoken]")
    client.post(form["action"], {"language": "en", "next": "/"})
    assert BeautifulSoup(client.get("/").content, "html.parser").html["lang"] == "en"


def test_without_gathered_static_files_pages_still_name_and_get_them(client, sample_episode, settings, tmp_path):
    (tmp_path / "never-gathered").mkdir()
    settings.STATIC_ROOT = tmp_path / "never-gathered"
    page = BeautifulSoup(client.get(sample_episode.get_absolute_url()).content, "html.parser")
    stylesheet = page.select_one("link[rel=stylesheet]")["href"]
    assert stylesheet == "/static/css/site.css"


def test_static_files_have_hashed_names_compressed_copies_and_a_year_of_caching(client, sample_episode):
    page = BeautifulSoup(client.get(sample_episode.get_absolute_url()).content, "html.parser")
    stylesheet = page.select_one("link[rel=stylesheet]")["href"]
    script = page.select_one("script[type=module]")["src"]
    assert re.fullmatch(r"/static/css/site\.[0-9a-f]{12}\.css", stylesheet)
    assert re.fullmatch(r"/static/js/episode\.[0-9a-f]{12}\.js", script)
    for url in (stylesheet, script):
        response = client.get(url, **GZIP)
        assert response.status_code == 200
        assert response["Content-Encoding"] == "gzip"
        assert f"max-age={A_YEAR}" in response["Cache-Control"] or "immutable" in response["Cache-Control"]
        assert int(re.search(r"max-age=(\d+)", response["Cache-Control"])[1]) >= A_YEAR
