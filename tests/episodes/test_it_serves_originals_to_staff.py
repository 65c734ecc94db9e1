"""An episode's original file: staff download it from the episode's admin page; nobody else gets
it, at any address, drafts' originals included."""

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Permission, User

from tests.factories import make_episode

pytestmark = pytest.mark.django_db

SRT = b"1\n00:00:01,000 --> 00:00:03,000\nUn brouillon confidentiel.\n"


@pytest.fixture
def draft():
    return make_episode(data=SRT, filename="brouillon.srt", published=False)


def staff(client, *permissions: str):
    user = User.objects.create_user("staff", "staff@example.org", "pw", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=permissions))
    client.force_login(user)
    return client


def original_link(client, episode) -> str:
    page = BeautifulSoup(client.get(f"/admin/episodes/episode/{episode.pk}/change/").content, "html.parser")
    return page.find("a", string=lambda text: text and text.endswith(".srt"))["href"]


def test_staff_download_the_original_from_the_episode_s_page(client, draft):
    link = original_link(staff(client, "view_episode"), draft)
    response = client.get(link)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == SRT
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Disposition"].endswith('.srt"')
    assert "no-store" in response["Cache-Control"]


def test_a_visitor_is_sent_to_the_login_page_and_never_gets_the_file(client, draft):
    response = client.get(f"/admin/episodes/episode/{draft.pk}/original/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    stored = draft.source_file.name
    assert stored.startswith("transcripts/")
    for address in (f"/media/{stored}", f"/{stored}", f"/static/../media/{stored}"):
        answer = client.get(address)
        assert answer.status_code == 404, address
        assert b"confidentiel" not in answer.content


def test_staff_without_the_view_permission_are_refused(client, draft):
    response = staff(client, "view_show").get(f"/admin/episodes/episode/{draft.pk}/original/")
    assert response.status_code == 403


def test_an_original_missing_from_the_media_folder_is_a_404_not_a_500(client, draft):
    draft.source_file.storage.delete(draft.source_file.name)
    response = staff(client, "view_episode").get(f"/admin/episodes/episode/{draft.pk}/original/")
    assert response.status_code == 404


def test_behind_nginx_the_view_checks_the_user_and_nginx_sends_the_file(client, draft, settings):
    settings.ARCHIVE_ORIGINALS_ACCEL_REDIRECT = "/internal-originals/"
    response = staff(client, "view_episode").get(f"/admin/episodes/episode/{draft.pk}/original/")
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/internal-originals/{draft.source_file.name}"
    assert response.content == b""
    assert response["Content-Disposition"].startswith("attachment;")
