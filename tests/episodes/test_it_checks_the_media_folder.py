"""check_media: the originals an import or a restore killed before it committed left in the media
folder are found and removed; a file an import under way has just stored is left alone."""

import os
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.factories import make_episode

pytestmark = pytest.mark.django_db


def check(*args: str) -> str:
    out = StringIO()
    call_command("check_media", *args, stdout=out)
    return out.getvalue()


def stray(media: Path, name: str, hours_old: float) -> Path:
    path = media / "transcripts" / "2026" / "12" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"1\n00:00:01,000 --> 00:00:02,000\nJamais commis.\n")
    then = time.time() - hours_old * 3600
    os.utime(path, (then, then))
    return path


def test_originals_left_by_a_killed_import_are_found_and_removed(uploads_in_tmp):
    episode = make_episode("Une ligne.")
    kept = Path(uploads_in_tmp) / episode.source_file.name
    left = stray(uploads_in_tmp, "killed-import.srt", hours_old=3)
    under_way = stray(uploads_in_tmp, "import-under-way.srt", hours_old=0)

    with pytest.raises(CommandError, match=r"^1 orphan files; run check_media --repair$"):
        check()
    assert check("--repair").splitlines() == [
        f"orphan: {left}",
        "Removed 1 orphan files.",
        "The media folder and the database agree.",
    ]
    assert not left.exists() and kept.exists() and under_way.exists()


def test_an_original_missing_from_the_folder_is_reported_and_never_removed(uploads_in_tmp):
    episode = make_episode("Une ligne.")
    (Path(uploads_in_tmp) / episode.source_file.name).unlink()
    out = StringIO()
    with pytest.raises(CommandError, match=r"^1 missing originals$"):
        call_command("check_media", "--repair", stdout=out)
    assert out.getvalue().splitlines() == [f"missing: {episode.source_file.name}"]
    episode.refresh_from_db()
    assert episode.source_file.name  # still named: it can only come back from a backup
