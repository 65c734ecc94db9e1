import datetime
import itertools

import pytest
from django.core.files.storage import default_storage

from episodes import services
from episodes.models import Appearance, Episode, Person, Segment, Show
from episodes.parsing import TranscriptError
from episodes.services import import_transcript
from tests.factories import make_show

pytestmark = pytest.mark.django_db

SRT = b"1\n00:00:01,000 --> 00:00:03,000\nBonjour.\n\n2\n00:00:03,000 --> 00:00:09,000\nAu revoir.\n"


def import_sample(sample_bytes: bytes, **kwargs):
    return import_transcript(data=sample_bytes, filename="smart-tech-2025-06-19.txt", **kwargs)


def test_it_stores_the_sample_as_one_published_episode(sample_bytes):
    result = import_sample(sample_bytes)
    episode = Episode.objects.get()
    assert result.created and result.episode == episode
    assert (episode.show.name, episode.title, episode.air_date) == (
        "SMART TECH",
        "SMART TECH du 19 juin 2025",
        datetime.date(2025, 6, 19),
    )
    assert episode.slug == "smart-tech-du-19-juin-2025"
    assert episode.is_published
    assert episode.segments.count() == 408
    assert episode.duration_ms == episode.segments.last().end_ms
    assert episode.duration.startswith("28:")


def test_it_stores_the_people_with_their_roles_titles_and_organisations(sample_bytes):
    episode = import_sample(sample_bytes).episode
    rows = [(a.person.name, a.role, a.title, a.organisation) for a in episode.appearances.all()]
    assert rows[0] == ("Delphine Sabattier", "host", "", "")
    assert rows[3] == ("Dorothée Decrop", "guest", "déléguée générale", "Hexatrust")
    assert len(rows) == 5


def test_it_gives_each_segment_its_end_at_the_next_start(sample_bytes):
    episode = import_sample(sample_bytes).episode
    segments = list(episode.segments.all())
    assert [s.position for s in segments] == list(range(408))
    assert all(a.end_ms == b.start_ms for a, b in itertools.pairwise(segments))


def test_it_keeps_the_original_file_with_its_checksum(sample_bytes):
    episode = import_sample(sample_bytes).episode
    with episode.source_file.open("rb") as stored:
        assert stored.read() == sample_bytes
    assert len(episode.source_sha256) == 64
    assert episode.source_format == "text"


def test_it_replaces_a_reimported_episode_in_place(sample_bytes, django_capture_on_commit_callbacks):
    first = import_sample(sample_bytes).episode
    old_file = first.source_file.name
    edited = sample_bytes.replace("Excellente journée.".encode(), "Belle journée.".encode())
    with django_capture_on_commit_callbacks(execute=True):
        second = import_sample(edited)
    assert not second.created
    assert (second.episode.pk, second.episode.slug) == (first.pk, first.slug)
    assert Episode.objects.count() == 1
    assert Segment.objects.count() == 408
    assert Segment.objects.filter(text="Belle journée.").exists()
    assert not Segment.objects.filter(text="Excellente journée.").exists()
    assert Appearance.objects.count() == 5 and Person.objects.count() == 5
    assert not default_storage.exists(old_file)


def test_a_reimport_keeps_the_lines_it_leaves_as_they_were_and_replaces_the_others(sample_bytes):
    episode = import_sample(sample_bytes).episode
    lines = dict(episode.segments.values_list("start_ms", "pk"))
    edited = sample_bytes.replace("28:18Excellente journée.".encode(), "28:19Belle journée.".encode())
    edited = edited.replace(b"28:17On se retrouve", b"28:16On se retrouve")
    import_sample(edited)
    assert dict(episode.segments.values_list("start_ms", "pk")) == {
        **{start: pk for start, pk in lines.items() if start not in (1_697_000, 1_698_000)},
        1_696_000: lines[1_697_000],
        1_699_000: Segment.objects.get(text="Belle journée.").pk,
    }
    assert not Segment.objects.filter(pk=lines[1_698_000]).exists()


def test_it_matches_people_by_their_other_spellings(sample_bytes):
    known = Person.objects.create(name="Dorothée Décrope", slug="dd", other_spellings="Dorothee Decrop\n")
    Person.objects.create(name="LOUIS SORIS", slug="ls")
    episode = import_sample(sample_bytes).episode
    people = {a.person for a in episode.appearances.all()}
    assert known in people
    assert Person.objects.filter(name_key="louis soris").count() == 1
    assert Person.objects.count() == 5


def test_it_lets_the_caller_name_the_show_title_date_and_media(tmp_path):
    result = import_transcript(
        data=SRT,
        filename="interview.srt",
        show="Podcast Cyber",
        title="Entretien",
        air_date=datetime.date(2024, 2, 1),
        media_url="https://example.org/a.mp3",
        published=False,
    )
    episode = result.episode
    assert (episode.show.name, episode.title, episode.air_date) == (
        "Podcast Cyber",
        "Entretien",
        datetime.date(2024, 2, 1),
    )
    assert (episode.media_url, episode.is_published, episode.source_format) == (
        "https://example.org/a.mp3",
        False,
        "srt",
    )
    assert Episode.objects.published().count() == 0


def test_it_reuses_a_show_whatever_the_case(sample_bytes):
    make_show("Smart Tech")
    assert import_sample(sample_bytes).episode.show.slug == "smart-tech"
    assert Show.objects.count() == 1


def test_it_gives_a_new_episode_with_the_same_title_a_slug_of_its_own(sample_bytes):
    import_sample(sample_bytes)
    other = import_transcript(
        data=SRT,
        filename="x.srt",
        show="Autre",
        title="SMART TECH du 19 juin 2025",
        air_date=datetime.date(2025, 6, 19),
    )
    assert other.episode.slug == "smart-tech-du-19-juin-2025-2025-06-19"


def test_it_stores_nothing_for_a_file_it_cannot_read(uploads_in_tmp):
    with pytest.raises(TranscriptError):
        import_transcript(data=b"00:00Un\n00:30Deux\n00:10Trois\n", filename="bad.txt", show="S")
    assert Episode.objects.count() == Segment.objects.count() == Show.objects.count() == 0
    assert not list(uploads_in_tmp.rglob("*.*"))


def test_it_asks_for_what_the_file_does_not_say():
    with pytest.raises(TranscriptError, match="no show"):
        import_transcript(data=SRT, filename="x-2024-01-01.srt")
    with pytest.raises(TranscriptError, match="no air date"):
        import_transcript(data=SRT, filename="x.srt", show="S")
    assert Episode.objects.count() == 0


def test_it_rolls_everything_back_when_a_step_fails(sample_bytes, monkeypatch, uploads_in_tmp):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "replace_segments", broken)
    with pytest.raises(RuntimeError):
        import_sample(sample_bytes)
    assert Episode.objects.count() == Person.objects.count() == Show.objects.count() == 0
    assert not list(uploads_in_tmp.rglob("*.*"))


def test_it_keeps_the_old_transcript_when_a_reimport_fails(sample_bytes, monkeypatch):
    episode = import_sample(sample_bytes).episode
    monkeypatch.setattr(services, "replace_segments", lambda *a, **k: Segment.objects.all().delete() and 1 / 0)
    with pytest.raises(ZeroDivisionError):
        import_sample(sample_bytes)
    assert episode.segments.count() == 408
    with Episode.objects.get().source_file.open("rb") as stored:
        assert stored.read() == sample_bytes


@pytest.mark.parametrize("end", ["1e300", "1e15", "86401"])
def test_it_refuses_a_json_end_past_24_hours_and_stores_nothing(uploads_in_tmp, end):
    data = f'{{"segments": [\n{{"startTime": 0, "endTime": {end}, "body": "Bonjour."}}\n]}}'.encode()
    with pytest.raises(TranscriptError, match='"endTime" must be a number of seconds') as error:
        import_transcript(data=data, filename="ep-2024-05-06.json", show="Podcast")
    assert error.value.line == 2
    assert Episode.objects.count() == Segment.objects.count() == 0
    assert not list(uploads_in_tmp.rglob("*.*"))


def test_a_title_made_from_a_file_name_writes_the_first_of_the_month_and_the_shows_own_casing(db):
    from episodes.services import read_transcript

    vtt = b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nBonjour.\n"
    first = read_transcript(data=vtt, filename="cyber-hebdo-2025-08-01.vtt", show="Podcast Cyber")
    assert first.title == "Cyber hebdo du 1er août 2025"
    shown = read_transcript(data=vtt, filename="smart-tech-2025-06-19.vtt", show="SMART TECH")
    assert (shown.title, shown.show) == ("SMART TECH du 19 juin 2025", "SMART TECH")
    other = read_transcript(data=vtt, filename="special-ia-2025-06-19.vtt", show="SMART TECH")
    assert other.title == "Special ia du 19 juin 2025"
