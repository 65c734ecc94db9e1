"""A folder imported by several processes at once with the PostgreSQL engine (`--jobs`), each
with its own transaction: the rows one process at a time would write, the later file of one
episode kept, and one episode from two imports of a new one."""

import os
import subprocess
import sys
import time
from io import StringIO

from django.core.management import call_command
from django.utils.text import slugify

from episodes.models import Episode
from tests.conftest import REPO
from tests.episodes.test_it_imports_from_the_command_line import GUESTS, SAID, episode_text, run


def search_rows() -> tuple[dict, set, set]:
    from search.models import EpisodeTerm, SearchMoment, SpokenWord

    return (
        dict(SearchMoment.objects.values_list("segment_id", "document")),
        set(SpokenWord.objects.values_list("episode_id", "word", "moments")),
        set(EpisodeTerm.objects.values_list("episode_id", "term", "moments", "most", "first_ms")),
    )


def test_a_folder_is_imported_by_several_processes_and_holds_what_one_at_a_time_would(
    tmp_path, transactional_db, monkeypatch
):
    from episodes.management.commands import import_transcript as command
    from episodes.models import Appearance, Person, Show

    folder = tmp_path / "in"
    folder.mkdir()
    # Every file names the same new show and the same new guests: the processes create each once.
    for day in range(3, 9):
        (folder / f"podcast-2024-05-0{day}.txt").write_text(episode_text(day, GUESTS, SAID), encoding="utf-8")
    writers = tmp_path / "writers"
    store = command.store_transcript

    def store_and_note(*args, **kwargs):
        with writers.open("a") as note:
            note.write(f"{os.getpid()}\n")
        return store(*args, **kwargs)

    monkeypatch.setattr(command, "store_transcript", store_and_note)

    out, err = run(str(folder), "--jobs", "2", "--verbosity", "0")

    assert err == ""
    told = [line.split(":")[0] for line in out.splitlines()]
    assert told == [str(path) for path in sorted(folder.iterdir())]  # in the folder's order
    assert out.count("created (published, 3 segments)") == 6
    pids = set(writers.read_text().split())
    assert len(pids) == 2 and str(os.getpid()) not in pids  # two processes, not this one
    assert Show.objects.count() == 1
    assert Appearance.objects.count() == 6 * 3
    assert sorted(Person.objects.values_list("name", flat=True)) == [
        "Ana Lopez",
        "Claire Dubois",
        "Marc Kaplan",
    ]
    imported = search_rows()
    assert len(imported[0]) == 18
    call_command("rebuild_index", stdout=StringIO(), stderr=StringIO())
    assert search_rows() == imported


def test_of_two_files_of_one_episode_the_later_in_the_folder_is_kept_whichever_process_ends_first(
    tmp_path, transactional_db
):
    from episodes.management.commands import import_transcript as command
    from episodes.models import Segment

    first, later = tmp_path / "a-podcast.txt", tmp_path / "b-podcast.txt"
    first.write_text(episode_text(3, GUESTS, "Premier fichier. / Fin."), encoding="utf-8")
    later.write_text(episode_text(3, GUESTS, "Second fichier. / Fin."), encoding="utf-8")

    out, err = run(str(tmp_path), "--jobs", "2", "--verbosity", "0")

    assert Episode.objects.count() == 1
    assert list(Segment.objects.order_by("position").values_list("text", flat=True)) == [
        "Second fichier. Jour 3.",
        "Fin. Jour 3.",
    ]
    assert f"{later}: " in out and err == ""

    # The later file written first, as a process may: the earlier one then leaves it.
    options = {"show": "", "title": "", "date": None, "media_url": None, "source_url": None, "draft": False}
    command._claim_with({})
    try:
        assert command.import_one(later, options, 1).episode_id is not None
        skipped = command.import_one(first, options, 0)
    finally:
        command._claim_with(None)
    assert skipped.messages == [(False, f"{first}: not imported: {later}, later in the folder, is the same episode")]
    assert not skipped.failed
    assert list(Segment.objects.order_by("position").values_list("text", flat=True)) == [
        "Second fichier. Jour 3.",
        "Fin. Jour 3.",
    ]


def test_two_imports_of_one_new_episode_at_once_make_one_episode(tmp_path, transactional_db):
    from django.db import connection

    from episodes.services import read_transcript
    from tests.test_it_runs_on_several_servers import database_url

    file = tmp_path / "podcast.txt"
    file.write_text(episode_text(3, GUESTS, SAID), encoding="utf-8")
    env = {**os.environ, "DATABASE_URL": database_url(), "ARCHIVE_SEARCH_ENGINE": "postgres"}
    title = read_transcript(data=file.read_bytes(), filename=file.name).title
    with connection.cursor() as cursor:
        # Held here until both imports wait for it: both then go as close together as can be.
        cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", [f"episode:{slugify(title)}"])
        imports = [
            subprocess.Popen(
                [sys.executable, "manage.py", "import_transcript", str(file)],
                cwd=REPO,
                env={**env, "ARCHIVE_DATA_DIR": str(tmp_path / name)},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for name in ("one", "two")
        ]
        try:
            for _ in range(600):
                cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
                if cursor.fetchone()[0] == 2:
                    break
                time.sleep(0.1)
            else:
                raise AssertionError("the two imports did not both wait for the episode")
        finally:
            cursor.execute("SELECT pg_advisory_unlock_all()")
    results = [process.communicate(timeout=120) for process in imports]
    assert [process.returncode for process in imports] == [0, 0], results
    told = sorted(out.split(":")[1].split("(")[0].strip() for out, _err in results)
    assert told == ["created", "replaced"]
    assert Episode.objects.count() == 1
