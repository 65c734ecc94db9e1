"""How long staff edits wait while the PostgreSQL engine rebuilds its rows.

    .venv/bin/python bench/rebuild_wait.py --postgres URL [--episodes 200] [--every 0.2]

It imports generated episodes (bench/corpus.py, 600 lines each) into a database of its own,
created beside the URL's and dropped at the end, then rebuilds the search rows twice, on the same
archive: once in one transaction, every change waiting for it (as `rebuild_index` did before
issue 23, point 7: written here again for the comparison), and once as `rebuild_index` does now,
written aside and swapped in. During each, another connection edits a line every `--every`
seconds, as staff would; it prints how long the rebuild took and how long each edit waited
(p50 and the longest), beside edits made for 10 s with no rebuild, and, for the rebuild aside,
how long the swap held every change.
"""

import argparse
import io
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.databases import create_database, database_url, drop_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", required=True, help="a PostgreSQL server to make a database on")
    parser.add_argument("--episodes", type=int, default=200, help="generated episodes of 600 lines (default 200)")
    parser.add_argument("--every", type=float, default=0.2, help="seconds between two edits (default 0.2)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rebuild-wait-"))
    name = create_database(args.postgres, "rebuild_wait")
    os.environ.update(
        DATABASE_URL=database_url(args.postgres, name),
        ARCHIVE_SEARCH_ENGINE="postgres",
        ARCHIVE_DATA_DIR=str(work / "data"),
        DJANGO_SETTINGS_MODULE="smarttech.settings",
    )
    try:
        measure(work, args.episodes, args.every)
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(args.postgres, name)
        shutil.rmtree(work, ignore_errors=True)


def measure(work: Path, episodes: int, every: float) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    from bench.corpus import write_corpus
    from episodes.models import Segment
    from search.engines import engine
    from search.engines.postgres import rebuilding

    call_command("migrate", verbosity=0)
    write_corpus(work / "corpus", episodes)
    call_command("import_transcript", str(work / "corpus"), stdout=io.StringIO(), stderr=io.StringIO())
    lines = Segment.objects.count()
    print(f"== rebuild_index with staff editing, PostgreSQL engine: {episodes} episodes, {lines:,} lines ==")

    swaps = []
    real_swap = rebuilding._swap

    def timed_swap(locks: int) -> None:
        start = time.perf_counter()
        real_swap(locks)
        swaps.append(time.perf_counter() - start)

    rebuilding._swap = timed_swap
    ways = [
        ("no rebuild, for reference (10 s)", lambda: time.sleep(10)),
        ("in one transaction (before)", rebuild_in_one_transaction),
        ("aside, then swapped (now)", engine().rebuild),
    ]
    for label, rebuild in ways:
        seconds, waits = while_editing(rebuild, every)
        p50, longest = statistics.median(waits) * 1000, max(waits) * 1000
        print(f"{label}: rebuild {seconds:.1f} s; {len(waits)} edits, each p50 {p50:.0f} ms, longest {longest:.0f} ms")
    print(f"  the swap held every change for {swaps[-1] * 1000:.0f} ms")


def rebuild_in_one_transaction() -> int:
    """The rebuild as it was: every row deleted and written again in one transaction, holding
    the lock every change takes."""
    from django.db import connection, transaction

    from episodes.models import Segment
    from search.engines.postgres.engine import LOCKS
    from search.engines.postgres.writing import _write
    from search.models import EpisodeTerm, KnownWord, SearchMoment, SpokenWord

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s::int, 0)", [LOCKS])
            for model in (SearchMoment, SpokenWord, EpisodeTerm, KnownWord):
                cursor.execute(f"DELETE FROM {model._meta.db_table}")
        return _write(Segment.objects.published().with_next_text())


def while_editing(rebuild, every: float) -> tuple[float, list[float]]:
    """Run the rebuild while another connection edits a line every `every` seconds; how long the
    rebuild took, and how long each edit took."""
    from django.db import connection

    from episodes.models import Segment
    from episodes.services import edit_segment

    segments = list(Segment.objects.order_by("pk").values_list("pk", flat=True)[:1000])
    done, waits = threading.Event(), []

    def edit() -> None:
        try:
            for number, pk in enumerate(segments):
                if done.is_set():
                    return
                segment = Segment.objects.get(pk=pk)
                start = time.perf_counter()
                edit_segment(segment=segment, text=f"{segment.text} (corrigé {number})")
                waits.append(time.perf_counter() - start)
                time.sleep(every)
        finally:
            connection.close()

    editor = threading.Thread(target=edit)
    start = time.perf_counter()
    editor.start()
    rebuild()
    seconds = time.perf_counter() - start
    time.sleep(every * 2)  # an edit that waited for the end is counted
    done.set()
    editor.join()
    return seconds, waits


if __name__ == "__main__":
    main()
