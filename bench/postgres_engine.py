"""The PostgreSQL search engine at scale: import and rebuild throughput, search latency.

    DATABASE_URL=postgres:///archive .venv/bin/python bench/postgres_engine.py [--episodes 100] [--repeats 3]

Creates a database of its own beside DATABASE_URL's (dropped at the end), loads the sample
(its glossary) and the benchmark corpus (bench/corpus.py) through `import_transcript`,
whose transaction writes the search rows, then times `rebuild_index` and the seeded query
mix (bench/queries.py) as full requests to the JSON API and as the engine's `find` alone.
Prints its figures; a measurement, not a test.
"""

import argparse
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def percentiles(samples: list[float]) -> str:
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return f"p50 {statistics.median(samples):.1f} ms, p95 {p95:.1f} ms, max {samples[-1]:.1f} ms"


def measure(work: Path, episodes: int, repeats: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from bench.corpus import write_corpus
    from bench.run import WORST_QUERIES, query_mix
    from episodes.models import Segment
    from search.engines import engine
    from search.forms import SearchForm
    from search.moments import ENGINE_TIME_LIMIT_SECONDS, load_glossary
    from search.plan import compile_query
    from search.query import parse_query

    call_command("migrate", verbosity=0)
    call_command("load_sample", stdout=io.StringIO())
    files = write_corpus(work / "corpus", episodes)
    started = time.perf_counter()
    call_command("import_transcript", str(work / "corpus"), stdout=io.StringIO())
    seconds = time.perf_counter() - started
    lines = Segment.objects.count()
    print(f"{episodes} episodes, {lines} lines")
    print(f"import_transcript over the folder (parse, store, search rows): {(lines - 408) / seconds:,.0f} lines/s")
    for _ in range(2):
        started = time.perf_counter()
        engine().rebuild()
        print(f"rebuild: {lines / (time.perf_counter() - started):,.0f} lines/s")

    client = Client(HTTP_HOST="localhost")
    glossary = load_glossary()
    by_type: dict[str, list[float]] = {}
    finds: list[float] = []
    for query in query_mix(files[:3]):
        client.get("/api/search/", query.params)
        form = SearchForm(query.params)
        assert form.is_valid(), form.errors
        compiled = compile_query(parse_query(form.cleaned_data["q"]), glossary)
        for _ in range(repeats):
            started = time.perf_counter()
            client.get("/api/search/", query.params)
            by_type.setdefault(query.type, []).append((time.perf_counter() - started) * 1000)
            if compiled is not None:
                started = time.perf_counter()
                engine().find(compiled, form.filters(), seconds=ENGINE_TIME_LIMIT_SECONDS)
                finds.append((time.perf_counter() - started) * 1000)
    for kind, samples in by_type.items():
        print(f"  {kind}: {percentiles(samples)}")
    print(f"full request, every query: {percentiles([s for samples in by_type.values() for s in samples])}")
    print(f"engine find alone, every query: {percentiles(finds)}")
    for name, params in WORST_QUERIES.items():
        started = time.perf_counter()
        body = client.get("/api/search/", params).json()
        elapsed = (time.perf_counter() - started) * 1000
        print(f"  {name}: {elapsed:.0f} ms, {body['count']} moments, timed out: {'timed_out' in body['notices']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    url = urlsplit(os.environ["DATABASE_URL"])
    name = f"bench_postgres_engine_{os.getpid()}"
    admin = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
    admin.execute(f"CREATE DATABASE {name}")
    work = Path(tempfile.mkdtemp(prefix="bench-pg-"))
    os.environ.update(
        DATABASE_URL=f"{url.scheme}://{url.netloc}/{name}" + (f"?{url.query}" if url.query else ""),
        ARCHIVE_SEARCH_ENGINE="postgres",
        ARCHIVE_DATA_DIR=str(work / "data"),
        DJANGO_SETTINGS_MODULE="smarttech.settings",
    )
    try:
        measure(work, args.episodes, args.repeats)
    finally:
        from django.db import connections

        connections.close_all()
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
