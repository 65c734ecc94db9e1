"""What the PostgreSQL engine asks of the database for a search, statement by statement, and the
plan of the slowest: the figures and the `EXPLAIN ANALYZE` in docs/search-at-scale.md.

    DATABASE_URL=postgres:///NAME ARCHIVE_SEARCH_ENGINE=postgres ARCHIVE_DATA_DIR=DIR \\
        .venv/bin/python bench/explain_postgres.py [--repeats 3] [--sort newest] "quantique" "quan*" '"faut est"'

Each query is asked as the JSON API asks it (its first page of moments and its count) once to
warm up, then `--repeats` times; for the last run it prints each SQL statement the search ran
with its time, and the `EXPLAIN (ANALYZE, BUFFERS)` of the slowest statement over all queries.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("queries", nargs="+")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sort", choices=["relevance", "newest"], default="relevance", help="the order asked")
    options = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smarttech.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from search.engines import Filters
    from search.engines.postgres.results import SEARCH_WORK_MEM
    from search.moments import find_moments

    def ask(text: str):
        found = find_moments(text, Filters(sort=options.sort), suggesting=False)
        found.results.top(20)
        found.results.count()
        return found

    slowest: tuple[float, str, str] = (0.0, "", "")
    for text in options.queries:
        ask(text)
        samples = []
        for _ in range(options.repeats):
            with CaptureQueriesContext(connection) as statements:
                start = time.perf_counter()
                found = ask(text)
                samples.append((time.perf_counter() - start) * 1000)
        count = found.results.count()
        print(
            f"\n{text}: {statistics.median(samples):.1f} ms (median of {options.repeats}),"
            f" {'' if count.exact else 'more than '}{count.moments} moments, timed out: {found.timed_out}"
        )
        for statement in statements.captured_queries:
            seconds = float(statement["time"])
            print(f"  {seconds * 1000:8.1f} ms  {statement['sql'][:160]}")
            if seconds * 1000 > slowest[0] and statement["sql"].lstrip().upper().startswith("SELECT"):
                slowest = (seconds * 1000, text, statement["sql"])
    if slowest[2]:
        print(f"\nThe slowest statement ({slowest[0]:.1f} ms, for {slowest[1]}):\n")
        with connection.cursor() as cursor:
            # As the search sets them for itself (`search.engines.postgres.results._within`).
            cursor.execute(
                "SELECT set_config('jit', 'off', false), set_config('work_mem', %s, false)", [SEARCH_WORK_MEM]
            )
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {slowest[2]}")
            print("\n".join(row[0] for row in cursor.fetchall()))


if __name__ == "__main__":
    main()
