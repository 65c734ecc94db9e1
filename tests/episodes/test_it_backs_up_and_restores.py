"""Backup and restore: `export_archive` writes the whole archive to a folder, `import_archive` restores
it into an empty archive, and the same searches then find the same moments.

One archive is built and exported for the whole module (in a transaction rolled back at the end, with an
index and a media folder of its own); the restore runs in a fresh data folder (SQLite and Whoosh) through
`manage.py` in subprocesses, as a person would run it."""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import override_settings

from episodes import archive
from episodes.corrections import accept_correction, propose_correction
from episodes.models import Episode, Person, Segment, Show
from episodes.services import edit_segment, give_speaker, import_transcript, set_published
from search.indexing import request_reindex
from search.models import GlossaryEntry
from tests.conftest import REPO, SAMPLE, index_now
from tests.episodes.archive_probe import described
from tests.factories import make_episode

SAMPLE_SLUG = "smart-tech-du-19-juin-2025"
DRAFT = """1
00:00:01,000 --> 00:00:04,000
Un brouillon jamais publié : zorglub et le quantique.

2
00:00:04,000 --> 00:00:07,500
Il restera un brouillon.
"""
WITHDRAWN = """WEBVTT

00:00:00.000 --> 00:00:02.250
<v Marc Kaplan>Une émission publiée, puis retirée.
"""


@dataclass(frozen=True)
class Original:
    folder: Path
    described: dict
    stdout: str
    stderr: str
    quiet_stderr: str


@contextmanager
def own_index_and_media(work: Path):
    """What the per-test fixtures give (conftest), for the module's archive."""
    from haystack import connections

    info = connections.connections_info["default"]
    old_path, info["PATH"] = info["PATH"], str(work / "whoosh")
    connections.reload("default")
    try:
        with override_settings(MEDIA_ROOT=work / "uploads"):
            yield
    finally:
        info["PATH"] = old_path
        connections.reload("default")


def build_archive() -> None:
    """A published episode with staff corrections, a draft, a withdrawn one, spellings, a glossary."""
    GlossaryEntry.objects.create(term="NIS2", variants="Nice 2\nNis 2")
    sample = import_transcript(data=SAMPLE.read_bytes(), filename=SAMPLE.name).episode
    import_transcript(data=DRAFT.encode(), filename="brouillon-2025-07-03.srt", show="SMART TECH", published=False)
    withdrawn = import_transcript(data=WITHDRAWN.encode(), filename="retiree-2025-07-10.vtt", show="SMART TECH")
    set_published([withdrawn.episode], False)
    line = sample.segments.get(start_ms=78_000)
    edit_segment(segment=line, text="On commence avec le quantique et un aimant supraconducteur.", speaker="")
    dorothee = Person.objects.get(slug="dorothee-decrop")
    give_speaker(episode=sample, first_ms=31_000, last_ms=39_000, person=dorothee)
    # A listener's correction accepted, and one waiting for review.
    accepted = propose_correction(
        segment=sample.segments.get(start_ms=1_309_000), text="Vous pensez à NIS2 ?", address="203.0.113.7"
    )
    accept_correction(correction=accepted, user=None)
    propose_correction(segment=sample.segments.get(start_ms=1_310_000), text="On pense à NIS2.", address="203.0.113.7")
    # A chapter staff retitled (theirs now), beside the suggested ones.
    sample.chapters.filter(start_ms=97_000).update(title="L'entretien avec Marc Kaplan", suggested=False)
    # As the admin saves a person: her episodes are reindexed.
    dorothee.other_spellings = "Dorothée Décrope"
    dorothee.save()
    request_reindex(sample.pk)


@pytest.fixture(scope="module")
def original(django_db_setup, django_db_blocker, tmp_path_factory) -> Original:
    work = tmp_path_factory.mktemp("original")
    out, err, quiet = StringIO(), StringIO(), StringIO()
    with django_db_blocker.unblock(), own_index_and_media(work), transaction.atomic():
        build_archive()
        index_now()
        described_before = described()
        call_command("export_archive", str(work / "export"), stdout=out, stderr=err)
        call_command("export_archive", str(work / "quiet"), verbosity=0, stdout=StringIO(), stderr=quiet)
        transaction.set_rollback(True)
    return Original(work / "export", described_before, out.getvalue(), err.getvalue(), quiet.getvalue())


def manage(data: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """`manage.py` of an archive whose data folder is `data`: SQLite and Whoosh, whatever this run uses."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_URL", "ARCHIVE_"))}
    env["ARCHIVE_DATA_DIR"] = str(data)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True, check=check,
        timeout=300,
    )  # fmt: skip


def rows_and_files(data: Path) -> dict[str, int]:
    """What a restored archive holds, read from its SQLite file and its media folder."""
    with sqlite3.connect(data / "archive.sqlite3") as db:
        tables = ("episodes_show", "episodes_episode", "episodes_person", "episodes_segment", "search_glossaryentry")
        counts = {table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in tables}
    counts["files"] = sum(1 for path in (data / "uploads").rglob("*") if path.is_file())
    return counts


def damaged_copy(folder: Path, to: Path, damage) -> Path:
    copy = to / "damaged"
    shutil.copytree(folder, copy)
    damage(copy)
    return copy


def change_one_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def transcript(folder: Path, slug: str = SAMPLE_SLUG) -> Path:
    return folder / "episodes" / slug / "transcript.json"


@dataclass(frozen=True)
class Restore:
    refused: subprocess.CompletedProcess
    after_refusal: dict[str, int]
    done: subprocess.CompletedProcess
    described: dict
    again: subprocess.CompletedProcess


@pytest.fixture(scope="module")
def restored(original, tmp_path_factory) -> Restore:
    """A fresh data folder: migrated, a damaged export refused, the export restored, then probed."""
    data, scratch = tmp_path_factory.mktemp("restored"), tmp_path_factory.mktemp("scratch")
    manage(data, "migrate", "-v", "0")
    damaged = damaged_copy(original.folder, scratch, lambda copy: change_one_byte(transcript(copy)))
    refused = manage(data, "import_archive", str(damaged), check=False)
    after_refusal = rows_and_files(data)
    done = manage(data, "import_archive", str(original.folder))
    probe = manage(data, "shell", "-c", "from tests.episodes.archive_probe import main; main()")
    again = manage(data, "import_archive", str(original.folder), check=False)
    return Restore(refused, after_refusal, done, json.loads(probe.stdout.splitlines()[-1]), again)


# The export.


def test_the_export_holds_each_original_byte_for_byte_each_transcript_and_a_checksum_for_every_file(original):
    folder = original.folder
    written = sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())
    sums = dict(reversed(line.split("  ", 1)) for line in (folder / "SHA256SUMS").read_text().splitlines())
    assert sorted(sums) == [name for name in written if name != "SHA256SUMS"]
    for name, digest in sums.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
    assert (folder / "episodes" / SAMPLE_SLUG / "original.txt").read_bytes() == SAMPLE.read_bytes()
    assert len(written) == 3 * 2 + 2  # an original and a transcript per episode, the manifest, SHA256SUMS


def test_the_manifest_says_what_each_episode_is_and_marks_drafts(original):
    manifest = json.loads((original.folder / "manifest.json").read_text())
    assert (manifest["format"], manifest["version"]) == ("broadcast-archive", 1)
    states = {episode["slug"]: episode["state"] for episode in manifest["episodes"]}
    assert sorted(states.values()) == ["draft", "published", "unpublished"]
    sample = next(episode for episode in manifest["episodes"] if episode["slug"] == SAMPLE_SLUG)
    assert sample["original"]["sha256"] == hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
    assert sample["original"]["format"] == "text" and sample["transcript"]["segments"] == 408
    host = sample["people"][0]
    assert (host["person"], host["role"], host["order"]) == ("delphine-sabattier", "host", 0)
    spellings = {person["slug"]: person["other_spellings"] for person in manifest["people"]}
    assert spellings["dorothee-decrop"] == ["Dorothée Décrope"]
    assert manifest["glossary"] == [{"term": "NIS2", "variants": ["Nice 2", "Nis 2"]}]


def test_the_export_says_what_it_wrote_and_shows_its_progress_except_at_verbosity_0(original):
    size = sum(path.stat().st_size for path in original.folder.rglob("*") if path.is_file())
    assert original.stdout == f"Exported 3 episodes to {original.folder}: 8 files, {size / 1024:,.1f} KB.\n"
    assert original.stderr.startswith("3 / 3 episodes (100%) · ")
    assert original.quiet_stderr == ""


def test_the_export_warns_of_an_original_missing_from_the_media_folder_and_still_exports(db, tmp_path):
    episode = make_episode("Un brouillon jamais publié.")
    episode.source_file.delete(save=False)
    err = StringIO()
    call_command("export_archive", str(tmp_path / "export"), stdout=StringIO(), stderr=err)
    assert f"warning: {episode.slug}: original file missing from the media folder" in err.getvalue()
    checked = archive.check_export(folder=tmp_path / "export")  # what a restore checks first
    assert checked.manifest["episodes"][0]["original"]["path"] is None


def test_the_export_refuses_a_folder_that_is_not_empty(db, tmp_path):
    (tmp_path / "notes.txt").write_text("déjà là")
    with pytest.raises(CommandError, match=f"{tmp_path}: the folder is not empty"):
        call_command("export_archive", str(tmp_path), stdout=StringIO(), stderr=StringIO())
    assert [path.name for path in tmp_path.iterdir()] == ["notes.txt"]


# The restore, in a fresh data folder.


def test_the_restored_archive_finds_the_same_moments(original, restored):
    assert restored.done.stdout == f"Restored 3 episodes (411 lines, 5 people) from {original.folder}.\n"
    searches = original.described["searches"]
    assert searches["NIS2"] and searches["Dorothée Decrop"] and searches["supraconducteur"]  # they find something
    assert restored.described["searches"] == searches
    assert restored.described["spoken"] == original.described["spoken"] != []


def test_the_restored_archive_keeps_drafts_corrections_speakers_people_and_glossary(original, restored):
    assert restored.described["episodes"] == original.described["episodes"]
    assert restored.described["people"] == original.described["people"]
    assert restored.described["glossary"] == original.described["glossary"]
    episodes = restored.described["episodes"]
    assert [e["first_published_at"] for e in episodes.values() if not e["published"]].count(None) == 1  # the draft
    assert restored.described["searches"]["zorglub"] == []  # said only in the draft
    lines = {start: (text, speaker) for start, _end, text, speaker in episodes[SAMPLE_SLUG]["lines"]}
    assert lines[78_000][0] == "On commence avec le quantique et un aimant supraconducteur."
    assert lines[31_000] == ("Dorothée Décrope, bonjour.", "Dorothée Decrop")


def test_the_restored_originals_are_the_same_files(restored):
    sample = restored.described["episodes"][SAMPLE_SLUG]
    assert sample["original_sha256"] == sample["source_sha256"] == hashlib.sha256(SAMPLE.read_bytes()).hexdigest()


def test_a_damaged_export_is_refused_naming_the_file_and_leaves_the_archive_empty(original, restored):
    refused = restored.refused
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert f"episodes/{SAMPLE_SLUG}/transcript.json: wrong SHA-256" in refused.stderr
    assert set(restored.after_refusal.values()) == {0}


def test_a_restore_into_an_archive_that_is_not_empty_is_refused(restored):
    assert restored.again.returncode == 1 and "Traceback" not in restored.again.stderr
    assert "this archive is not empty" in restored.again.stderr


# The restore's checks and its all-or-nothing, in this run's own database and engine.


def resum(folder: Path) -> None:
    """SHA256SUMS written again, as if the damage had been made by hand on purpose."""
    lines = (folder / "SHA256SUMS").read_text().splitlines()
    names = [line.split("  ", 1)[1] for line in lines]
    sums = "".join(f"{hashlib.sha256((folder / name).read_bytes()).hexdigest()}  {name}\n" for name in names)
    (folder / "SHA256SUMS").write_text(sums)


def unparsable(folder: Path) -> None:
    path = transcript(folder)
    path.write_text(path.read_text().replace('"startTime": 78.0', '"startTime": "soixante-dix-huit"'))
    resum(folder)


def version_2(folder: Path) -> None:
    path = folder / "manifest.json"
    path.write_text(path.read_text().replace('"version": 1', '"version": 2'))
    resum(folder)


def unknown_show(folder: Path) -> None:
    path = folder / "manifest.json"
    path.write_text(path.read_text().replace('"show": "smart-tech"', '"show": "smart-talk"', 1))
    resum(folder)


def in_manifest(change):
    """The manifest changed by hand, its sum written again: what SHA256SUMS cannot catch."""

    def harm(folder: Path) -> None:
        manifest = json.loads((folder / "manifest.json").read_text())
        change(manifest)
        (folder / "manifest.json").write_text(json.dumps(manifest))
        resum(folder)

    return harm


def with_corrections(manifest: dict) -> dict:
    """The sample's episode in the manifest: the one listeners corrected."""
    return next(episode for episode in manifest["episodes"] if episode["corrections"])


def linked_to_dev_zero(folder: Path) -> None:
    original = folder / "episodes" / SAMPLE_SLUG / "original.txt"
    original.unlink()
    original.symlink_to("/dev/zero")


DAMAGES = {
    "a line changed": (lambda copy: change_one_byte(transcript(copy)), "transcript.json: wrong SHA-256"),
    "an original deleted": (
        lambda copy: (copy / "episodes" / SAMPLE_SLUG / "original.txt").unlink(),
        f"{SAMPLE_SLUG}/original.txt: missing",
    ),
    "the manifest truncated": (
        lambda copy: (copy / "manifest.json").write_bytes((copy / "manifest.json").read_bytes()[:500]),
        "manifest.json: wrong SHA-256",
    ),
    "the checksums deleted": (lambda copy: (copy / "SHA256SUMS").unlink(), "SHA256SUMS: missing"),
    "a transcript that does not parse": (
        unparsable,
        f'{SAMPLE_SLUG}/transcript.json:[0-9]+: segment [0-9]+: "startTime" must be a number of seconds',
    ),
    "an unknown version": (version_2, "manifest.json: export version 2, this archive reads version 1"),
    "an episode of a show it does not list": (unknown_show, r"manifest.json: episodes\[0\].show: not one of the shows"),
    # Each of these made every public page answer 500, or the restore crash, once restored.
    "a slug that makes no link": (
        in_manifest(lambda manifest: manifest["episodes"][0].update(slug="bad slug/../x")),
        r"manifest.json: episodes\[0\].slug: .+ \('bad slug/\.\./x'\)",
    ),
    "a show's slug with a question mark": (
        in_manifest(lambda manifest: manifest["shows"][0].update(slug="nasty show?")),
        r"manifest.json: shows\[0\].slug: .+ \('nasty show\?'\)",
    ),
    "a javascript: media address": (
        in_manifest(lambda manifest: manifest["episodes"][0].update(media_url="javascript:alert(1)")),
        r"manifest.json: episodes\[0\].media_url: .+ \('javascript:alert\(1\)'\)",
    ),
    "a javascript: page address": (
        in_manifest(lambda manifest: manifest["episodes"][0].update(source_url="javascript:alert(1)")),
        r"manifest.json: episodes\[0\].source_url: .+ \('javascript:alert\(1\)'\)",
    ),
    "a title of 100,000 characters": (
        in_manifest(lambda manifest: manifest["episodes"][0].update(title="T" * 100_000)),
        r"manifest.json: episodes\[0\].title: .+300.+ \('TTTT",
    ),
    "a duration of 10**30 ms": (
        in_manifest(lambda manifest: manifest["episodes"][0].update(duration_ms=10**30)),
        r"manifest.json: episodes\[0\].duration_ms: not a number of milliseconds",
    ),
    "an original that is a link to /dev/zero": (
        linked_to_dev_zero,
        f"{SAMPLE_SLUG}/original.txt: not a plain file",
    ),
    "a correction of an unknown status": (
        in_manifest(lambda manifest: with_corrections(manifest)["corrections"][0].update(status="approved")),
        r"manifest.json: episodes\[\d\].corrections\[0\].status: one of proposed, accepted, rejected",
    ),
    "two chapters at one start": (
        in_manifest(
            lambda manifest: with_corrections(manifest)["chapters"].append(with_corrections(manifest)["chapters"][0])
        ),
        r"manifest.json: episodes\[\d\].chapters\[\d\].start_ms: two chapters start at 0",
    ),
}


@pytest.mark.parametrize("damage", DAMAGES)
def test_each_damage_is_refused_naming_the_file_before_anything_is_written(damage, original, db, tmp_path, settings):
    harm, message = DAMAGES[damage]
    with pytest.raises(CommandError, match=message):
        call_command("import_archive", str(damaged_copy(original.folder, tmp_path, harm)), stdout=StringIO())
    assert not (Show.objects.exists() or Episode.objects.exists() or Person.objects.exists())
    assert not any(path.is_file() for path in Path(settings.MEDIA_ROOT).rglob("*"))


def test_an_original_over_the_upload_limit_is_refused_before_it_is_read(original, db, tmp_path, settings):
    settings.TRANSCRIPT_MAX_BYTES = 10 * 1024  # the sample's original is 40 KB
    with pytest.raises(CommandError, match=rf"{SAMPLE_SLUG}/original.txt: [0-9.]+ KB, over the 10.0 KB limit"):
        call_command("import_archive", str(original.folder), stdout=StringIO())
    assert not Episode.objects.exists()


def test_a_restore_failing_midway_writes_nothing_and_removes_the_files_it_copied(original, db, settings, monkeypatch):
    def fail(*episode_ids):
        raise OSError("disk full")

    monkeypatch.setattr(archive.restore, "request_reindex", fail)
    with pytest.raises(OSError, match="disk full"):
        call_command("import_archive", str(original.folder), stdout=StringIO(), stderr=StringIO())
    assert Episode.objects.count() == Segment.objects.count() == Person.objects.count() == 0
    assert not any(path.is_file() for path in Path(settings.MEDIA_ROOT).rglob("*"))


def test_a_restore_is_searchable_with_this_archives_own_engine(original, db):
    call_command("import_archive", str(original.folder), stdout=StringIO(), stderr=StringIO())
    assert described()["searches"] == original.described["searches"]
