import socket
from io import StringIO
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "episodes" / "samples" / "smart-tech-2025-06-19.txt"
# The same episode as SAMPLE, as its saved web page (built from it: see the comment at its top).
SAVED_PAGE = REPO / "tests" / "episodes" / "fixtures" / "smart-tech-2025-06-19.html"
ENGINE_NAMES = {"whoosh": "Whoosh", "postgres": "PostgreSQL"}


def pytest_collection_modifyitems(config, items) -> None:
    """Tests marked `whoosh` or `postgres` run only when the archive searches with that engine
    (ARCHIVE_SEARCH_ENGINE); each marker says what it tests, and the skip names the engine."""
    from django.conf import settings

    running = settings.ARCHIVE_SEARCH_ENGINE
    for item in items:
        for engine, name in ENGINE_NAMES.items():
            mark = item.get_closest_marker(engine)
            if mark and engine != running:
                what = mark.args[0] if mark.args else "its own workings"
                reason = f"{name} engine only: {what}; this run searches with {ENGINE_NAMES[running]}"
                item.add_marker(pytest.mark.skip(reason=reason))
        fixtures = getattr(item, "fixturenames", ())
        if "sample_episode" in fixtures and not item.get_closest_marker("django_db"):
            # Which database fixture `sample_episode` takes, said here where pytest-django reads it.
            committed = _sample_committed(running, fixtures) or bool(item.get_closest_marker("postgres"))
            item.add_marker(pytest.mark.django_db(transaction=committed))


def _sample_committed(engine: str, fixtures) -> bool:
    """Whether the sample must be committed: for an engine that its worker writes (Whoosh),
    which indexes what a transaction committed, and for a test that asks for `transactional_db`
    (other threads or processes read the sample), as the PostgreSQL engine's own tests (marker
    `postgres`) do. An engine that writes in the change's own transaction (PostgreSQL) has the
    sample written in the test's transaction for the behaviour tests, rolled back with it
    (emptying PostgreSQL's tables after each test took 0.4 s)."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    return import_string(settings.ARCHIVE_SEARCH_ENGINES[engine]).needs_worker or "transactional_db" in fixtures


@pytest.fixture
def sample_bytes() -> bytes:
    return SAMPLE.read_bytes()


@pytest.fixture(autouse=True)
def uploads_in_tmp(settings, tmp_path: Path) -> Path:
    """Stored originals go to a temporary folder, never to the real data folder."""
    settings.MEDIA_ROOT = tmp_path / "uploads"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def search_index(tmp_path: Path):
    """A real, empty Whoosh index in a temporary folder for every test, used by every write
    and search: documents a test indexed (even of rows its rollback removed) never reach another.

    The PostgreSQL engine needs nothing here: its rows are in the test's database, rolled
    back or flushed with the rest. The folder is still set aside, so nothing reaches a real one."""
    from haystack import connections

    info = connections.connections_info["default"]
    old_path = info["PATH"]
    info["PATH"] = str(tmp_path / "whoosh")
    connections.reload("default")
    yield Path(info["PATH"])
    info["PATH"] = old_path
    connections.reload("default")


@pytest.fixture
def sample_episode(search_index):
    """The sample loaded through `load_sample`, searchable as in production (committed or not:
    `_sample_committed`)."""
    from django.core.management import call_command

    from episodes.models import Episode

    call_command("load_sample", stdout=StringIO())
    return Episode.objects.get()


def index_now() -> None:
    """What `manage.py index_worker` does: catch up with every committed change (the Whoosh
    engine's jobs; the PostgreSQL engine has none, its rows are written with each change)."""
    from search.indexing import process_index_jobs

    process_index_jobs()


def moments_held(episode_id: int | None = None) -> list[int]:
    """The segment ids the search engine holds (for one episode, or all), through the engine's own API."""
    from search.engines import engine

    episodes = [episode_id] if episode_id else engine().episodes_held()
    return sorted(segment for episode in episodes for segment in engine().stored_moments(episode))


def free_port() -> int:
    """A loopback port no one listens on, for a server a test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def pretend_translations(monkeypatch):
    """Translations of our own choosing for messages shown through episodes.messages, whatever locale/ holds yet:
    `pretend_translations({"the file is empty": "FICHIER VIDE"})`. Other messages go through gettext as usual."""
    from episodes import messages

    real = messages.gettext

    def install(catalog: dict[str, str]) -> None:
        monkeypatch.setattr(messages, "gettext", lambda msgid: catalog.get(msgid) or real(msgid))

    return install


def every_hit(found) -> list:
    """Every moment a search found (a small one: its count is exact), in its order."""
    assert found.count_is_exact
    return found.results.top(found.count)
