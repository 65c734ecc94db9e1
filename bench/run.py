"""The archive at scale, side by side with raw Whoosh and SQLite FTS5 on the same corpus.

    .venv/bin/python bench/run.py [--sizes 100 1000] [--quick] [--json bench/results.json]

Each size runs in its own process (a fresh Django, a fresh SQLite file and Whoosh
folder in a temporary directory, removed at the end). It prints, per size: bulk
import (`import_transcript` over the corpus folder, returning once searchable) and
`rebuild_index` throughput; upload-to-searchable for one more 600-segment episode;
search p50/p95/max over a fixed query mix through the real JSON API (Django's test
client), and the same queries on raw Whoosh (same analyzer and writer settings, one
searcher kept open, top 20) and on FTS5 (`unicode61 remove_diacritics 2`), with
per-query p50s and ratios; episode page (700 segments) and results page render
times; the peak memory of a fresh process serving the mix as a web worker would.
`--quick` is a smoke test for CI: tiny sizes, few repetitions.
"""

import argparse
import io
import json
import os
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUERIES = {
    "common word": {"q": "effectivement"},
    "rare word": {"q": "hyperviseur"},
    "two words": {"q": "campus défense"},
    "phrase": {"q": '"intelligence artificielle"'},
    "prefix": {"q": "quanti*"},
    "glossary term": {"q": "NIS2"},
    "filtered": {"q": "quantique", "person": "marc-kaplan", "from": "2020-03-01", "to": "2021-12-31"},
}
FTS5 = {
    "common word": "effectivement",
    "rare word": "hyperviseur",
    "two words": "campus défense",
    "phrase": '"intelligence artificielle"',
    "prefix": "quanti*",
    "glossary term": '"nis 2" OR "nice 2"',
    "filtered": "quantique",
}


def timed(function, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    return {
        "p50": round(statistics.median(ordered), 1),
        "p95": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 1),
        "max": round(ordered[-1], 1),
    }


def run_size(episodes: int, repeats: int) -> dict:
    """Everything for one size, in this (fresh) process."""
    work = Path(tempfile.mkdtemp(prefix=f"bench-{episodes}-"))
    try:
        return measure(work, episodes, repeats)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def measure(work: Path, episodes: int, repeats: int) -> dict:
    os.environ["ARCHIVE_DATA_DIR"] = str(work / "data")
    os.environ["DJANGO_SETTINGS_MODULE"] = "smarttech.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from bench.corpus import episode_text, vocabulary, write_corpus
    from episodes.models import Episode, Segment
    from episodes.services import import_transcript
    from search.indexing import process_index_jobs, rebuild

    call_command("migrate", verbosity=0)
    call_command("load_sample", stdout=io.StringIO())  # the glossary
    files = write_corpus(work / "corpus", episodes + 1)
    extra = files[episodes].rename(work / files[episodes].name)
    result: dict = {"episodes": episodes}

    sample = Segment.objects.count()
    import_seconds, _ = timed(call_command, "import_transcript", str(work / "corpus"), stdout=io.StringIO())
    segments = Segment.objects.count() - sample
    result["segments"] = segments
    result["bulk import (import_transcript over a folder, indexed), segments/s"] = round(segments / import_seconds)
    rebuild_seconds, _ = timed(rebuild)
    result["bulk indexing (rebuild_index), segments/s"] = round((segments + sample) / rebuild_seconds)

    def upload_to_searchable() -> None:
        episode = import_transcript(data=extra.read_bytes(), filename=extra.name).episode
        process_index_jobs(episode_ids=[episode.pk])

    result["upload to searchable, 600 segments, s"] = round(timed(upload_to_searchable)[0], 2)

    client = Client(HTTP_HOST="localhost")
    product: dict[str, list[float]] = {}
    for name, params in QUERIES.items():
        client.get("/api/search/", params)
        product[name] = [timed(client.get, "/api/search/", params)[0] * 1000 for _ in range(repeats)]
    raw = raw_whoosh(work, repeats)
    fts = fts5(repeats)
    result["search, product (full request), ms"] = percentiles([ms for s in product.values() for ms in s])
    result["search, raw Whoosh, ms"] = percentiles([ms for s in raw["search"].values() for ms in s])
    result["search, SQLite FTS5, ms"] = percentiles([ms for s in fts["search"].values() for ms in s])
    result["per query p50 ms: product / raw Whoosh / FTS5"] = {
        name: [percentiles(samples[name])["p50"] for samples in (product, raw["search"], fts["search"])]
        for name in QUERIES
    }
    result["worst ratio product/raw Whoosh (p50, per query)"] = max(
        round(product_ms / max(raw_ms, 0.5), 1)
        for product_ms, raw_ms, _ in result["per query p50 ms: product / raw Whoosh / FTS5"].values()
    )
    result["ratio p95 product/raw Whoosh"] = round(
        result["search, product (full request), ms"]["p95"] / result["search, raw Whoosh, ms"]["p95"], 1
    )
    result["ratio p95 product/FTS5"] = round(
        result["search, product (full request), ms"]["p95"] / max(result["search, SQLite FTS5, ms"]["p95"], 0.1), 1
    )
    result["bulk indexing, raw Whoosh, segments/s"] = raw["indexing"]
    result["bulk indexing, SQLite FTS5, segments/s"] = fts["indexing"]

    long_text = episode_text(episodes + 2, 700, random.Random(1), vocabulary()).encode()
    long_episode = import_transcript(data=long_text, filename="bench-long.txt").episode
    process_index_jobs(episode_ids=[long_episode.pk])
    url = long_episode.get_absolute_url()
    client.get(url)
    result["episode page, 700 segments, ms"] = percentiles([timed(client.get, url)[0] * 1000 for _ in range(repeats)])
    client.get("/search/", {"q": "effectivement"})
    result_pages = [timed(client.get, "/search/", {"q": "effectivement"})[0] * 1000 for _ in range(repeats)]
    result["results page, common word, ms"] = percentiles(result_pages)
    result["web worker peak memory, MB"] = web_worker_memory(url)
    result["bench process peak memory, MB"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    result["published episodes"] = Episode.objects.published().count()
    return result


def web_worker_memory(episode_url: str) -> int:
    """Peak memory of a fresh process serving the query mix and the pages, as a web worker would."""
    command = [sys.executable, __file__, "--worker", episode_url]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT, env=os.environ)
    return int(done.stdout.strip().splitlines()[-1])


def serve_as_worker(episode_url: str) -> None:
    import django

    django.setup()
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    for params in QUERIES.values():
        client.get("/api/search/", params)
        client.get("/search/", params)
    client.get(episode_url)
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the process that started us.
    peak_kb = next(line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith("VmHWM:"))
    print(round(int(peak_kb.split()[1]) / 1024))


def raw_whoosh(work: Path, repeats: int) -> dict:
    """The engine alone: same analyzer, the same writer settings, one searcher kept open."""
    from django.conf import settings
    from whoosh import index as whoosh_index
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.qparser import QueryParser

    from episodes.models import Segment
    from search.analysis import french_analyzer
    from search.backends import bulk_writer

    schema = Schema(id=ID(stored=True), text=TEXT(analyzer=french_analyzer(), phrase=True))
    folder = work / "raw-whoosh"
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), schema)
    rows = list(Segment.objects.values_list("pk", "text"))
    start = time.perf_counter()
    writer = bulk_writer(ix, settings.ARCHIVE_INDEX_PROCS, settings.ARCHIVE_INDEX_MEMORY_MB)
    for pk, text in rows:
        writer.add_document(id=str(pk), text=text)
    writer.commit()
    indexing = round(len(rows) / (time.perf_counter() - start))
    parser = QueryParser("text", schema)
    samples = {}
    with ix.searcher() as searcher:
        for name, text in FTS5.items():
            query = parser.parse(text)
            searcher.search(query, limit=20)
            samples[name] = [timed(searcher.search, query, limit=20)[0] * 1000 for _ in range(repeats)]
    return {"search": samples, "indexing": indexing}


def fts5(repeats: int) -> dict:
    """The reference: SQLite's own full-text index on the same lines."""
    from episodes.models import Segment

    rows = list(Segment.objects.values_list("pk", "text"))
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE moments USING fts5(text, tokenize='unicode61 remove_diacritics 2')")
    start = time.perf_counter()
    db.executemany("INSERT INTO moments(rowid, text) VALUES (?, ?)", rows)
    db.commit()
    indexing = round(len(rows) / (time.perf_counter() - start))
    sql = "SELECT rowid FROM moments WHERE moments MATCH ? ORDER BY rank LIMIT 20"
    samples = {}
    for name, text in FTS5.items():
        db.execute(sql, (text,)).fetchall()
        samples[name] = [timed(lambda t=text: db.execute(sql, (t,)).fetchall())[0] * 1000 for _ in range(repeats)]
    return {"search": samples, "indexing": indexing}


def print_table(results: list[dict]) -> None:
    keys = list(results[0])
    width = max(len(key) for key in keys)
    print(f"{'':{width}}  " + "  ".join(f"{r['episodes']:>28} episodes" for r in results))
    for key in keys:
        cells = []
        for result in results:
            value = result.get(key)
            if isinstance(value, dict) and "p50" in value:
                value = " / ".join(f"{v}" for v in value.values()) + " (p50/p95/max)"
            elif isinstance(value, dict):
                value = "; ".join(f"{k}: " + " / ".join(map(str, v)) for k, v in value.items())
            cells.append(f"{value!s:>37}")
        print(f"{key:{width}}  " + "  ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="smoke test: 3 episodes, 2 repeats")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results.json")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        serve_as_worker(args.worker)
        return
    if args.one is not None:
        print(json.dumps(run_size(args.one, args.repeats)))
        return
    sizes, repeats = ([3], 2) if args.quick else (args.sizes, args.repeats)
    results = []
    for size in sizes:
        command = [sys.executable, __file__, "--one", str(size), "--repeats", str(repeats)]
        done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print_table(results)
    args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"figures written to {args.json}")


if __name__ == "__main__":
    main()
