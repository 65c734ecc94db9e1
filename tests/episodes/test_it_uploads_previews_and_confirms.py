"""Staff upload transcripts in the admin, check what was understood, then confirm or cancel."""

import datetime
import re

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DataError
from django.test import Client

from episodes.models import FORMAT_LABELS, Episode, Person, Segment
from episodes.parsing import TranscriptError, TranscriptFormat
from episodes.uploads import pending_from_token
from search.models import IndexJob
from tests.conftest import SAMPLE, SAVED_PAGE, index_now
from tests.factories import make_person

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
    form = preview.select_one('button[value="cancel"]').find_parent("form")
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
    assert preview.select_one('input[name="f-0-show"]')["value"] == "SMART TECH"
    assert preview.select_one('input[name="f-0-title"]')["value"] == "SMART TECH du 19 juin 2025"
    assert preview.select_one('input[name="f-0-air_date"]')["value"] == "2025-06-19"
    text = " ".join(preview.get_text(" ").split())
    assert "408 segments" in text
    assert "Bonjour à tous, Smartech dans un nouveau studio" in text and "Excellente journée." in text
    names = [field["value"] for field in preview.select('input[name$="-name"][value]')]
    assert names == ["Delphine Sabattier", "Louis Soris", "Marc Kaplan", "Dorothée Decrop", "Alain Staron"]
    assert preview.select_one('input[name="f-0-people-3-title"]')["value"] == "déléguée générale"
    assert Episode.objects.count() == Segment.objects.count() == Person.objects.count() == 0
    assert len(pending_files(uploads_in_tmp)) == 1


def test_a_saved_web_page_is_previewed_as_the_same_episode(staff):
    preview = page(upload(staff, (SAVED_PAGE.name, SAVED_PAGE.read_bytes())))
    assert preview.select_one('input[name="f-0-title"]')["value"] == "SMART TECH du 19 juin 2025"
    assert preview.select_one('input[name="f-0-air_date"]')["value"] == "2025-06-19"
    text = " ".join(preview.get_text(" ").split())
    assert "408 segments" in text and "Page web (HTML)" in text
    names = [field["value"] for field in preview.select('input[name$="-name"][value]')]
    assert names == ["Delphine Sabattier", "Louis Soris", "Marc Kaplan", "Dorothée Decrop", "Alain Staron"]
    assert Episode.objects.count() == 0


@pytest.mark.whoosh("index jobs")
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


@pytest.mark.postgres("moments written in the change's own transaction")
def test_confirm_stores_the_episode_and_it_is_searchable_at_once(staff, client):
    preview = page(upload(staff, (SAMPLE.name, SAMPLE.read_bytes())))
    staff.post(IMPORT, confirm_data(preview))
    episode = Episode.objects.get()
    assert episode.is_published and episode.segments.count() == 408
    assert not IndexJob.objects.exists()
    assert "Indexation en cours" not in staff.get("/admin/episodes/episode/").content.decode()
    assert client.get("/api/search/", {"q": "quantique"}).json()["count"] == 22


def test_confirm_stores_what_staff_corrected(staff):
    make_person("Dorothée Decrop", other_spellings="Dorothee Décrope")
    preview = page(upload(staff, (SAMPLE.name, SAMPLE.read_bytes())))
    assert "correspond à" in preview.get_text() or "matches" in preview.get_text()
    changes = {
        "f-0-title": "Le débrief du 19 juin",
        "f-0-state": "draft",
        "f-0-people-1-title": "avocat",
        "f-0-people-2-DELETE": "on",
        "f-0-people-5-name": "Ana Lopez",
        "f-0-people-5-role": "guest",
        "f-0-people-5-title": "CEO",
        "f-0-people-5-organisation": "Acme",
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


BACKWARDS = "the time goes backwards: %(at)s comes after %(before)s (line %(before_line)s)"


def test_a_bad_file_is_explained_in_the_staff_language(staff, pretend_translations):
    pretend_translations({BACKWARDS: "le temps recule : %(at)s après %(before)s (ligne %(before_line)s)"})
    preview = page(upload(staff, ("bad.txt", b"00:00Un\n00:30Deux\n00:10Trois\n")))
    assert preview.select_one(".errornote").text == "bad.txt:3: le temps recule : 00:10 après 00:30 (ligne 2)"


def test_the_preview_warns_in_the_staff_language(staff, pretend_translations):
    pretend_translations({"%(time)s has no text; line skipped": "%(time)s sans texte : ligne ignorée"})
    preview = page(upload(staff, ("ok.txt", b"00:00Un\n00:05\n00:10Deux\n"), show="Podcast"))
    warnings = [item.text for item in preview.select(".messagelist .warning")]
    assert warnings == ["ok.txt:2: 00:05 sans texte : ligne ignorée"]


def test_an_upload_that_expired_is_refused_in_the_staff_language(staff, pretend_translations):
    refusal = "this upload expired or is not valid; upload the file again"
    pretend_translations({refusal: "ENVOI EXPIRÉ"})
    preview = page(upload(staff, srt_file(0), show="Podcast"))
    data = confirm_data(preview, **{"f-0-token": "forged"})
    staff.post(IMPORT, data)
    assert "ENVOI EXPIRÉ" in shown_messages(staff)


def test_a_bad_file_is_shown_with_its_line_and_nothing_is_stored(staff, uploads_in_tmp):
    preview = page(upload(staff, ("bad.txt", b"00:00Un\n00:30Deux\n00:10Trois\n")))
    assert "bad.txt:3: le temps recule" in preview.select_one(".errornote").text
    assert preview.select_one('button[value="confirm"]') is None
    assert Episode.objects.count() == 0 and pending_files(uploads_in_tmp) == []


def test_several_files_are_previewed_and_imported_together(staff):
    preview = page(upload(staff, (SAMPLE.name, SAMPLE.read_bytes()), ("entretien-2024-02-01.srt", SRT)))
    assert preview.select_one('input[name="f-0-show"]')["value"] == "SMART TECH"
    assert preview.select_one('input[name="f-1-show"]').get("value", "") == ""
    assert preview.select_one('input[name="f-1-air_date"]')["value"] == "2024-02-01"
    response = staff.post(IMPORT, confirm_data(preview, **{"f-1-show": "Podcast"}))
    assert response.status_code == 302 and response["Location"] == "/admin/episodes/episode/"
    assert sorted(Episode.objects.values_list("show__name", flat=True)) == ["Podcast", "SMART TECH"]


def test_a_missing_show_is_asked_for_before_anything_is_stored(staff):
    preview = page(upload(staff, ("entretien-2024-02-01.srt", SRT)))
    again = page(staff.post(IMPORT, confirm_data(preview)))
    assert again.select_one(".errors input[name='f-0-show']") or "f-0-show" in str(
        again.select_one(".errorlist").parent
    )
    assert Episode.objects.count() == 0


def field_error(preview: BeautifulSoup, name: str) -> str:
    """The error shown at a field: in its row, pointed to by the field, naming it."""
    field = preview.select_one(f"input[name='{name}']")
    error = preview.select_one(f"#{field['id']}_error")
    assert error is not None and error.find_parent(class_="form-row") is field.find_parent(class_="form-row")
    assert error["id"] in field["aria-describedby"]
    label = preview.select_one(f"label[for='{field['id']}']").get_text().rstrip(" :\xa0")
    text = error.get_text(" ", strip=True)
    assert text.startswith((f"{label}:", f"{label} :")), text
    return text


def test_a_show_the_file_does_not_give_is_asked_for_at_its_field(staff):
    preview = page(upload(staff, ("entretien-2024-02-01.srt", SRT)))
    field_error(preview, "f-0-show")
    assert preview.select_one("#id_f-0-title_error") is None and preview.select_one("#id_f-0-air_date_error") is None
    again = page(staff.post(IMPORT, confirm_data(preview)))
    field_error(again, "f-0-show")
    assert Episode.objects.count() == 0


def test_the_preview_gives_the_format_by_its_name(staff):
    preview = page(upload(staff, ("entretien-2024-02-01.srt", SRT), (SAMPLE.name, SAMPLE.read_bytes())))
    text = " ".join(preview.get_text(" ").split())
    assert str(FORMAT_LABELS[TranscriptFormat.SRT]) in text
    assert str(FORMAT_LABELS[TranscriptFormat.SHOW_PAGE]) in text and "format text" not in text


def test_given_fields_apply_to_every_file(staff):
    preview = page(upload(staff, (SAMPLE.name, SAMPLE.read_bytes()), ("entretien-2024-02-01.srt", SRT), show="Podcast"))
    assert [preview.select_one(f'input[name="f-{i}-show"]')["value"] for i in (0, 1)] == ["Podcast", "Podcast"]


def test_a_file_can_be_left_out_at_confirmation(staff):
    preview = page(upload(staff, (SAMPLE.name, SAMPLE.read_bytes()), ("entretien-2024-02-01.srt", SRT), show="Podcast"))
    data = confirm_data(preview)
    data.pop("f-1-include")
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
    data = {"step": "confirm", "f-TOTAL_FORMS": "1", "f-INITIAL_FORMS": "0", "f-0-token": "forged", "f-0-show": "S"}
    response = staff.post(IMPORT, data)
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

    staff.post(IMPORT, confirm_data(page(upload(staff, (SAMPLE.name, SAMPLE.read_bytes()))), **{"f-0-state": "draft"}))
    episode = Episode.objects.get()
    staff.post("/admin/episodes/episode/", {"action": "publish", "_selected_action": [episode.pk]})
    entries = list(LogEntry.objects.filter(object_id=str(episode.pk)).order_by("action_time"))
    assert [entry.action_flag for entry in entries] == [ADDITION, CHANGE]
    assert SAMPLE.name in entries[0].get_change_message() and entries[0].user.username == "admin"
    assert Episode.objects.get().is_published


# Hardening: the same episode twice, a batch that fails midway, many files, a second confirm.


def srt_file(day: int, text: str = "Bonjour") -> tuple[str, bytes]:
    """A small SRT file named by its air date (2024-01-01 plus `day` days)."""
    date = datetime.date(2024, 1, 1) + datetime.timedelta(days=day)
    return f"entretien-{date:%Y-%m-%d}.srt", SRT.replace(b"Bonjour", f"{text} {day}".encode())


def file_block(preview: BeautifulSoup, filename: str):
    """The part of the preview page about one file."""
    return next(h2.find_parent("fieldset") for h2 in preview.select("fieldset h2") if h2.text.strip() == filename)


def block_text(preview: BeautifulSoup, filename: str) -> str:
    return " ".join(file_block(preview, filename).get_text(" ").split())


def shown_messages(client) -> str:
    return " ".join(page(client.get(IMPORT)).select_one(".messagelist").get_text(" ").split())


SAME_EPISODE = {"show": "Podcast", "title": "Même épisode", "air_date": "2024-02-01"}


def test_the_preview_names_the_other_files_of_the_upload_that_are_the_same_episode(staff):
    preview = page(upload(staff, ("a.srt", SRT), ("b.srt", SRT), ("c.srt", SRT), **SAME_EPISODE))
    a, b, c = (
        file_block(preview, name).select_one(".same-episode").get_text(" ") for name in ("a.srt", "b.srt", "c.srt")
    )
    assert "b.srt" in a and "c.srt" in a and "a.srt" not in a
    assert "a.srt" in b and "c.srt" in b
    assert "a.srt" in c and "b.srt" in c


def test_files_of_different_episodes_are_not_said_to_be_the_same(staff):
    preview = page(upload(staff, srt_file(0), srt_file(1), show="Podcast"))
    assert preview.select(".same-episode") == []


def test_confirming_files_of_the_same_episode_is_refused_on_each_and_stores_nothing(staff, uploads_in_tmp):
    preview = page(upload(staff, ("a.srt", SRT), ("b.srt", SRT), ("c.srt", SRT), **SAME_EPISODE))
    again = page(staff.post(IMPORT, confirm_data(preview)))
    assert "b.srt" in block_text(again, "a.srt") and "c.srt" in block_text(again, "a.srt")
    for name in ("a.srt", "b.srt", "c.srt"):
        assert file_block(again, name).select_one(".errorlist"), name
    assert Episode.objects.count() == 0 and len(pending_files(uploads_in_tmp)) == 3


def test_files_made_the_same_episode_on_the_preview_are_refused(staff):
    preview = page(upload(staff, srt_file(0), srt_file(1), show="Podcast"))
    changes = {"f-1-air_date": "2024-01-01", "f-1-title": "Même épisode", "f-0-title": "Même épisode"}
    again = page(staff.post(IMPORT, confirm_data(preview, **changes)))
    assert srt_file(1)[0] in block_text(again, srt_file(0)[0])
    assert Episode.objects.count() == 0


def test_the_same_episode_twice_imports_once_staff_retitle_one_and_untick_another(staff, uploads_in_tmp):
    preview = page(upload(staff, ("a.srt", SRT), ("b.srt", SRT), ("c.srt", SRT), **SAME_EPISODE))
    data = confirm_data(preview, **{"f-1-title": "Autre épisode"})
    data.pop("f-2-include")
    response = staff.post(IMPORT, data)
    assert response.status_code == 302
    assert sorted(Episode.objects.values_list("title", flat=True)) == ["Autre épisode", "Même épisode"]
    assert pending_files(uploads_in_tmp) == []


def fail_on_second_file(monkeypatch, error: Exception) -> None:
    """Make the second file fail inside the import, after its episode row is written."""
    from episodes import services

    replace_segments = services.replace_segments
    calls = []

    def failing(episode, transcript) -> None:
        calls.append(episode)
        replace_segments(episode, transcript)
        if len(calls) == 2:
            raise error

    monkeypatch.setattr(services, "replace_segments", failing)


@pytest.mark.parametrize(
    "error",
    [
        TranscriptError("a time is out of range", line=7),
        DataError("integer out of range"),
        OverflowError("Python int too large to convert to SQLite INTEGER"),
    ],
    ids=["transcript-error", "data-error", "overflow-error"],
)
def test_a_file_failing_at_confirm_stores_nothing_of_the_batch(staff, uploads_in_tmp, monkeypatch, error):
    preview = page(upload(staff, srt_file(0), srt_file(1), srt_file(2), show="Podcast"))
    fail_on_second_file(monkeypatch, error)
    again = page(staff.post(IMPORT, confirm_data(preview)))
    assert Episode.objects.count() == Segment.objects.count() == 0
    assert file_block(again, srt_file(1)[0]).select_one(".errorlist")
    assert again.select_one(".errornote")
    assert len(pending_files(uploads_in_tmp)) == 3
    assert list((uploads_in_tmp / "transcripts").glob("*")) == []


def test_a_file_failing_at_confirm_is_shown_with_its_line(staff, monkeypatch):
    preview = page(upload(staff, srt_file(0), srt_file(1), srt_file(2), show="Podcast"))
    fail_on_second_file(monkeypatch, TranscriptError("a time is out of range", line=7))
    again = page(staff.post(IMPORT, confirm_data(preview)))
    assert f"{srt_file(1)[0]}:7: a time is out of range" in block_text(again, srt_file(1)[0])


def test_a_file_failing_at_confirm_is_explained_in_the_staff_language(staff, monkeypatch, pretend_translations):
    pretend_translations({"the file names no show: give the show's name": "LE FICHIER NE NOMME AUCUNE ÉMISSION"})
    preview = page(upload(staff, srt_file(0), srt_file(1), show="Podcast"))
    from episodes import admin_import, services

    def import_transcript(**kwargs):
        return services.import_transcript(**{**kwargs, "show": ""})  # as if the show were lost on the way

    monkeypatch.setattr(admin_import, "import_transcript", import_transcript)
    again = page(staff.post(IMPORT, confirm_data(preview)))
    errors = file_block(again, srt_file(0)[0]).select_one(".errorlist").text
    assert errors == f"{srt_file(0)[0]}: LE FICHIER NE NOMME AUCUNE ÉMISSION"


def test_after_a_failure_unticking_the_bad_file_imports_the_others(staff, uploads_in_tmp, monkeypatch):
    preview = page(upload(staff, srt_file(0), srt_file(1), srt_file(2), show="Podcast"))
    from episodes import admin_import, services

    def import_transcript(**kwargs):
        if kwargs["filename"] == srt_file(1)[0]:
            raise TranscriptError("a time is out of range", line=7)
        return services.import_transcript(**kwargs)

    monkeypatch.setattr(admin_import, "import_transcript", import_transcript)
    again = page(staff.post(IMPORT, confirm_data(preview)))
    data = confirm_data(again)
    data.pop("f-1-include")
    response = staff.post(IMPORT, data)
    assert response.status_code == 302
    assert sorted(Episode.objects.values_list("air_date", flat=True)) == [
        datetime.date(2024, 1, 1),
        datetime.date(2024, 1, 3),
    ]
    assert pending_files(uploads_in_tmp) == []


def test_a_file_changed_since_the_preview_stores_nothing_of_the_batch(staff, uploads_in_tmp):
    preview = page(upload(staff, srt_file(0), srt_file(1), show="Podcast"))
    data = confirm_data(preview)
    pending = pending_from_token(data["f-1-token"])
    (uploads_in_tmp / pending.path).write_bytes(b"changed")
    again = page(staff.post(IMPORT, data))
    assert srt_file(1)[0] in block_text(again, srt_file(1)[0])
    assert file_block(again, srt_file(1)[0]).select_one(".errorlist")
    assert Episode.objects.count() == 0


def test_the_upload_page_says_at_most_100_files_can_be_sent_at_once(staff):
    assert "100" in page(staff.get(IMPORT)).select_one('form[enctype="multipart/form-data"]').get_text(" ")


def test_101_files_get_a_clear_message_and_not_a_bare_400():
    # With CSRF checks on, as in production: the check reads the request before any view runs.
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.create_superuser("admin", "admin@example.org", "pw"))
    token = page(client.get(IMPORT)).select_one('form[enctype] input[name="csrfmiddlewaretoken"]')["value"]
    files = [SimpleUploadedFile(*srt_file(day)) for day in range(101)]
    response = client.post(IMPORT, {"files": files, "show": "Podcast", "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"] == IMPORT
    assert "100" in shown_messages(client)
    assert Episode.objects.count() == 0


def test_100_files_are_uploaded_previewed_and_confirmed(staff, uploads_in_tmp):
    preview = page(upload(staff, *(srt_file(day) for day in range(100)), show="Podcast"))
    assert len(preview.select('input[name$="-token"]')) == 100
    response = staff.post(IMPORT, confirm_data(preview))
    assert response.status_code == 302 and response["Location"] == "/admin/episodes/episode/"
    assert Episode.objects.count() == 100 and Segment.objects.count() == 200
    # The list the confirmation leads to says how much came in.
    assert "100 fichiers importés, 200 lignes en tout." in shown_messages(staff)
    assert pending_files(uploads_in_tmp) == []


def test_the_field_limit_leaves_room_for_100_files_like_the_sample(staff, settings):
    fields = len(confirm_data(page(upload(staff, (SAMPLE.name, SAMPLE.read_bytes())))))
    assert fields * 100 < settings.DATA_UPLOAD_MAX_NUMBER_FIELDS


def test_a_confirm_over_the_field_limit_gets_a_clear_message_and_not_a_bare_400(staff, settings, uploads_in_tmp):
    data = confirm_data(page(upload(staff, (SAMPLE.name, SAMPLE.read_bytes()))))
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 20
    response = staff.post(IMPORT, data)
    assert response.status_code == 302 and response["Location"] == IMPORT
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
    assert page(staff.get(IMPORT)).select_one(".messagelist .error")
    assert Episode.objects.count() == 0 and len(pending_files(uploads_in_tmp)) == 1


@pytest.mark.parametrize(
    ("changes", "removed"),
    [
        ({}, ["f-TOTAL_FORMS", "f-INITIAL_FORMS"]),
        ({"f-TOTAL_FORMS": "abc"}, []),
        ({"f-TOTAL_FORMS": "-1"}, []),
        ({"f-TOTAL_FORMS": "1000000"}, []),
        ({"f-INITIAL_FORMS": "x"}, []),
        ({"f-0-people-TOTAL_FORMS": "x"}, []),
        ({}, ["f-0-people-INITIAL_FORMS"]),
        ({}, ["f-0-token"]),
    ],
    ids=["missing", "letters", "negative", "huge", "initial", "people-letters", "people-missing", "no-token"],
)
def test_junk_in_the_confirm_form_gives_a_message_and_stores_nothing(staff, changes, removed):
    preview = page(upload(staff, (SAMPLE.name, SAMPLE.read_bytes())))
    data = confirm_data(preview, **changes)
    for name in removed:
        data.pop(name)
    response = staff.post(IMPORT, data)
    assert response.status_code in (200, 302)
    shown = page(response) if response.status_code == 200 else page(staff.get(response["Location"]))
    assert shown.select_one(".errornote, .errorlist, .messagelist .error")
    assert Episode.objects.count() == 0


def test_confirming_twice_says_it_was_already_imported(staff):
    data = confirm_data(page(upload(staff, (SAMPLE.name, SAMPLE.read_bytes()))))
    staff.post(IMPORT, data)
    response = staff.post(IMPORT, data)
    assert response.status_code == 302 and response["Location"] == "/admin/episodes/episode/"
    listing = page(staff.get(response["Location"]))
    assert SAMPLE.name in listing.select_one(".messagelist .warning, .messagelist .error").text
    assert Episode.objects.count() == 1
