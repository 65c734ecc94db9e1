import socket
from pathlib import Path

import pytest

from tests.sample_archive import SampleArchive, set_sample_aside, whoosh_index_at

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "episodes" / "samples" / "smart-tech-2025-06-19.txt"
# The same episode as SAMPLE, as its saved web page (built from it: see the comment at its top).
SAVED_PAGE = REPO / "tests" / "episodes" / "fixtures" / "smart-tech-2025-06-19.html"
ENGINE_NAMES = {"whoosh": "Whoosh", "postgres": "PostgreSQL"}
SEARCH_TESTS = REPO / "tests" / "search"
ENGINE_TESTS = SEARCH_TESTS / "engines"


def pytest_generate_tests(metafunc) -> None:
    """Every test runs with an engine (`archive_engine`), as Wagtail runs its search tests once per
    backend: a behaviour test of search (one in tests/search/ that reads the archive) with each
    engine this database can serve, in one process; an engine's own test (in its folder,
    tests/search/engines/NAME/, or with its marker) with that engine; any other with the run's
    engine (ARCHIVE_SEARCH_ENGINE)."""
    if "archive_engine" in metafunc.fixturenames:
        engines = engines_for(metafunc.definition, metafunc.fixturenames)
        metafunc.parametrize("archive_engine", engines, indirect=True)


def engines_for(item, fixtures) -> list[str]:
    from django.conf import settings

    own = engine_of(item)
    if own:
        return [own]
    reads_the_archive = item.get_closest_marker("django_db") or {"django_db_setup", "sample_episode"} & set(fixtures)
    if SEARCH_TESTS in Path(item.path).parents and reads_the_archive:
        return [name for name in settings.ARCHIVE_SEARCH_ENGINES if serves_this_database(name)]
    return [settings.ARCHIVE_SEARCH_ENGINE]


def engine_of(item) -> str | None:
    """The engine a test is written for: its folder under tests/search/engines/, or its marker."""
    path = Path(item.path)
    if ENGINE_TESTS in path.parents:
        return path.relative_to(ENGINE_TESTS).parts[0]
    return next((name for name in ENGINE_NAMES if item.get_closest_marker(name)), None)


def serves_this_database(name: str) -> bool:
    from django.conf import settings
    from django.db import connection
    from django.utils.module_loading import import_string

    return import_string(settings.ARCHIVE_SEARCH_ENGINES[name]).database_vendor in (None, connection.vendor)


def pytest_collection_modifyitems(config, items) -> None:
    """An engine's own test is skipped, naming why, on a database that engine can't serve; a
    test of the sample gets the database fixture its engine needs (`_sample_committed`)."""
    from django.db import connection

    for item in items:
        engine = item.callspec.params.get("archive_engine") if hasattr(item, "callspec") else None
        if engine and not serves_this_database(engine):
            mark = item.get_closest_marker(engine)
            what = mark.args[0] if mark and mark.args else f"tests/search/engines/{engine}/"
            reason = f"{ENGINE_NAMES[engine]} engine only: {what}; this run's database is {connection.display_name}"
            item.add_marker(pytest.mark.skip(reason=reason))
        fixtures = getattr(item, "fixturenames", ())
        if engine and "sample_episode" in fixtures and not item.get_closest_marker("django_db"):
            # Which database fixture `sample_episode` takes, said here where pytest-django reads it.
            item.add_marker(pytest.mark.django_db(transaction=_sample_committed(item, engine, fixtures)))


def _sample_committed(item, engine: str, fixtures) -> bool:
    """Whether the sample must be committed: for an engine that its worker writes (Whoosh),
    which indexes what a transaction committed; for a test that asks for `transactional_db`
    (other threads or processes read the sample); and for an engine's own tests, which read it
    from other connections as other servers would. An engine that writes in the change's own
    transaction (PostgreSQL) has the sample written in the test's transaction for the behaviour
    tests, rolled back with it (emptying PostgreSQL's tables after each test took 0.4 s)."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    needs_worker = import_string(settings.ARCHIVE_SEARCH_ENGINES[engine]).needs_worker
    return needs_worker or "transactional_db" in fixtures or engine_of(item) is not None


@pytest.fixture(autouse=True)
def archive_engine(request, settings, monkeypatch) -> str:
    """The engine this test searches with (`pytest_generate_tests`), for the test's process and
    for the processes it starts."""
    from search.engines import engine

    settings.ARCHIVE_SEARCH_ENGINE = request.param
    monkeypatch.setenv("ARCHIVE_SEARCH_ENGINE", request.param)
    engine().ready()
    return request.param


@pytest.fixture(scope="session", autouse=True)
def static_files(tmp_path_factory) -> Path:
    """The static files gathered as bin/release gathers them (hashed names, gzip copies), once per
    test process: pages name them through the manifest, as in production."""
    from django.conf import settings as django_settings
    from django.core.management import call_command
    from django.test import override_settings

    root = tmp_path_factory.getbasetemp() / "static"
    with override_settings(STATIC_ROOT=root):
        call_command("collectstatic", interactive=False, verbosity=0)
        # The live server of the browser tests finds them there too (tests/gathered_static.py).
        finders = [*django_settings.STATICFILES_FINDERS, "tests.gathered_static.GatheredFinder"]
        with override_settings(STATICFILES_FINDERS=finders):
            yield root


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
    with whoosh_index_at(tmp_path / "whoosh") as path:
        yield path


@pytest.fixture(scope="session")
def sample_archives(django_db_setup, django_db_blocker, tmp_path_factory) -> dict[str, SampleArchive]:
    """The sample set aside once in this process for each engine this database serves
    (tests/sample_archive.py): before any test's transaction, which would roll it back."""
    from django.conf import settings

    with django_db_blocker.unblock():
        return {
            name: set_sample_aside(name, tmp_path_factory.mktemp(f"sample-{name}"))
            for name in settings.ARCHIVE_SEARCH_ENGINES
            if serves_this_database(name)
        }


@pytest.fixture
def sample_episode(search_index, uploads_in_tmp, archive_engine, sample_archives):
    """The sample as `load_sample` leaves it (its rows, index and original, set aside once),
    searchable as in production (committed or not: `_sample_committed`)."""
    from episodes.models import Episode

    sample_archives[archive_engine].restore(search_index, uploads_in_tmp)
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
