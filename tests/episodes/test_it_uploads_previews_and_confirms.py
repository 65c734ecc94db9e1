"""Staff upload transcripts in the admin, check what was understood, then confirm or cancel."""

import re

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile

from episodes.models import Episode, Person, Segment
from search.models import IndexJob
from tests.conftest import SAMPLE, index_now

pytestmark = pytest.mark.django_db
IMPORT = "/admin/episodes/episode/import/"
SRT = b"1\n00:00:01,000 --> 00:00:03,000\nBonjour.\n\n2\n00:00:03,000 --> 00:00:09,000\nAu revoir.\n"


@pytest.fixture
def staff(client):
    client.force_login(User.objects.create_superuser("admin", "admin@example.org", "pw"))
    return client


def upload(client, *files: tuple[str, bytes], **fields):
    uploads = [SimpleUploadedFile(name, data) for name, data in files]
    return client.post(IMPORT, {"files": uploads, **fields})


def page(response) -> BeautifulSoup:
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.content, "html.parser")


def confirm_data(preview: BeautifulSoup, **changes) -> dict:
    """The preview form as a browser would post it, with `changes` applied."""
    form = preview.select_one('input[name="files"]').find_parent("form")
    data = {}
    for field in form.select("input, select"):
        name = field.get("name")
        if (
            not name
            or field.get("type") in ("submit",)
            or (field.get("type") == "checkbox" and not field.has_attr("checked"))
        ):
            continue
        if field.name == "select":
            chosen = field.select_one("option[selected]") or field.select_one("option")
            data[name] = chosen["value"]
        else:
            data[name] = field.get("value", "on" if field.get("type") == "checkbox" else "")
    data.update(changes)
    data["step"] = "confirm"
    return data


def pending_files(uploads_dir) -> list:
    return list((uploads_dir / "pending").glob("*")) if (uploads_dir / "pending").exists() else []


def test_the_preview_shows_what_was_understood_and_stores_nothing(staff, uploads_in_tmp):
    preview = page(upload(staff, (SAMPLE.name, SAMPLE.read_bytes())))
    assert preview.select_one('input[name="f0-show"]')["value"] == "SMART TECH"
    assert preview.select_one('input[name="f0-title"]')["value"] == "SMART TECH du 19 juin 2025"
    assert preview.select_one('input[name="f0-air_date"]')["value"] == "2025-06-19"
    text = " ".join(preview.get_text(" ").split())
    assert "408 segments" in text
    assert "Bonjour à tous, Smartech dans un nouveau studio" in text and "Excellente journée." in text
    names = [field["value"] for field in preview.select('input[name$="-name"][value]')]
    assert names == ["Delphine Sabattier", "Louis Soris", "Marc Kaplan", "Dorothée Decrop", "Alain Staron"]
    assert preview.select_one('input[name="f0-people-3-title"]')["value"] == "déléguée générale"
    assert Episode.objects.count() == Segment.objects.count() == Person.objects.count() == 0
    assert len(pending_files(uploads_in_tmp)) == 1


def test_confirm_stores_the_episode_and_it_shows_as_indexing_until_searchable(staff, search_index, client):
    preview = page(upload(staff, (SAMPLE.name, SAMPLE.read_bytes())))
    response = staff.post(IMPORT, confirm_data(preview))
    episode = Episode.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/admin/episodes/episode/{episode.pk}/change/"
    assert episode.is_published and episode.segments.count() == 408
    assert IndexJob.objects.filter(episode_id=episode.pk).exists()
    listing = staff.get("/admin/episodes/episode/").content.decode()
    assert "Indexation en cours" in listing
    index_now()
    assert "Indexation en cours" not in staff.get("/admin/episodes/episode/").content.decode()
    assert client.get("/api/search/", {"q": "quantique"}).json()["count"] == 22


def test_confirm_stores_what_staff_corrected(staff):
    Person.objects.create(name="Dorothée Decrop", slug="dorothee-decrop", other_spellings="Dorothee Décrope")
    preview = page(upload(staff, (SAMPLE.name, SAMPLE.read_bytes())))
    assert "correspond à" in preview.get_text() or "matches" in preview.get_text()
    changes = {
        "f0-title": "Le débrief du 19 juin",
        "f0-state": "draft",
        "f0-people-1-title": "avocat",
        "f0-people-2-DELETE": "on",
        "f0-people-5-name": "Ana Lopez",
        "f0-people-5-role": "guest",
        "f0-people-5-title": "CEO",
        "f0-people-5-organisation": "Acme",
    }
    staff.post(IMPORT, confirm_data(preview, **changes))
    episode = Episode.objects.get()
    assert (episode.title, episode.is_published) == ("Le débrief du 19 juin", False)
    rows = [(a.person.name, a.title, a.organisation) for a in episode.appearances.all()]
    assert ("Louis Soris", "avocat", "cabinet Soris Avocats") in rows
    assert "Marc Kaplan" not in [name for name, _, _ in rows]
    assert ("Ana Lopez", "CEO", "Acme") in rows
    assert Person.objects.filter(name="Dorothée Decrop").count() == 1


def test_cancel_stores_nothing_and_forgets_the_file(staff, uploads_in_tmp):
    preview = page(upload(staff, (SAMPLE.name, SAMPLE.read_bytes())))
    data = confirm_data(preview)
    data["step"] = "cancel"
    response = staff.post(IMPORT, data)
    assert response.status_code == 302
    assert Episode.objects.count() == 0 and pending_files(uploads_in_tmp) == []


def test_a_bad_file_is_shown_with_its_line_and_nothing_is_stored(staff, uploads_in_tmp):
    preview = page(upload(staff, ("bad.txt", b"00:00Un\n00:30Deux\n00:10Trois\n")))
    assert "bad.txt:3: the time goes backwards" in preview.select_one(".errornote").text
    assert preview.select_one('button[value="confirm"]') is None
    assert Episode.objects.count() == 0 and pending_files(uploads_in_tmp) == []


def test_several_files_are_previewed_and_imported_together(staff):
    preview = page(upload(staff, (SAMPLE.name, SAMPLE.read_bytes()), ("entretien-2024-02-01.srt", SRT)))
    assert preview.select_one('input[name="f0-show"]')["value"] == "SMART TECH"
    assert preview.select_one('input[name="f1-show"]').get("value", "") == ""
    assert preview.select_one('input[name="f1-air_date"]')["value"] == "2024-02-01"
    response = staff.post(IMPORT, confirm_data(preview, **{"f1-show": "Podcast"}))
    assert response.status_code == 302 and response["Location"] == "/admin/episodes/episode/"
    assert sorted(Episode.objects.values_list("show__name", flat=True)) == ["Podcast", "SMART TECH"]


def test_a_missing_show_is_asked_for_before_anything_is_stored(staff):
    preview = page(upload(staff, ("entretien-2024-02-01.srt", SRT)))
    again = page(staff.post(IMPORT, confirm_data(preview)))
    assert again.select_one(".errors input[name='f0-show']") or "f0-show" in str(again.select_one(".errorlist").parent)
    assert Episode.objects.count() == 0


def test_given_fields_apply_to_every_file(staff):
    preview = page(upload(staff, (SAMPLE.name, SAMPLE.read_bytes()), ("entretien-2024-02-01.srt", SRT), show="Podcast"))
    assert [preview.select_one(f'input[name="f{i}-show"]')["value"] for i in (0, 1)] == ["Podcast", "Podcast"]


def test_a_file_can_be_left_out_at_confirmation(staff):
    preview = page(upload(staff, (SAMPLE.name, SAMPLE.read_bytes()), ("entretien-2024-02-01.srt", SRT), show="Podcast"))
    data = confirm_data(preview)
    data.pop("f1-include")
    staff.post(IMPORT, data)
    assert list(Episode.objects.values_list("title", flat=True)) == ["SMART TECH du 19 juin 2025"]


def test_a_reupload_shows_what_changes_before_replacing_in_place(staff):
    staff.post(IMPORT, confirm_data(page(upload(staff, (SAMPLE.name, SAMPLE.read_bytes())))))
    episode = Episode.objects.get()
    edited = (
        SAMPLE.read_bytes()
        .replace("Excellente journée.".encode(), "Belle journée.".encode())
        .replace("00:19Je vous les présente juste après ça.".encode(), "00:19Je vous les présente.".encode())
        .replace(b"28:18", b"28:17Au revoir.\n28:18")
    )
    preview = page(upload(staff, (SAMPLE.name, edited)))
    notice = " ".join(preview.select_one(".warning").text.split())
    assert re.search(r"1 lignes? ajoutées?, 0 supprimée?s?, 2 modifiées", notice), notice
    staff.post(IMPORT, confirm_data(preview))
    assert Episode.objects.get().pk == episode.pk and Segment.objects.count() == 409


def test_a_forged_token_is_refused(staff):
    response = staff.post(IMPORT, {"step": "confirm", "files": "1", "f0-token": "forged", "f0-show": "S"})
    assert response.status_code == 302 and Episode.objects.count() == 0


def test_visitors_are_sent_to_the_login_page(client):
    response = client.get(IMPORT)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert client.post(IMPORT, {"files": [SimpleUploadedFile("a.srt", SRT)]}).status_code == 302
    assert Episode.objects.count() == 0


def test_staff_without_the_add_permission_are_refused(client):
    user = User.objects.create_user("viewer", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_episode"))
    client.force_login(user)
    assert client.get(IMPORT).status_code == 403
    assert client.post(IMPORT, {"files": [SimpleUploadedFile("a.srt", SRT)]}).status_code == 403


def test_a_logged_in_visitor_who_is_not_staff_never_reaches_the_admin(client):
    client.force_login(User.objects.create_user("visitor", password="pw"))
    for url in (IMPORT, "/admin/", "/admin/episodes/episode/", "/admin/search/glossaryentry/"):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_an_import_and_a_publication_are_in_the_history(staff):
    from django.contrib.admin.models import ADDITION, CHANGE, LogEntry

    staff.post(IMPORT, confirm_data(page(upload(staff, (SAMPLE.name, SAMPLE.read_bytes()))), **{"f0-state": "draft"}))
    episode = Episode.objects.get()
    staff.post("/admin/episodes/episode/", {"action": "publish", "_selected_action": [episode.pk]})
    entries = list(LogEntry.objects.filter(object_id=str(episode.pk)).order_by("action_time"))
    assert [entry.action_flag for entry in entries] == [ADDITION, CHANGE]
    assert SAMPLE.name in entries[0].get_change_message() and entries[0].user.username == "admin"
    assert Episode.objects.get().is_published
