"""The archive at scale, side by side with raw Whoosh and SQLite FTS5 on the same corpus.

    .venv/bin/python bench/run.py [--sizes 100 1000] [--repeats 5] [--quick] [--json bench/results.json]

Each size runs in its own process (a fresh Django, a fresh SQLite file and Whoosh
folder in a temporary directory, removed at the end). It prints, per size: bulk
import (`import_transcript` over the corpus folder, returning once searchable) and
`rebuild_index` throughput; upload-to-searchable for one more 600-segment episode;
a mix of some hundred queries drawn from the corpus (bench/queries.py), each run
in turn through the product (the JSON API, a full request through Django's test
client), raw Whoosh (same analyzer, writer settings and scorer, one searcher kept
open, top 20) and FTS5 (`unicode61 remove_diacritics 2`, top 20 by rank), with
p50/p95 per query type and overall, the ratios and the slowest queries; episode
page and results page render times; the peak memory of a fresh process serving the
mix as a web worker would; and a long episode's first import against its re-import
with some lines changed. It checks what it measures (misspelled queries find
nothing and get a suggestion, filtered queries are narrower than unfiltered ones)
and exits with status 1, after writing its figures, when a check fails.
`--quick` is a smoke test for CI: 3 episodes, 1 timed run per query, a short re-import.

With `--postgres URL` (a PostgreSQL server, whose user may create databases), each size runs
a second time with the product on PostgreSQL and its search engine, in a database of its own
(created, then dropped): the same steps, beside the same raw Whoosh and FTS5 references.
"""

import argparse
import io
import json
import math
import os
import random
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ENGINES = ("product", "raw Whoosh", "SQLite FTS5")
SEED = 7
TOP = 20
# Below this many results the product offers a spelling suggestion (search.moments.FEW_RESULTS).
FEW_RESULTS = 3
# The episodes whose lines the query mix is drawn from: present at every size.
MIX_EPISODES = 3
REIMPORT_SEGMENTS = 15_000
# One line in this many is changed before the re-import, and says this word.
REIMPORT_CHANGE_EVERY = 10
REIMPORT_WORD = "réimportée"
PG_SETTINGS = ("server_version", "shared_buffers", "work_mem", "effective_cache_size")


def timed(function: Callable, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def ms(value: float) -> float:
    """Three significant digits below 10 ms (FTS5 answers in hundredths), else tenths."""
    return float(f"{value:.3g}") if value < 10 else round(value, 1)


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    return {
        "p50": ms(statistics.median(ordered)),
        "p95": ms(ordered[math.ceil(len(ordered) * 0.95) - 1]),
        "max": ms(ordered[-1]),
    }


def run_size(episodes: int, repeats: int, reimport_segments: int, postgres: str | None = None) -> dict:
    """Everything for one size, in this (fresh) process; on PostgreSQL when a server is given."""
    database = create_database(postgres) if postgres else None
    if database:
        os.environ["DATABASE_URL"] = database_url(postgres, database)
        os.environ["ARCHIVE_SEARCH_ENGINE"] = "postgres"
    work = Path(tempfile.mkdtemp(prefix=f"bench-{episodes}-"))
    try:
        return measure(work, episodes, repeats, reimport_segments)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if database:
            from django.db import connections

            connections.close_all()
            drop_database(postgres, database)


def server_settings() -> dict[str, str]:
    """The PostgreSQL settings the search's speed depends on (see the README's tuning)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT name, current_setting(name) FROM unnest(%s::text[]) AS name", [list(PG_SETTINGS)])
        return dict(cursor.fetchall())


def create_database(server: str) -> str:
    """A new, empty database on `server`'s PostgreSQL server, for one run (asked through its
    maintenance database: the URL's own database need not exist)."""
    import psycopg

    name = f"archive_bench_{os.getpid()}"
    with psycopg.connect(server, dbname="postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(server: str, name: str) -> None:
    import psycopg

    with psycopg.connect(server, dbname="postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_url(server: str, name: str) -> str:
    return urllib.parse.urlunsplit(urllib.parse.urlsplit(server)._replace(path=f"/{name}"))


def measure(work: Path, episodes: int, repeats: int, reimport_segments: int) -> dict:
    os.environ["ARCHIVE_DATA_DIR"] = str(work / "data")
    os.environ["DJANGO_SETTINGS_MODULE"] = "smarttech.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from bench.corpus import episode_text, vocabulary, write_corpus
    from episodes.models import Episode, Segment
    from episodes.services import import_transcript
    from search.engines import engine
    from search.indexing import process_index_jobs

    call_command("migrate", verbosity=0)
    call_command("load_sample", stdout=io.StringIO())  # the glossary
    files = write_corpus(work / "corpus", episodes + 1)
    extra = files[episodes].rename(work / files[episodes].name)
    result: dict = {"episodes": episodes, "search engine": settings.ARCHIVE_SEARCH_ENGINE}
    if settings.ARCHIVE_SEARCH_ENGINE == "postgres":
        result["PostgreSQL server settings"] = server_settings()

    sample = Segment.objects.count()
    import_seconds, _ = timed(call_command, "import_transcript", str(work / "corpus"), stdout=io.StringIO())
    segments = Segment.objects.count() - sample
    result["segments"] = segments
    result["bulk import (import_transcript over a folder, indexed), segments/s"] = round(segments / import_seconds)
    rebuild_seconds, _ = timed(engine().rebuild)
    result["bulk indexing (rebuild_index), segments/s"] = round((segments + sample) / rebuild_seconds)

    def upload_to_searchable() -> None:
        episode = import_transcript(data=extra.read_bytes(), filename=extra.name).episode
        process_index_jobs(episode_ids=[episode.pk])

    result["upload to searchable, 600 segments, s"] = round(timed(upload_to_searchable)[0], 2)

    mix = query_mix(files[:MIX_EPISODES])
    (work / "mix.json").write_text(json.dumps([query.params for query in mix]))
    client = Client(HTTP_HOST="localhost")
    raw, fts = RawWhoosh(work / "raw-whoosh"), Fts5()
    result["raw Whoosh scorer"] = RawWhoosh.SCORER
    result["bulk indexing, raw Whoosh, segments/s"] = raw.indexing
    result["bulk indexing, SQLite FTS5, segments/s"] = fts.indexing
    runs = [run_query(query, client, raw, fts, repeats) for query in mix]
    result.update(search_figures(mix, runs, repeats))

    result["time limit, worst queries, ms"] = worst_queries(client, repeats)

    long_text = episode_text(episodes + 2, 700, random.Random(1), vocabulary()).encode()
    long_episode = import_transcript(data=long_text, filename="bench-long.txt").episode
    process_index_jobs(episode_ids=[long_episode.pk])
    url = long_episode.get_absolute_url()
    client.get(url)
    result["episode page, 700 segments, ms"] = percentiles([timed(client.get, url)[0] * 1000 for _ in range(repeats)])
    client.get("/search/", {"q": "effectivement"})
    result_pages = [timed(client.get, "/search/", {"q": "effectivement"})[0] * 1000 for _ in range(repeats)]
    result["results page, common word, ms"] = percentiles(result_pages)
    result["web worker peak memory, MB"] = web_worker_memory(url, work / "mix.json")
    result["bench process peak memory, MB"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    result["re-import"] = reimport(work, episodes + 3, reimport_segments, client)
    result["checks"]["re-import: the changed lines are what search finds"] = [
        int(result["re-import"]["changed lines found by search"] == result["re-import"]["changed lines"]),
        1,
    ]
    result["published episodes"] = Episode.objects.published().count()
    result["queries"] = result.pop("queries")  # the long list last
    return result


# Queries built to run long: every search must still answer within its limit plus 10 %.
COMMON_WORDS = "de la le et est que pour une des les du en"
WORST_QUERIES = {
    "twelve common phrases ANDed, newest first": {"q": " ".join(['"de la"'] * 12), "sort": "newest"},
    "twelve common words ORed": {"q": COMMON_WORDS.replace(" ", " OR ")},
    "twelve common words ANDed (no line has them all)": {"q": COMMON_WORDS},
}


def worst_queries(client, repeats: int) -> dict:
    """Full requests for queries that run into the time limit: the slowest answer and the notice."""
    from search.moments import TIME_LIMIT_SECONDS

    figures = {"limit": TIME_LIMIT_SECONDS * 1000}
    for name, params in WORST_QUERIES.items():
        samples = []
        for _ in range(max(repeats, 1)):
            seconds, response = timed(client.get, "/api/search/", params)
            samples.append(ms(seconds * 1000))
        body = response.json()
        figures[name] = {"max": max(samples), "count": body["count"], "timed out": "timed_out" in body["notices"]}
    return figures


def query_mix(paths: list[Path]) -> list:
    """The seeded mix (bench/queries.py), with this archive's glossary and episodes."""
    from bench.corpus import RARE, SAMPLE, vocabulary
    from bench.queries import Corpus, FilterEpisode
    from bench.queries import query_mix as draw
    from episodes.models import Appearance, Episode, Role
    from search.models import GlossaryEntry

    words, _, _ = vocabulary()
    corpus = Corpus.read(paths, also_indexed=[SAMPLE.read_text(encoding="utf-8"), " ".join(words), *RARE])
    glossary = [entry.forms() for entry in GlossaryEntry.objects.order_by("term")]
    guests: dict[int, list[str]] = {}
    for episode_id, slug in Appearance.objects.filter(role=Role.GUEST.value).values_list("episode", "person__slug"):
        guests.setdefault(episode_id, []).append(slug)
    bench_episodes = Episode.objects.published().filter(title__startswith="SMART TECH du").order_by("air_date")
    episodes = [
        FilterEpisode(episode.air_date, tuple(sorted(guests[episode.pk])))
        for episode in bench_episodes
        if guests.get(episode.pk)
    ]
    return draw(corpus, glossary, episodes, list(RARE), SEED)


def allowed_episodes(query) -> set[int] | None:
    """The episodes a filtered query allows, as the product defines them (published, the
    person on air, the dates), given to raw Whoosh and FTS5 as episode ids."""
    from episodes.models import Episode

    if not query.person:
        return None
    episodes = Episode.objects.published().filter(
        appearances__person__slug=query.person, air_date__gte=query.date_from, air_date__lte=query.date_to
    )
    return set(episodes.values_list("pk", flat=True))


def run_query(query, client, raw: "RawWhoosh", fts: "Fts5", repeats: int) -> dict:
    """One query through the three engines in turn (so that they share the machine's
    moods), once untimed to warm up and record what each found, then timed."""
    allowed = allowed_episodes(query)
    answer = client.get("/api/search/", query.params).json()
    run = {
        "found": {
            "product": answer["count"],
            "raw Whoosh": raw.count(query, allowed),
            "SQLite FTS5": fts.count(query, allowed),
        },
        "suggestion": answer["suggestion"],
        "raw Whoosh suggestion": raw.search(query, allowed)[1],
    }
    if allowed is not None:
        unfiltered = client.get("/api/search/", {"q": query.params["q"]}).json()
        if "timed_out" in unfiltered["notices"]:
            # A reference count, not a timing: the first read of a common word's rows may find
            # them cold (PostgreSQL's shared buffers) and run into the time limit; ask again.
            unfiltered = client.get("/api/search/", {"q": query.params["q"]}).json()
        run["found unfiltered"] = {
            "product": unfiltered["count"],
            "raw Whoosh": raw.count(query, None),
            "SQLite FTS5": fts.count(query, None),
        }
    fts.search(query, allowed)
    samples: dict[str, list[float]] = {engine: [] for engine in ENGINES}
    for _ in range(repeats):
        samples["product"].append(timed(client.get, "/api/search/", query.params)[0] * 1000)
        samples["raw Whoosh"].append(timed(raw.search, query, allowed)[0] * 1000)
        samples["SQLite FTS5"].append(timed(fts.search, query, allowed)[0] * 1000)
    run["ms"] = samples
    return run


def search_figures(mix: list, runs: list[dict], repeats: int) -> dict:
    from bench.queries import TYPES

    by_type: dict[str, list[dict]] = {kind: [] for kind in TYPES}
    for query, run in zip(mix, runs, strict=True):
        by_type[query.type].append(run)
    figures = {"all queries": engine_figures(runs)}
    figures.update({kind: engine_figures(of_type) for kind, of_type in by_type.items()})
    slowest = sorted(zip(mix, runs, strict=True), key=lambda pair: -statistics.median(pair[1]["ms"]["product"]))
    return {
        "query mix": {
            "seed": SEED,
            "queries": len(mix),
            "timed runs per query and engine": repeats,
            "queries per type": {kind: len(of_type) for kind, of_type in by_type.items()},
        },
        "search, ms": figures,
        "slowest five queries (product p50, ms)": [
            {
                "type": query.type,
                "query": query.text,
                **{engine: ms(statistics.median(run["ms"][engine])) for engine in ENGINES},
                "moments found": run["found"]["product"],
            }
            for query, run in slowest[:5]
        ],
        "checks": checks(mix, runs),
        "queries": [f"{query.type}: {query.text}" for query in mix],
    }


def engine_figures(runs: list[dict]) -> dict:
    samples = {engine: [ms for run in runs for ms in run["ms"][engine]] for engine in ENGINES}
    figures: dict = {engine: percentiles(samples[engine]) for engine in ENGINES}
    for other, label in (("raw Whoosh", "product / raw Whoosh"), ("SQLite FTS5", "product / FTS5")):
        figures[label] = {
            "p50": ratio(statistics.median(samples["product"]), statistics.median(samples[other])),
            "p95": ratio(nearest_p95(samples["product"]), nearest_p95(samples[other])),
        }
    return figures


def nearest_p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[math.ceil(len(ordered) * 0.95) - 1]


def ratio(product: float, other: float) -> float:
    return round(product / other, 2)


def checks(mix: list, runs: list[dict]) -> dict[str, list[int]]:
    """[passed, queries] for each thing the mix must do to measure what it says."""
    misspelled = [run for query, run in zip(mix, runs, strict=True) if query.type == "misspelled"]
    filtered = [run for query, run in zip(mix, runs, strict=True) if query.type == "filtered"]
    return {
        "misspelled: 0 results and a suggestion (product)": [
            sum(run["found"]["product"] == 0 and bool(run["suggestion"]) for run in misspelled),
            len(misspelled),
        ],
        "misspelled: 0 results and a suggestion (raw Whoosh)": [
            sum(run["found"]["raw Whoosh"] == 0 and bool(run["raw Whoosh suggestion"]) for run in misspelled),
            len(misspelled),
        ],
        "filtered: fewer moments than unfiltered, in each engine": [
            sum(all(0 < run["found"][e] < run["found unfiltered"][e] for e in ENGINES) for run in filtered),
            len(filtered),
        ],
        "filtered: the product and raw Whoosh find the same moments": [
            sum(run["found"]["product"] == run["found"]["raw Whoosh"] for run in filtered),
            len(filtered),
        ],
    }


class RawWhoosh:
    """The engine alone: the product's analyzers, writer settings and scorer, a schema
    of what these queries need (text; spelling, for suggestions; episode, for filters),
    Whoosh's own query parser, one searcher kept open, top 20."""

    SCORER = "search.engines.whoosh_backend.MomentWeighting (the product's TF-IDF), imported"

    def __init__(self, folder: Path) -> None:
        from django.conf import settings
        from whoosh import index as whoosh_index
        from whoosh.fields import ID, TEXT, Schema
        from whoosh.qparser import QueryParser

        from episodes.models import Segment
        from search.analysis import french_analyzer, spelling_analyzer
        from search.engines.whoosh_backend import MomentWeighting, bulk_writer

        schema = Schema(
            id=ID(stored=True),
            text=TEXT(analyzer=french_analyzer(), phrase=True),
            spell=TEXT(analyzer=spelling_analyzer(), phrase=False),
            episode=ID,
        )
        folder.mkdir()
        index = whoosh_index.create_in(str(folder), schema)
        rows = list(Segment.objects.filter(episode__is_published=True).values_list("pk", "text", "episode_id"))
        start = time.perf_counter()
        writer = bulk_writer(index, settings.ARCHIVE_INDEX_PROCS, settings.ARCHIVE_INDEX_MEMORY_MB)
        for pk, text, episode_id in rows:
            writer.add_document(id=str(pk), text=text, spell=text, episode=str(episode_id))
        writer.commit()
        self.indexing = round(len(rows) / (time.perf_counter() - start))
        self.searcher = index.searcher(weighting=MomentWeighting())
        self.parser = QueryParser("text", schema)

    def _query(self, query, allowed: set[int] | None) -> tuple:
        from whoosh import query as wq

        parsed = self.parser.parse(query.whoosh)
        only = None if allowed is None else wq.Or([wq.Term("episode", str(pk)) for pk in sorted(allowed)])
        return parsed, only

    def search(self, query, allowed: set[int] | None) -> tuple[list[str], str | None]:
        """The top ids, and a suggestion when there are few, as the product does."""
        parsed, only = self._query(query, allowed)
        results = self.searcher.search(parsed, limit=TOP, filter=only)
        ids = [hit["id"] for hit in results]
        return ids, self.suggest(query.whoosh) if results.scored_length() < FEW_RESULTS else None

    def suggest(self, text: str) -> str | None:
        from search.analysis import WORDS, spelling_analyzer

        corrector, reader, suggestion = self.searcher.corrector("spell"), self.searcher.reader(), text
        for word in re.findall(WORDS, re.sub(r'"[^"]*"|\S+\*', " ", text)):
            spelled = [token.text for token in spelling_analyzer()(word)]
            if word == "OR" or not spelled or ("spell", spelled[0]) in reader:
                continue
            closest = corrector.suggest(spelled[0], limit=1, maxdist=2, prefix=1)
            if closest:
                suggestion = suggestion.replace(word, closest[0], 1)
        return suggestion if suggestion != text else None

    def count(self, query, allowed: set[int] | None) -> int:
        parsed, only = self._query(query, allowed)
        return len(self.searcher.search(parsed, limit=None, filter=only))


class Fts5:
    """The reference: SQLite's own full-text index on the same lines, with their episode
    (not indexed) for filters."""

    def __init__(self) -> None:
        from episodes.models import Segment

        rows = list(Segment.objects.filter(episode__is_published=True).values_list("pk", "text", "episode_id"))
        self.db = sqlite3.connect(":memory:")
        self.db.execute(
            "CREATE VIRTUAL TABLE moments USING fts5(text, episode UNINDEXED, tokenize='unicode61 remove_diacritics 2')"
        )
        start = time.perf_counter()
        self.db.executemany("INSERT INTO moments(rowid, text, episode) VALUES (?, ?, ?)", rows)
        self.db.commit()
        self.indexing = round(len(rows) / (time.perf_counter() - start))

    def _where(self, query, allowed: set[int] | None) -> tuple[str, list]:
        if allowed is None:
            return "moments MATCH ?", [query.fts5]
        marks = ", ".join("?" * len(allowed))
        return f"moments MATCH ? AND episode IN ({marks})", [query.fts5, *sorted(allowed)]

    def search(self, query, allowed: set[int] | None) -> list[int]:
        where, values = self._where(query, allowed)
        return self.db.execute(f"SELECT rowid FROM moments WHERE {where} ORDER BY rank LIMIT {TOP}", values).fetchall()

    def count(self, query, allowed: set[int] | None) -> int:
        where, values = self._where(query, allowed)
        return self.db.execute(f"SELECT count(*) FROM moments WHERE {where}", values).fetchone()[0]


def reimport(work: Path, number: int, segments: int, client) -> dict:
    """A long episode imported, then imported again with some lines changed, each through
    the `import_transcript` command (the import, then the index jobs it leaves)."""
    from django.core.management import call_command

    from bench.corpus import episode_text, vocabulary
    from episodes.models import Episode

    folder = work / "reimport"
    folder.mkdir()
    path = folder / "bench-reimport.txt"
    text = episode_text(number, segments, random.Random(number), vocabulary())
    path.write_text(text, encoding="utf-8")
    episodes = Episode.objects.count()
    first, _ = timed(call_command, "import_transcript", str(path), stdout=io.StringIO())
    changed = changed_lines(text)
    path.write_text(changed, encoding="utf-8")
    again, _ = timed(call_command, "import_transcript", str(path), stdout=io.StringIO())
    if Episode.objects.count() != episodes + 1:
        raise RuntimeError("the re-import made a new episode instead of replacing the first")
    found = client.get("/api/search/", {"q": REIMPORT_WORD}).json()["count"]
    return {
        "segments": segments,
        "changed lines": segments // REIMPORT_CHANGE_EVERY,
        "first import, s": round(first, 2),
        "re-import, s": round(again, 2),
        "re-import / first import": round(again / first, 2),
        "changed lines found by search": found,
    }


def changed_lines(text: str) -> str:
    """The transcript with one line in REIMPORT_CHANGE_EVERY saying one more word, at the same times."""
    header, lines = text.split("\n", 2)[:2], text.split("\n")[2:]
    changed = [
        f"{line} {REIMPORT_WORD}" if line and number % REIMPORT_CHANGE_EVERY == 0 else line
        for number, line in enumerate(lines)
    ]
    return "\n".join(header + changed)


def web_worker_memory(episode_url: str, mix: Path) -> int:
    """Peak memory of a fresh process serving the query mix and the pages, as a web worker would."""
    command = [sys.executable, __file__, "--worker", episode_url, "--mix", str(mix)]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT, env=os.environ)
    return int(done.stdout.strip().splitlines()[-1])


def serve_as_worker(episode_url: str, mix: Path) -> None:
    import django

    django.setup()
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    for params in json.loads(mix.read_text()):
        client.get("/api/search/", params)
        client.get("/search/", params)
    client.get(episode_url)
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the process that started us.
    peak_kb = next(line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith("VmHWM:"))
    print(round(int(peak_kb.split()[1]) / 1024))


def print_report(result: dict) -> None:
    print(f"== {result['episodes']} episodes ({result['segments']} segments), {result['search engine']} engine ==")
    for key, value in result.items():
        if key in ("search, ms", "slowest five queries (product p50, ms)", "queries", "checks", "query mix"):
            continue
        if isinstance(value, dict):
            value = "; ".join(f"{k}: {v}" for k, v in value.items())
        print(f"{key}: {value}")
    mix = result["query mix"]
    print(
        f"search, {mix['queries']} queries (seed {mix['seed']}), {mix['timed runs per query and engine']} timed runs"
        " each, ms p50 / p95 (ratio product / other, p50 and p95):"
    )
    print(f"  {'':14}  {'product':>15}  {'raw Whoosh':>24}  {'SQLite FTS5':>24}")
    for kind, figures in result["search, ms"].items():
        cells = [f"{figures['product']['p50']:>6} / {figures['product']['p95']:>6}"]
        for engine, label in (("raw Whoosh", "product / raw Whoosh"), ("SQLite FTS5", "product / FTS5")):
            ratios = figures[label]
            cells.append(
                f"{figures[engine]['p50']:>6} / {figures[engine]['p95']:>6} ({ratios['p50']}, {ratios['p95']})"
            )
        print(f"  {kind:14}  {cells[0]:>15}  {cells[1]:>24}  {cells[2]:>24}")
    print("slowest five queries (product p50), ms product / raw Whoosh / FTS5:")
    for slow in result["slowest five queries (product p50, ms)"]:
        times = " / ".join(str(slow[engine]) for engine in ENGINES)
        print(f"  {slow['type']}: {slow['query']}  {times}  ({slow['moments found']} moments)")
    print("checks:")
    for name, (passed, total) in result["checks"].items():
        print(f"  {'ok  ' if passed == total else 'FAIL'} {name}: {passed} of {total}")


def failed_checks(results: list[dict]) -> list[str]:
    return [
        f"{result['episodes']} episodes, {result['search engine']}: {name}: {passed} of {total}"
        for result in results
        for name, (passed, total) in result["checks"].items()
        if passed != total
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of each query in each engine")
    parser.add_argument("--reimport-segments", type=int, default=REIMPORT_SEGMENTS)
    parser.add_argument("--quick", action="store_true", help="smoke test: 3 episodes, 1 run, 1,000-line re-import")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results.json")
    parser.add_argument("--postgres", metavar="URL", help="also run each size on this PostgreSQL server")
    parser.add_argument("--postgres-only", action="store_true", help="with --postgres: skip the Whoosh runs")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--mix", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        serve_as_worker(args.worker, args.mix)
        return
    if args.one is not None:
        result = run_size(args.one, args.repeats, args.reimport_segments, args.postgres)
        print(json.dumps(result, ensure_ascii=False))
        return
    if args.quick:
        sizes, repeats, reimport_segments = [3], 1, 1_000
    else:
        sizes, repeats, reimport_segments = args.sizes, args.repeats, args.reimport_segments
    results = []
    for size in sizes:
        servers = [None, args.postgres] if args.postgres else [None]
        for postgres in servers[1:] if args.postgres and args.postgres_only else servers:
            command = [sys.executable, __file__, "--one", str(size), "--repeats", str(repeats)]
            command += ["--reimport-segments", str(reimport_segments)]
            command += ["--postgres", postgres] if postgres else []
            # Each run's database is its own: SQLite in its folder, or the PostgreSQL one it creates.
            env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ARCHIVE_SEARCH_ENGINE")}
            done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT, env=env)
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print_report(results[-1])
    args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"figures written to {args.json}")
    failed = failed_checks(results)
    if failed:
        sys.exit("checks failed (the figures do not measure what they say):\n" + "\n".join(failed))


if __name__ == "__main__":
    main()
