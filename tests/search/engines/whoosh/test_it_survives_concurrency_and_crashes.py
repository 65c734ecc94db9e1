"""Real processes on a real archive (SQLite file and Whoosh folder in a temporary directory):
several importers, an editor, searches and the index worker at once; and a kill -9 mid-rebuild."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import REPO, SAMPLE

# Both start their own archive on SQLite, searched by Whoosh: the worker, the lock, the kill -9.

IMPORTERS, FILES_EACH = 8, 5
# Copies of the sample a rebuild is killed in: enough that its writers run for a while.
COPIES = 20
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def environment(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "ARCHIVE_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "smarttech.settings"}
    for name in ("DATABASE_URL", "ARCHIVE_SEARCH_ENGINE", "ARCHIVE_INDEX_DIR", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    env["ARCHIVE_INDEX_PROCS"] = "2"  # a rebuild forks writer processes, whatever the machine
    return env


def processes_of(data_dir: Path) -> set[int]:
    """Processes started for this archive, and the ones they forked (same environment)."""
    marker = f"ARCHIVE_DATA_DIR={data_dir}".encode()
    found = set()
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker in (entry / "environ").read_bytes().split(b"\0"):
                found.add(int(entry.name))
        except OSError:
            continue  # gone meanwhile, or not ours to read
    return found


def manage(data_dir: Path, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=environment(data_dir),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start(data_dir: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=environment(data_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def python(data_dir: Path, code: str) -> str:
    result = manage(data_dir, "shell", "--no-imports", "-c", code)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def word(number: int) -> str:
    """A word no transcript says but this one: `motbac`..."""
    return "mot" + "".join(LETTERS[(number // 26**k) % 26] for k in range(3))


def transcript(number: int) -> bytes:
    cues = [
        f"{i + 1}\n00:00:{i * 5:02d},000 --> 00:00:{i * 5 + 5:02d},000\nLigne {i} du fichier {word(number)}.\n"
        for i in range(10)
    ]
    return "\n".join(cues).encode()


SEARCHER = """
import time
from search.moments import find_moments, Filters
deadline = time.time() + {seconds}
searches = 0
while time.time() < deadline:
    for q in ("ligne", "fichier", '"ligne 3"', "mot*"):
        find_moments(q, Filters())
        searches += 1
print(searches)
"""

EDITOR = """
import time
from episodes.models import Segment
from episodes.services import edit_segment
deadline = time.time() + {seconds}
edits = 0
while time.time() < deadline:
    for segment in Segment.objects.filter(position=0).order_by("?")[:3]:
        edit_segment(segment=segment, text=segment.text.replace("Ligne 0", "Première ligne"))
        edits += 1
    time.sleep(0.1)
print(edits)
"""


def test_imports_edits_searches_and_the_worker_at_once_end_in_step(tmp_path):
    assert manage(tmp_path, "migrate", "-v0").returncode == 0
    files = []
    for number in range(IMPORTERS * FILES_EACH):
        path = tmp_path / f"concurrence-2024-01-{number % 28 + 1:02d}-{word(number)}.srt"
        path.write_bytes(transcript(number))
        files.append(path)
    worker = start(tmp_path, "index_worker", "--interval", "0.1")
    helpers = [
        start(tmp_path, "shell", "--no-imports", "-c", SEARCHER.format(seconds=15)),
        start(tmp_path, "shell", "--no-imports", "-c", EDITOR.format(seconds=15)),
    ]
    importers = [
        start(
            tmp_path,
            "import_transcript",
            *map(str, files[i * FILES_EACH : (i + 1) * FILES_EACH]),
            "--show",
            "Concurrence",
        )
        for i in range(IMPORTERS)
    ]
    for process in importers + helpers:
        _out, err = process.communicate(timeout=240)
        assert process.returncode == 0, err
        assert "Traceback" not in err and "locked" not in err
    time.sleep(1.0)  # let the worker take the editor's last jobs
    worker.send_signal(signal.SIGTERM)
    worker.communicate(timeout=30)
    assert manage(tmp_path, "index_worker", "--once").returncode == 0
    check = manage(tmp_path, "check_index")
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.strip() == "The index and the database agree."
    words = [word(number) for number in range(IMPORTERS * FILES_EACH)]
    counted = f"print(sum(find_moments(w, Filters()).count == 10 for w in {words!r}))"
    found = python(tmp_path, f"from search.moments import find_moments, Filters; {counted}")
    assert found == str(IMPORTERS * FILES_EACH)


def test_a_kill_9_during_rebuild_leaves_a_readable_index_and_check_index_repairs(tmp_path):
    assert manage(tmp_path, "migrate", "-v0").returncode == 0
    copies = []
    for day in range(1, COPIES + 1):
        path = tmp_path / f"copie-{day}.txt"
        path.write_bytes(SAMPLE.read_bytes().replace(b"- 19/06/2025", f"- {day:02d}/05/2025".encode(), 1))
        copies.append(str(path))
    imported = manage(tmp_path, "import_transcript", *copies)
    assert imported.returncode == 0, imported.stderr
    count = "from search.moments import find_moments, Filters; print(find_moments('quantique', Filters()).count)"
    assert python(tmp_path, count) == str(22 * COPIES)
    # A change made behind the index's back, which only a check will find.
    python(
        tmp_path,
        "from episodes.models import Segment; Segment.objects.filter(start_ms=531000).update(text='Richelieu')",
    )

    index_dir = tmp_path / "whoosh"
    builds_before = set(tmp_path.glob("whoosh-*"))
    rebuild = start(tmp_path, "rebuild_index", "--noinput")
    deadline = time.time() + 60
    while set(tmp_path.glob("whoosh-*")) == builds_before and time.time() < deadline:
        time.sleep(0.01)
    while len(processes_of(tmp_path)) < 3 and time.time() < deadline:
        time.sleep(0.01)
    assert rebuild.poll() is None, "the rebuild ended before it could be killed"
    assert len(processes_of(tmp_path)) == 3  # the command and its two writers
    os.kill(rebuild.pid, signal.SIGKILL)
    rebuild.wait(timeout=30)
    deadline = time.time() + 10
    while processes_of(tmp_path) and time.time() < deadline:
        time.sleep(0.1)
    assert not processes_of(tmp_path), "the rebuild's writer processes outlived it"

    assert index_dir.is_symlink() and set(tmp_path.glob("whoosh-*")) > builds_before
    assert python(tmp_path, count) == str(22 * COPIES)  # the previous index still answers
    check = manage(tmp_path, "check_index")
    assert check.returncode == 1 and f"{COPIES} episodes differ" in check.stderr
    repair = manage(tmp_path, "check_index", "--repair")
    assert repair.returncode == 0, repair.stderr
    assert manage(tmp_path, "check_index").returncode == 0
    assert manage(tmp_path, "rebuild_index", "--noinput").returncode == 0  # the lock was released by the kill
    assert python(tmp_path, count) == str(22 * COPIES)
