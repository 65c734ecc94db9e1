"""Correcting a transcript: services, and the admin editor with its history."""

import pytest
from bs4 import BeautifulSoup
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User

from episodes.messages import translated
from episodes.models import Person, Segment
from episodes.parsing import TranscriptError, limits, parse_transcript
from episodes.services import EditError, edit_segment, give_speaker, merge_with_next, split_segment
from search.models import IndexJob
from tests.conftest import index_now
from tests.factories import make_person


def line(episode, start_ms: int) -> Segment:
    return episode.segments.get(start_ms=start_ms)


def positions(episode) -> list[int]:
    return list(episode.segments.order_by("position").values_list("position", flat=True))


def edit_url(episode) -> str:
    return f"/admin/episodes/episode/{episode.pk}/transcript/"


def test_a_corrected_line_is_searchable_by_its_new_words(client, sample_episode):
    edit_segment(segment=line(sample_episode, 1_309_000), text="Vous pensez à NIS2, par exemple ?", speaker="Delphine")
    index_now()
    results = client.get("/api/search/", {"q": "NIS2"}).json()["results"]
    at_2149 = next(r for r in results if r["timestamp"] == "21:49")
    assert at_2149["matched_variant"] is None and "<mark>NIS2</mark>" in at_2149["highlighted"]
    assert line(sample_episode, 1_309_000).speaker == "Delphine"


def test_moving_a_line_moves_the_end_of_the_one_before(sample_episode):
    moved = edit_segment(segment=line(sample_episode, 1_309_000), text="Vous pensez à Nice 2 ?", start_ms=1_308_000)
    before = sample_episode.segments.get(position=moved.position - 1)
    assert (before.end_ms, moved.start_ms) == (1_308_000, 1_308_000)


def test_a_line_cannot_move_past_its_neighbours_or_lose_its_text(sample_episode):
    with pytest.raises(EditError, match="between the lines before and after"):
        edit_segment(segment=line(sample_episode, 1_309_000), text="x", start_ms=1_400_000)
    with pytest.raises(EditError, match="needs text"):
        edit_segment(segment=line(sample_episode, 1_309_000), text="   ")
    assert line(sample_episode, 1_309_000).text == "Vous pensez à Nice 2, par exemple ?"


def test_splitting_makes_two_lines_in_order(sample_episode):
    segment = line(sample_episode, 1_310_000)
    at = segment.text.index("c'est-à-dire")
    new = split_segment(segment=segment, at=at, start_ms=1_315_000)
    first = line(sample_episode, 1_310_000)
    assert first.text.endswith("principalement Nice 2,") and first.end_ms == 1_315_000
    assert new.text.startswith("c'est-à-dire") and new.position == first.position + 1
    assert positions(sample_episode) == list(range(409))


def test_merging_joins_a_line_with_the_next(sample_episode):
    merged = merge_with_next(segment=line(sample_episode, 1_309_000))
    assert merged.text.startswith("Vous pensez à Nice 2, par exemple ? On pense à Nice 2")
    assert merged.end_ms == 1_322_000
    assert positions(sample_episode) == list(range(407))
    with pytest.raises(EditError, match="last line"):
        merge_with_next(segment=sample_episode.segments.order_by("-position").first())


def test_the_editor_saves_a_correction_and_records_it_in_the_history(editor, sample_episode, client):
    segment = line(sample_episode, 1_309_000)
    response = editor.post(
        edit_url(sample_episode),
        {"segment": segment.pk, "action": "save", "start": "21:49", "speaker": "", "text": "Vous pensez à NIS2 ?"},
    )
    assert response.status_code == 302 and response["Location"].endswith(f"#line-{segment.pk}")
    assert line(sample_episode, 1_309_000).text == "Vous pensez à NIS2 ?"
    entry = LogEntry.objects.get(object_id=str(sample_episode.pk))
    assert entry.user.username == "editor" and "Vous pensez à NIS2 ?" in entry.get_change_message()
    index_now()
    assert "NIS2" in client.get(f"{sample_episode.get_absolute_url()}?t=1309").content.decode()


def test_the_editor_splits_and_merges(editor, sample_episode):
    segment = line(sample_episode, 1_310_000)
    editor.post(
        edit_url(sample_episode),
        {"segment": segment.pk, "action": "split", "split_words": "c'est-à-dire", "split_start": "21:55"},
    )
    assert sample_episode.segments.count() == 409
    editor.post(edit_url(sample_episode), {"segment": segment.pk, "action": "merge"})
    assert sample_episode.segments.count() == 408
    assert LogEntry.objects.filter(object_id=str(sample_episode.pk)).count() == 2


def test_the_editor_explains_a_refused_correction(editor, sample_episode):
    segment = line(sample_episode, 1_309_000)
    response = editor.post(
        edit_url(sample_episode), {"segment": segment.pk, "action": "save", "start": "99:00", "text": "x"}, follow=True
    )
    assert "entre les lignes précédente et suivante" in response.content.decode()
    assert not LogEntry.objects.exists()


def test_the_editor_refuses_in_the_staff_language(editor, sample_episode, pretend_translations):
    refusal = "the new time must stay between the lines before and after"
    pretend_translations({refusal: "L'HEURE DOIT RESTER ENTRE LES LIGNES VOISINES"})
    segment = line(sample_episode, 1_309_000)
    response = editor.post(
        edit_url(sample_episode), {"segment": segment.pk, "action": "save", "start": "99:00", "text": "x"}, follow=True
    )
    shown = BeautifulSoup(response.content, "html.parser").select_one(".messagelist .error").text
    assert shown.endswith("L'HEURE DOIT RESTER ENTRE LES LIGNES VOISINES")


def test_a_typed_line_is_refused_in_the_staff_language(editor, sample_episode, pretend_translations):
    refusal = "line too long: %(length)s characters (at most %(max)s per line)"
    pretend_translations({refusal: "LIGNE TROP LONGUE : %(length)s caractères (au plus %(max)s)"})
    segment = line(sample_episode, 1_309_000)
    response = editor.post(
        edit_url(sample_episode), {"segment": segment.pk, "action": "save", "text": "a" * 10_001}, follow=True
    )
    shown = BeautifulSoup(response.content, "html.parser").select_one(".messagelist .error").text
    assert shown.endswith("LIGNE TROP LONGUE : 10\xa0001 caractères (au plus 10\xa0000)")


def test_the_editor_lists_lines_a_page_at_a_time(editor, sample_episode):
    page = editor.get(edit_url(sample_episode), {"page": 5}).content.decode()
    assert page.count('class="line-form"') == 8
    assert "Excellente journée." in page


def test_only_staff_who_may_change_episodes_reach_the_editor(client, sample_episode):
    client.force_login(User.objects.create_user("viewer", password="pw", is_staff=True))
    assert client.get(edit_url(sample_episode)).status_code == 403
    assert client.post(edit_url(sample_episode), {"segment": 1, "action": "merge"}).status_code == 403


def import_refusal(data: bytes) -> str:
    """What the file import says about these bytes."""
    with pytest.raises(TranscriptError) as error:
        parse_transcript(data, "bad.txt")
    return error.value.message


NUL_WORDS = import_refusal(b"00:00Vous pensez \x00\n")
BELL_WORDS = import_refusal(b"00:00Vous pensez \x07\n")
LONG_WORDS = import_refusal(b"00:00" + b"a" * 10_001 + b"\n00:01Suite\n")


@pytest.mark.parametrize(("text", "words"), [("Vous\x00 pensez", NUL_WORDS), ("Vous\x07 pensez", BELL_WORDS)])
def test_a_correction_with_control_characters_is_refused_as_the_import_refuses_them(sample_episode, text, words):
    with pytest.raises(EditError) as error:
        edit_segment(segment=line(sample_episode, 1_309_000), text=text)
    assert str(error.value) == words
    assert line(sample_episode, 1_309_000).text == "Vous pensez à Nice 2, par exemple ?"


def test_a_speaker_with_control_characters_is_refused(sample_episode):
    with pytest.raises(EditError, match="binary"):
        edit_segment(segment=line(sample_episode, 1_309_000), text="Vous pensez ?", speaker="Delphine\x00")


def test_a_correction_longer_than_a_line_may_be_is_refused_as_the_import_refuses_it(sample_episode):
    with pytest.raises(EditError) as error:
        edit_segment(segment=line(sample_episode, 1_309_000), text="a" * 10_001)
    assert str(error.value) == LONG_WORDS


def test_merging_into_a_line_longer_than_a_line_may_be_is_refused(sample_episode):
    first, second = line(sample_episode, 1_309_000), line(sample_episode, 1_310_000)
    Segment.objects.filter(pk__in=[first.pk, second.pk]).update(text="a" * 6_000)
    with pytest.raises(EditError, match="line too long: 12,001 characters"):
        merge_with_next(segment=first)
    assert sample_episode.segments.count() == 408


def test_splitting_past_the_most_lines_an_episode_may_have_is_refused(sample_episode, monkeypatch):
    monkeypatch.setattr(limits, "MAX_LINES", 408)
    segment = line(sample_episode, 1_310_000)
    with pytest.raises(EditError, match="too many lines: at most 408 per episode"):
        split_segment(segment=segment, at=segment.text.index("c'est-à-dire"), start_ms=1_315_000)
    assert sample_episode.segments.count() == 408


def test_the_editor_shows_the_import_s_words_for_a_nul_byte(editor, sample_episode):
    segment = line(sample_episode, 1_309_000)
    response = editor.post(
        edit_url(sample_episode), {"segment": segment.pk, "action": "save", "text": "Vous\x00 pensez"}, follow=True
    )
    with pytest.raises(TranscriptError) as refusal:
        parse_transcript(b"00:00Vous pensez \x00\n", "bad.txt")
    assert translated(refusal.value) in response.content.decode()  # in the staff's language
    assert line(sample_episode, 1_309_000).text == "Vous pensez à Nice 2, par exemple ?"
    assert not LogEntry.objects.exists()


def test_the_editor_caps_the_text_box_at_the_longest_line(editor, sample_episode):
    assert 'maxlength="10000"' in editor.get(edit_url(sample_episode)).content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"segment": "abc", "action": "save", "text": "x"},
        {"segment": "", "action": "save", "text": "x"},
        {"action": "merge"},
        {"segment": "1", "action": "explode"},
        {"segment": "1"},
        {"segment": "1", "action": "merge", "page": "2#x"},
    ],
)
def test_the_editor_answers_400_to_a_form_it_never_sent(editor, sample_episode, data):
    assert editor.post(edit_url(sample_episode), data).status_code == 400
    assert not LogEntry.objects.exists()


def test_the_editor_answers_404_for_a_line_of_no_such_episode(editor, sample_episode):
    assert editor.post(edit_url(sample_episode), {"segment": "999999", "action": "merge"}).status_code == 404


@pytest.mark.parametrize("path", ["abc", "0", "99999"])
def test_the_editor_answers_404_for_no_such_episode(editor, sample_episode, path):
    assert editor.get(f"/admin/episodes/episode/{path}/transcript/").status_code == 404
    assert (
        editor.post(f"/admin/episodes/episode/{path}/transcript/", {"segment": "1", "action": "merge"}).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "save", "start": "99999h", "text": "x"}, "99999h"),
        ({"action": "save", "start": "demain", "text": "x"}, "demain"),
        ({"action": "split", "split_words": "c'est-à-dire", "split_start": "1e400"}, "1e400"),
        (
            {"action": "split", "split_words": "c'est-à-dire", "split_start": ""},
            "indiquez l’heure à laquelle commence la seconde ligne",
        ),
    ],
)
def test_the_editor_explains_a_time_it_cannot_read(editor, sample_episode, data, message):
    segment = line(sample_episode, 1_310_000)
    response = editor.post(edit_url(sample_episode), {"segment": segment.pk, **data}, follow=True)
    assert response.status_code == 200
    error = BeautifulSoup(response.content, "html.parser").select_one(".messagelist .error").get_text()
    assert error.startswith("21:50") and message in error
    assert sample_episode.segments.count() == 408 and not LogEntry.objects.exists()


def speakers_from(episode, first_ms: int, last_ms: int) -> list[str]:
    return list(
        episode.segments.filter(start_ms__gte=first_ms, start_ms__lte=last_ms)
        .order_by("position")
        .values_list("speaker", flat=True)
    )


def give(editor, episode, first: str, last: str, person) -> object:
    data = {"action": "give_speaker", "page": "1", "range-first": first, "range-last": last}
    return editor.post(edit_url(episode), {**data, "range-person": getattr(person, "pk", person)})


def test_the_editor_gives_a_speaker_to_a_range_of_lines_and_records_it(editor, sample_episode):
    decrop = Person.objects.get(name="Dorothée Decrop")
    response = give(editor, sample_episode, "00:31", "00:39", decrop)
    assert response.status_code == 302
    assert speakers_from(sample_episode, 31_000, 39_999) == ["Dorothée Decrop"] * 4
    # The lines just before and after keep theirs.
    assert speakers_from(sample_episode, 28_000, 30_999) + speakers_from(sample_episode, 42_000, 42_999) == ["", ""]
    entry = LogEntry.objects.get(object_id=str(sample_episode.pk))
    assert entry.user.username == "editor"
    assert "Dorothée Decrop" in entry.get_change_message() and "00:31–00:39" in entry.get_change_message()
    page = editor.get(response["Location"]).content.decode()
    assert "00:31–00:39" in page  # the message that says what was done


@pytest.mark.whoosh("index jobs")
def test_a_speaker_given_to_a_range_is_sent_to_the_search_index(editor, sample_episode):
    IndexJob.objects.all().delete()
    give(editor, sample_episode, "00:31", "00:39", Person.objects.get(name="Dorothée Decrop"))
    assert IndexJob.objects.filter(episode_id=sample_episode.pk).exists()


def test_the_editor_offers_only_the_episode_s_people(editor, sample_episode):
    make_person("Yann LeCun")
    page = BeautifulSoup(editor.get(edit_url(sample_episode)).content, "html.parser")
    offered = [option.text for option in page.select("select[name=range-person] option") if option["value"]]
    assert sorted(offered) == ["Alain Staron", "Delphine Sabattier", "Dorothée Decrop", "Louis Soris", "Marc Kaplan"]


@pytest.mark.parametrize(
    ("first", "last", "person", "field"),
    [
        ("00:33", "00:38", "Dorothée Decrop", "first"),  # no line starts in it
        ("00:39", "00:31", "Dorothée Decrop", "last"),  # ends before it starts
        ("00:31", "45:00", "Dorothée Decrop", "last"),  # past the end of the episode
        ("demain", "00:39", "Dorothée Decrop", "first"),
        ("", "00:39", "Dorothée Decrop", "first"),
        ("00:31", "00:39", "Yann LeCun", "person"),  # not one of the episode's people
        ("00:31", "00:39", "", "person"),
    ],
)
def test_the_editor_refuses_a_bad_range_at_its_field_and_changes_nothing(
    editor, sample_episode, first, last, person, field
):
    make_person("Yann LeCun")
    chosen = Person.objects.filter(name=person).first() or person
    response = give(editor, sample_episode, first, last, chosen)
    assert response.status_code == 200
    page = BeautifulSoup(response.content, "html.parser")
    label = page.select_one(f"label[for=id_range-{field}]").get_text().rstrip(" :\xa0")
    error = page.select_one(f"#id_range-{field}_error").get_text(" ", strip=True)
    assert error.startswith(f"{label}:") or error.startswith(f"{label} :")
    assert f"id_range-{field}_error" in page.select_one(f"#id_range-{field}")["aria-describedby"]
    assert set(sample_episode.segments.values_list("speaker", flat=True)) == {""}
    assert not LogEntry.objects.exists()


def test_the_range_service_writes_nothing_for_someone_outside_the_episode_or_an_empty_range(sample_episode):
    stranger = make_person("Yann LeCun")
    with pytest.raises(EditError, match="not among the episode's people"):
        give_speaker(episode=sample_episode, first_ms=31_000, last_ms=39_000, person=stranger)
    with pytest.raises(EditError, match="no line starts"):
        give_speaker(
            episode=sample_episode, first_ms=33_000, last_ms=38_000, person=Person.objects.get(name="Marc Kaplan")
        )
    assert set(sample_episode.segments.values_list("speaker", flat=True)) == {""}


def test_saving_a_line_that_starts_between_seconds_keeps_its_time(editor, sample_episode):
    Segment.objects.filter(pk=line(sample_episode, 1_309_000).pk).update(start_ms=1_309_250)
    segment = line(sample_episode, 1_309_250)
    page = BeautifulSoup(editor.get(edit_url(sample_episode), {"page": 4}).content, "html.parser")
    start = page.select_one(f"#line-{segment.pk} input[name=start]")["value"]
    assert start == "21:49.250"
    correction = {"segment": segment.pk, "action": "save", "start": start, "text": "Vous pensez à NIS2 ?"}
    editor.post(edit_url(sample_episode), correction)
    assert line(sample_episode, 1_309_250).text == "Vous pensez à NIS2 ?"


def test_a_refused_range_shows_what_was_typed_as_text(editor, sample_episode):
    response = give(editor, sample_episode, "<b>31</b>", "00:39", Person.objects.get(name="Dorothée Decrop"))
    page = BeautifulSoup(response.content, "html.parser")
    assert "<b>31</b>" in page.select_one("#id_range-first_error").get_text()
    assert page.select_one("#id_range-first_error b") is None
