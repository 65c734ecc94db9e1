import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from episodes import services
from episodes.models import Episode
from tests.conftest import REPO, SAMPLE

BACKWARDS = b"00:00Un\n00:30Deux\n00:10Trois\n"
SRT = b"1\n00:00:01,000 --> 00:00:03,000\nBonjour.\n"
END_1E300 = b'{"segments": [\n{"startTime": 0, "endTime": 1e300, "body": "Bonjour."}\n]}'


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_transcript", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_it_prints_the_url_of_each_imported_episode():
    out, err = run(str(SAMPLE))
    assert out.strip() == (
        f"{SAMPLE}: created (published, 408 segments) http://127.0.0.1:8000/episodes/smart-tech-du-19-juin-2025/"
    )
    assert err == ""


@pytest.mark.django_db
def test_it_reports_a_bad_file_as_file_line_message_and_stores_nothing_for_it(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(BACKWARDS)
    out = StringIO()
    err = StringIO()
    with pytest.raises(CommandError, match="1 of 2 files not imported"):
        call_command("import_transcript", str(bad), str(SAMPLE), stdout=out, stderr=err)
    assert err.getvalue().startswith(f"{bad}:3: the time goes backwards")
    assert "smart-tech-du-19-juin-2025" in out.getvalue()
    assert list(Episode.objects.values_list("title", flat=True)) == ["SMART TECH du 19 juin 2025"]


@pytest.mark.django_db
def test_it_takes_show_title_date_media_and_draft_from_options(tmp_path):
    path = tmp_path / "entretien.srt"
    path.write_bytes(SRT)
    out, _ = run(str(path), "--show", "Podcast", "--title", "Entretien", "--date", "2024-05-06",
                 "--media-url", "https://example.org/e.mp3", "--draft")  # fmt: skip
    episode = Episode.objects.get()
    assert (episode.show.name, episode.title, str(episode.air_date)) == ("Podcast", "Entretien", "2024-05-06")
    assert (episode.media_url, episode.is_published) == ("https://example.org/e.mp3", False)
    assert "created (draft, 1 segments)" in out


@pytest.mark.django_db
def test_it_keeps_the_source_page_given(tmp_path):
    run(str(SAMPLE), "--source-url", "https://www.example.org/smart-tech-19-juin")
    assert Episode.objects.get().source_url == "https://www.example.org/smart-tech-19-juin"


@pytest.mark.django_db
def test_it_says_what_is_missing_when_the_file_does_not_name_its_show(tmp_path):
    path = tmp_path / "entretien-2024-05-06.srt"
    path.write_bytes(SRT)
    with pytest.raises(CommandError):
        run(str(path))
    assert Episode.objects.count() == 0


@pytest.mark.django_db
def test_it_reports_a_missing_file(tmp_path):
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_transcript", str(tmp_path / "nope.srt"), stderr=err)
    assert err.getvalue().strip() == f"{tmp_path / 'nope.srt'}: cannot read the file: No such file or directory"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "19/06/2025"], "argument --date: '19/06/2025' is not a date like 2025-06-19"),
        (["--media-url", "javascript:alert(1)"], r"argument --media-url: .* is not an http\(s\) URL"),
        (["--source-url", "ftp://example.org/e"], r"argument --source-url: .* is not an http\(s\) URL"),
    ],
)
def test_it_names_the_bad_option(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("import_transcript", str(SAMPLE), *args)


def test_it_refuses_one_title_for_several_files():
    with pytest.raises(CommandError, match="--title"):
        call_command("import_transcript", str(SAMPLE), str(SAMPLE), "--title", "X")


def manage(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "ARCHIVE_DATA_DIR": str(data_dir)}
    # An archive of its own on SQLite, searched with the default engine.
    env.pop("DATABASE_URL", None)
    env.pop("ARCHIVE_SEARCH_ENGINE", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )


def test_it_exits_non_zero_with_file_and_line_from_a_real_shell(tmp_path):
    assert manage(tmp_path, "migrate", "-v0").returncode == 0
    bad = tmp_path / "bad.txt"
    bad.write_bytes(BACKWARDS)
    result = manage(tmp_path, "import_transcript", str(bad))
    assert result.returncode == 1
    assert f"{bad}:3: the time goes backwards" in result.stderr
    assert "Traceback" not in result.stderr
    result = manage(tmp_path, "import_transcript", str(SAMPLE))
    assert result.returncode == 0
    assert "/episodes/smart-tech-du-19-juin-2025/" in result.stdout


@pytest.mark.django_db
def test_a_folder_imports_every_transcript_in_it_and_all_are_searchable_when_it_returns(tmp_path, search_index):
    from search.moments import Filters, find_moments

    (tmp_path / "2024").mkdir()
    (tmp_path / "entretien-2024-05-03.srt").write_bytes(SRT.replace(b"Bonjour.", b"Bonjour le 3."))
    # Saved web pages too, recognised by what they hold.
    (tmp_path / "2024" / "entretien-2024-05-04.html").write_bytes(b"<!doctype html><p>00:01 Bonjour le 4.</p>")
    (tmp_path / "2024" / "entretien-2024-05-05.htm").write_bytes(b"<p><span>00:01</span>Bonjour le 5.</p>")
    (tmp_path / "cover.png").write_bytes(b"\x89PNG")
    (tmp_path / ".notes.txt").write_bytes(b"not a transcript")

    out, err = run(str(tmp_path), "--show", "Podcast")
    assert out.count("created (published, 1 segments)") == 3
    # Several files: how far along, on standard error, and nothing else there.
    assert err.startswith("3 / 3 files (100%) · ") and " lines/s · in " in err and err.count("\n") == 1
    # (Named one by one: the uploads folder, where the originals now are, is in tmp_path too.)
    files = [str(tmp_path / "entretien-2024-05-03.srt"), str(tmp_path / "2024" / "entretien-2024-05-04.html")]
    out, err = run(*files, "--show", "Podcast", "--verbosity", "0")
    assert out.count("replaced (published, 1 segments)") == 2 and err == ""
    assert sorted(str(day) for day in Episode.objects.values_list("air_date", flat=True)) == [
        "2024-05-03", "2024-05-04", "2024-05-05",
    ]  # fmt: skip
    assert find_moments("bonjour", Filters()).count == 3


@pytest.mark.django_db
def test_a_folder_without_transcripts_is_named_in_the_error(tmp_path):
    (tmp_path / "cover.png").write_bytes(b"\x89PNG")
    with pytest.raises(CommandError, match=f"{tmp_path}: no .txt, .srt, .vtt, .json or .html file in this folder"):
        run(str(tmp_path))
    assert not Episode.objects.exists()


def good_bad_good(folder: Path, bad: bytes) -> Path:
    """A folder of three episodes, the second one bad; returns the bad file."""
    (folder / "a-2024-05-03.srt").write_bytes(SRT)
    (folder / "b-2024-05-04.json").write_bytes(bad)
    (folder / "c-2024-05-05.srt").write_bytes(SRT)
    return folder / "b-2024-05-04.json"


def imported_days() -> list[str]:
    return sorted(str(day) for day in Episode.objects.values_list("air_date", flat=True))


@pytest.mark.django_db
def test_a_bad_file_in_a_folder_is_reported_and_both_good_files_are_imported(tmp_path, uploads_in_tmp):
    bad = good_bad_good(tmp_path, END_1E300)
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="1 of 3 files not imported"):
        call_command("import_transcript", str(tmp_path), "--show", "Podcast", stdout=out, stderr=err)
    assert err.getvalue().startswith(f'{bad}:2: segment 1: "endTime" must be a number of seconds')
    assert out.getvalue().count("created (published, 1 segments)") == 2
    assert imported_days() == ["2024-05-03", "2024-05-05"]
    assert len(list(uploads_in_tmp.rglob("*.*"))) == 2


@pytest.mark.django_db
def test_a_file_that_fails_while_being_stored_is_reported_without_a_traceback(tmp_path, uploads_in_tmp, monkeypatch):
    save = services.save_transcript

    def overflowing(*, transcript, **kwargs):
        if transcript.air_date.day == 4:
            raise OverflowError("Python int too large to convert to SQLite INTEGER")
        return save(transcript=transcript, **kwargs)

    monkeypatch.setattr(services, "save_transcript", overflowing)
    bad = good_bad_good(tmp_path, SRT)
    err = StringIO()
    with pytest.raises(CommandError, match="1 of 3 files not imported"):
        call_command("import_transcript", str(tmp_path), "--show", "Podcast", stdout=StringIO(), stderr=err)
    message, progress = err.getvalue().splitlines()
    assert message == f"{bad}: not imported: Python int too large to convert to SQLite INTEGER"
    assert progress.startswith("3 / 3 files (100%) · ")
    assert imported_days() == ["2024-05-03", "2024-05-05"]
    assert len(list(uploads_in_tmp.rglob("*.*"))) == 2


def test_a_json_time_past_24_hours_gives_file_and_line_from_a_real_shell(tmp_path):
    assert manage(tmp_path, "migrate", "-v0").returncode == 0
    folder = tmp_path / "in"
    folder.mkdir()
    bad = good_bad_good(folder, END_1E300)
    result = manage(tmp_path, "import_transcript", str(folder), "--show", "Podcast")
    assert result.returncode == 1
    assert f'{bad}:2: segment 1: "endTime" must be a number of seconds' in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout.count("created (published, 1 segments)") == 2


def episode_text(day: int, people: str, words: str) -> str:
    """A transcript in the show page's form: its date, who is on it, then its lines."""
    header = f"- {day:02d}/05/2024\nJeudi {day} mai 2024, retrouvez {people} dans Podcast Test, "
    header += "une émission présentée par Ana Lopez.\n"
    lines = [
        f"00:{second:02d}{text} Jour {day}." for second, text in zip(range(0, 60, 7), words.split(" / "), strict=False)
    ]
    return header + "\n".join(lines) + "\n"


SAID = "Le calcul quantique, c'est la suite. / Il y a la suite, et il y a NIS2. / C'est la fin."
GUESTS = "Marc Kaplan (fondateur, VeriQloud) et Claire Dubois (députée, Assemblée nationale)"
