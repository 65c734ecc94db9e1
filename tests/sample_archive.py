"""The sample episode as `load_sample` leaves it, loaded once per engine and test process, then
set aside: its rows copied into tables of their own in the test database, its Whoosh folder and
its stored original into a folder. Each test that asks for the sample gets those rows back by one
`INSERT … SELECT` a table, and a copy of the folder, instead of importing and indexing it again.

Measured with Whoosh on SQLite, the 51 tests of tests/search/test_it_finds_moments.py and
tests/episodes/test_it_shows_a_moment.py: their setup took 0.40 s a test with `load_sample`, and
0.023 s restored (setting the sample aside once included).
"""

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

APPS = ("episodes", "search")


@dataclass(frozen=True)
class SampleArchive:
    engine: str
    tables: list[tuple[str, str]]  # (a table the sample writes, the table its rows are kept in)
    index: Path
    media: Path

    def restore(self, index: Path, media: Path) -> None:
        """The sample's rows back in the tables (in the test's transaction, or committed when the
        test is transactional), its Whoosh folder at `index` and its original under `media`."""
        from django.core.management.color import no_style
        from django.db import connection, transaction
        from haystack import connections

        with transaction.atomic(), connection.cursor() as cursor:
            for table, kept in self.tables:
                cursor.execute(f'INSERT INTO "{table}" SELECT * FROM "{kept}"')
            # Rows inserted with their ids: PostgreSQL's sequences must start past them.
            for sql in connection.ops.sequence_reset_sql(no_style(), _models()):
                cursor.execute(sql)
        shutil.rmtree(index, ignore_errors=True)
        shutil.copytree(self.index, index)
        shutil.copytree(self.media, media, dirs_exist_ok=True)
        connections.reload("default")


def set_sample_aside(engine_name: str, folder: Path) -> SampleArchive:
    """Load the sample with this engine (committed), keep its rows and files, and empty the tables."""
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import override_settings

    from search.engines import engine

    index, media = folder / "whoosh", folder / "media"
    with override_settings(ARCHIVE_SEARCH_ENGINE=engine_name, MEDIA_ROOT=media), whoosh_index_at(index):
        engine().ready()
        call_command("load_sample", stdout=StringIO())
    index.mkdir(exist_ok=True)  # an engine that writes no folder
    media.mkdir(exist_ok=True)
    tables = []
    with transaction.atomic(), connection.cursor() as cursor:
        for model in _models():
            table = model._meta.db_table
            if not model._default_manager.exists():
                continue
            kept = f"kept_sample_{engine_name}_{table}"
            cursor.execute(f'CREATE TABLE "{kept}" AS SELECT * FROM "{table}"')
            tables.append((table, kept))
        for table, _kept in tables:
            cursor.execute(f'DELETE FROM "{table}"')
    return SampleArchive(engine_name, tables, index, media)


@contextmanager
def whoosh_index_at(path: Path) -> Iterator[Path]:
    """The Haystack connection (the Whoosh engine's index) in this folder meanwhile."""
    from haystack import connections

    info = connections.connections_info["default"]
    old_path = info["PATH"]
    info["PATH"] = str(path)
    connections.reload("default")
    try:
        yield path
    finally:
        info["PATH"] = old_path
        connections.reload("default")


def _models() -> list:
    from django.apps import apps

    return [
        model
        for app in APPS
        for model in apps.get_app_config(app).get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    ]
