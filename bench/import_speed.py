"""How fast `manage.py import_transcript FOLDER` brings a large folder into a fresh archive.

    .venv/bin/python bench/import_speed.py [--episodes 1000] [--postgres URL] [--jobs N] [--profile FILE]

It writes a folder of generated episodes (bench/corpus.py, 600 lines each), imports it
whole through the command, as an operator would (progress on standard error, here
silenced), into a new archive: SQLite and Whoosh in a temporary folder, or with
`--postgres URL` the PostgreSQL engine in a database of its own, created beside the
URL's (named after it, so `postgres:///h20import` makes `h20import_import_speed_PID`)
and dropped at the end. It prints the lines per second over the whole import (until
all is searchable) and, when one process imports the files (Whoosh, or `--jobs 1`), where
the time went: reading and parsing the files, writing episodes and lines, the search
engine's writes, the rest. `--jobs N` is the command's (by default one process per core
with the PostgreSQL engine). `--profile FILE` also writes cProfile's statistics of the
import's own process there (read them with `python -m pstats`).

At 1,000 episodes (600,000 lines), on 2 cores shared with other runs (load 1 to 3), before and
after issue 20's point 5: SQLite + Whoosh 3,217 -> 4,663 lines/s, PostgreSQL 7,675 -> 9,778. What
is left is mostly Whoosh's own writer (its commit reads each posting's field length back from
the file) and PostgreSQL's server (the moments' GIN index, one commit per episode).

Whoosh's commits as large as its writers sort in memory, and no commit merging large segments
again (issue 20, point 5, at 10,000 episodes), at 1,000 episodes, back to back on 2 cores that
other runs loaded (load 9 to 11, then 7 to 10): before 505 lines/s, 2,036 lines a CPU-second;
after 1,118 lines/s, 2,255 lines a CPU-second. The CPU figure is the one to compare on a shared
machine. The whole 10,000-episode import: see docs/search-at-scale.md (Import, Whoosh).
"""

import argparse
import cProfile
import functools
import io
import os
import resource
import shutil
import sys
import tempfile
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class Stopwatch:
    """Time spent inside some functions, each counted once however they nest."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.inside = False

    def wrap(self, owner: object, name: str, label: str) -> None:
        function = getattr(owner, name)

        @functools.wraps(function)
        def timed(*args, **kwargs):
            if self.inside:
                return function(*args, **kwargs)
            self.inside = True
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - start
                self.inside = False

        setattr(owner, name, timed)


def database_named(server: str, suffix: str) -> tuple[str, str]:
    """A database name beside the URL's own, and the URL that points at it."""
    parts = urllib.parse.urlsplit(server)
    name = f"{parts.path.strip('/') or 'archive'}_{suffix}"
    return name, urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def run(episodes: int, postgres: str | None, jobs: int | None, profile: Path | None) -> None:
    work = Path(tempfile.mkdtemp(prefix="import-speed-"))
    database = None
    if postgres:
        import psycopg

        database, url = database_named(postgres, f"import_speed_{os.getpid()}")
        with psycopg.connect(postgres, dbname="postgres", autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{database}"')
        os.environ["DATABASE_URL"] = url
        os.environ["ARCHIVE_SEARCH_ENGINE"] = "postgres"
    os.environ["ARCHIVE_DATA_DIR"] = str(work / "data")
    os.environ["DJANGO_SETTINGS_MODULE"] = "smarttech.settings"
    try:
        measure(work, episodes, jobs, profile)
    finally:
        if database:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(postgres, dbname="postgres", autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        shutil.rmtree(work, ignore_errors=True)


def measure(work: Path, count: int, jobs: int | None, profile: Path | None) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    import episodes.services
    import search.indexing
    from bench.corpus import write_corpus
    from episodes.management.commands.import_transcript import available_cores
    from episodes.models import Segment
    from search.engines import engine

    call_command("migrate", verbosity=0)
    write_corpus(work / "corpus", count)
    watch = Stopwatch()
    # A second inside two of these (an engine's writes within the import) counts under the outer one.
    watch.wrap(episodes.services, "parse_transcript", "reading and parsing the files")
    watch.wrap(episodes.services, "replace_segments", "writing the lines (segments)")
    watch.wrap(type(engine()), "replace_episodes", "search engine writes")
    watch.wrap(search.indexing, "request_jobs", "search engine writes")

    profiler = cProfile.Profile() if profile else None
    cpu_before = cpu_seconds()
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    options = {"jobs": jobs} if jobs else {}
    call_command("import_transcript", str(work / "corpus"), stdout=io.StringIO(), stderr=io.StringIO(), **options)
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    seconds = time.perf_counter() - start
    cpu = cpu_seconds() - cpu_before
    lines = Segment.objects.count()

    processes = (jobs or available_cores()) if engine().imports_in_parallel else 1
    print(f"== import_transcript, {count} episodes, {lines} lines, {settings.ARCHIVE_SEARCH_ENGINE} engine ==")
    print(f"whole import: {seconds:.1f} s, {lines / seconds:,.0f} lines/s, files imported by {processes} process(es)")
    print(f"  CPU, with the index's writer processes: {cpu:.0f} s, {lines / cpu:,.0f} lines a CPU-second")
    if processes > 1:
        print("  (where the time goes is measured in one process: --jobs 1)")
        return
    rest = seconds - sum(watch.seconds.values())
    for label, spent in [*watch.seconds.items(), ("the rest (episodes, people, files, index jobs)", rest)]:
        print(f"  {label}: {spent:.1f} s ({spent / seconds:.0%})")
    if profile:
        print(f"profile written to {profile}")


def cpu_seconds() -> float:
    """CPU time of this process and of the processes it waited for (Whoosh's writers): what a
    shared machine's load changes far less than the time on the clock."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=1_000, help="generated episodes of 600 lines (default 1,000)")
    parser.add_argument("--postgres", metavar="URL", help="import into this PostgreSQL server, with its engine")
    parser.add_argument("--jobs", type=int, metavar="N", help="files imported at once (the command's --jobs)")
    parser.add_argument("--profile", type=Path, metavar="FILE", help="write cProfile statistics of the import here")
    args = parser.parse_args()
    run(args.episodes, args.postgres, args.jobs, args.profile)


if __name__ == "__main__":
    main()
