"""The archive at several sizes on each engine, beside raw Whoosh, SQLite FTS5 and stock
PostgreSQL full-text search on the same lines; it writes its figures and docs/benchmarks.md.

    .venv/bin/python bench/run.py --sizes 100 1000 [--engines whoosh postgres] [--postgres URL]
    .venv/bin/python bench/run.py --sizes 10000 --engines postgres --postgres URL \\
        --archive DATA_DIR --archive-database URL --corpus CORPUS --no-raw-whoosh \\
        [--import-lines-per-s N --import-source TEXT]      # an archive built before, measured as it is
    .venv/bin/python bench/run.py --quick [--postgres URL]  # CI smoke test: 3 episodes, in a temporary folder

Each size and engine runs in its own process: a fresh Django, a fresh SQLite file and Whoosh
folder in a temporary directory, or on `postgres` a database of its own on the `--postgres`
server (created, then dropped). It prints, per size: bulk import (`import_transcript` over the
corpus folder, returning once searchable) and `rebuild_index` throughput; upload-to-searchable
for one more 600-segment episode; a mix of some hundred queries drawn from the corpus
(bench/mix.py, bench/queries.py), each run in turn through the product (the JSON API, a full
request through Django's test client) and the references of bench/references.py, with p50/p95
per query type and overall, the ratios and the slowest queries; the queries built to run into
the time limit; episode page and results page render times; the peak memory of a fresh process
serving the mix as a web worker would; and a long episode's first import against its re-import
with some lines changed. It checks what it measures (misspelled queries find nothing and get a
suggestion, filtered queries are narrower than unfiltered ones) and exits with status 1, after
writing its figures, when a check fails. Stock PostgreSQL runs only given `--postgres`.

With `--archive`, one size on one engine is measured on an archive built before, which it does
not change: the query mix, the time-limit queries and the web worker's memory. Nothing is
imported, so the import speed is the one given with `--import-lines-per-s`, and the docs say
where it came from (`--import-source`), or "not measured".

Each run's figures go to RESULTS/results-ENGINE-SIZE.json (default bench/); then
docs/benchmarks.md and docs/benchmarks.svg are written again from every such file there
(bench/report.py), so a run of some sizes updates their rows and keeps the others.
"""

import argparse
import datetime
import io
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.mix import MIX_EPISODES, ms, percentiles, query_mix  # noqa: E402

REIMPORT_SEGMENTS = 15_000
# One line in this many is changed before the re-import, and says this word.
REIMPORT_CHANGE_EVERY = 10
REIMPORT_WORD = "réimportée"
QUICK_SIZE = 3


def timed(function: Callable, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def run_size(episodes: int, engine: str, options: argparse.Namespace) -> dict:
    """Everything for one size on one engine, in this (fresh) process."""
    from bench.databases import create_database, database_url, drop_database

    database = None
    if options.archive:
        os.environ["ARCHIVE_DATA_DIR"] = str(options.archive)
        if engine == "postgres":
            os.environ["DATABASE_URL"] = options.archive_database
    elif engine == "postgres":
        database = create_database(options.postgres, "bench")
        os.environ["DATABASE_URL"] = database_url(options.postgres, database)
    os.environ["ARCHIVE_SEARCH_ENGINE"] = engine
    work = Path(tempfile.mkdtemp(prefix=f"bench-{episodes}-"))
    if not options.archive:
        os.environ["ARCHIVE_DATA_DIR"] = str(work / "data")
    machine = {
        "started": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "code": git_head(),
        "cores": os.cpu_count(),
        "memory, GB": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30),
        "load at start (1, 5, 15 min)": [round(load, 2) for load in os.getloadavg()],
    }
    start = time.perf_counter()
    try:
        result = measure(work, episodes, engine, options)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if database:
            from django.db import connections

            connections.close_all()
            drop_database(options.postgres, database)
    machine["load at end (1, 5, 15 min)"] = [round(load, 2) for load in os.getloadavg()]
    machine["minutes"] = round((time.perf_counter() - start) / 60, 1)
    return {"machine": machine, **result}


def git_head() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    # Changes to the code, not to the figures and docs that runs write.
    changed = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/results-*.json", ":!docs")
    return git("rev-parse", "--short", "HEAD") + (" (with changes)" if changed else "")


def measure(work: Path, episodes: int, engine: str, options: argparse.Namespace) -> dict:
    os.environ["DJANGO_SETTINGS_MODULE"] = "smarttech.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from bench.databases import server_settings
    from episodes.models import Episode

    result: dict = {"episodes": episodes, "search engine": settings.ARCHIVE_SEARCH_ENGINE}
    if options.postgres:
        result["PostgreSQL server settings"] = server_settings(options.postgres)
    if options.archive:
        files = sorted(options.corpus.glob("*.txt"))[:MIX_EPISODES]
        archived = Episode.objects.published().filter(title__startswith="SMART TECH du").count()
        if archived < episodes:
            raise SystemExit(f"{options.archive} holds {archived} generated episodes, fewer than {episodes}")
        result["archive"] = {
            "data": str(options.archive),
            "database": connection.settings_dict["NAME"],
            "generated episodes": archived,
        }
        result["segments"] = published_segments()
        if options.import_lines_per_s:
            result[IMPORT] = options.import_lines_per_s
            result["bulk import, from"] = f"recorded, not measured by this run: {options.import_source}"
        else:
            result["bulk import, from"] = "not measured (an archive built before)"
        episode_url = Episode.objects.published().filter(title__startswith="SMART TECH du").first().get_absolute_url()
    else:
        files = build_archive(work, episodes, result)
    client = Client(HTTP_HOST="localhost")
    mix = query_mix(files[:MIX_EPISODES])
    (work / "mix.json").write_text(json.dumps([query.params for query in mix]))
    result.update(measure_search(work, mix, client, options))
    if not options.archive:
        episode_url = measure_pages(episodes, client, options.repeats, result)
    result["web worker peak memory, MB"] = web_worker_memory(episode_url, work / "mix.json")
    result["bench process peak memory, MB"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    if not options.archive:
        result["re-import"] = reimport(work, episodes + 3, options.reimport_segments, client)
        result["checks"]["re-import: the changed lines are what search finds"] = [
            int(result["re-import"]["changed lines found by search"] == result["re-import"]["changed lines"]),
            1,
        ]
    result["published episodes"] = Episode.objects.published().count()
    result["queries"] = result.pop("queries")  # the long list last
    return result


IMPORT = "bulk import (import_transcript over a folder, indexed), segments/s"


def published_segments() -> int:
    from episodes.models import Segment

    return Segment.objects.published().count()


def build_archive(work: Path, episodes: int, result: dict) -> list[Path]:
    """A new archive of `episodes` generated episodes, timed: the folder import, a rebuild of
    the index and one more episode's upload until searchable. The corpus's files."""
    from django.core.management import call_command

    from bench.corpus import write_corpus
    from episodes.models import Segment
    from episodes.services import import_transcript
    from search.engines import engine
    from search.indexing import process_index_jobs

    call_command("migrate", verbosity=0)
    call_command("load_sample", stdout=io.StringIO())  # the glossary
    files = write_corpus(work / "corpus", episodes + 1)
    extra = files[episodes].rename(work / files[episodes].name)
    sample = Segment.objects.count()
    import_seconds, _ = timed(call_command, "import_transcript", str(work / "corpus"), stdout=io.StringIO())
    segments = Segment.objects.count() - sample
    result["segments"] = segments
    result[IMPORT] = round(segments / import_seconds)
    result["bulk import, from"] = "measured by this run"
    rebuild_seconds, _ = timed(engine().rebuild)
    result["bulk indexing (rebuild_index), segments/s"] = round((segments + sample) / rebuild_seconds)

    def upload_to_searchable() -> None:
        episode = import_transcript(data=extra.read_bytes(), filename=extra.name).episode
        process_index_jobs(episode_ids=[episode.pk])

    result["upload to searchable, 600 segments, s"] = round(timed(upload_to_searchable)[0], 2)
    return files[:episodes]


def measure_search(work: Path, mix: list, client, options: argparse.Namespace) -> dict:
    """The mix through the product beside the references, and the queries built to be slow."""
    from bench.mix import run_query, search_figures
    from bench.references import Fts5, RawWhoosh, StockPostgres, published_lines

    rows = published_lines()
    references = {} if options.no_raw_whoosh else {RawWhoosh.NAME: RawWhoosh(work / "raw-whoosh", rows)}
    references[Fts5.NAME] = Fts5(rows)
    if options.postgres:
        references[StockPostgres.NAME] = StockPostgres(options.postgres, rows)
    del rows
    figures: dict = {"raw Whoosh scorer": RawWhoosh.SCORER} if RawWhoosh.NAME in references else {}
    figures |= {f"bulk indexing, {name}, segments/s": ref.indexing for name, ref in references.items()}
    try:
        runs = [run_query(query, client, references, options.repeats) for query in mix]
    finally:
        if StockPostgres.NAME in references:
            references[StockPostgres.NAME].close()
    figures |= search_figures(mix, runs, options.repeats)
    figures["time limit, worst queries, ms"] = worst_queries(client, options.repeats)
    return figures


def measure_pages(episodes: int, client, repeats: int, result: dict) -> str:
    """A long episode's page and a common word's results page; the episode's address."""
    from bench.corpus import episode_text, vocabulary
    from episodes.services import import_transcript
    from search.indexing import process_index_jobs

    long_text = episode_text(episodes + 2, 700, random.Random(1), vocabulary()).encode()
    long_episode = import_transcript(data=long_text, filename="bench-long.txt").episode
    process_index_jobs(episode_ids=[long_episode.pk])
    url = long_episode.get_absolute_url()
    client.get(url)
    result["episode page, 700 segments, ms"] = percentiles([timed(client.get, url)[0] * 1000 for _ in range(repeats)])
    client.get("/search/", {"q": "effectivement"})
    result_pages = [timed(client.get, "/search/", {"q": "effectivement"})[0] * 1000 for _ in range(repeats)]
    result["results page, common word, ms"] = percentiles(result_pages)
    return url


# Queries built to run long: every search must still answer within its limit plus 10 %.
COMMON_WORDS = "de la le et est que pour une des les du en"
WORST_QUERIES = {
    "twelve common phrases ANDed, newest first": {"q": " ".join(['"de la"'] * 12), "sort": "newest"},
    "twelve common words ORed": {"q": COMMON_WORDS.replace(" ", " OR ")},
    "twelve common words ANDed": {"q": COMMON_WORDS},
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000], help="episodes of 600 lines")
    parser.add_argument("--engines", nargs="+", choices=("whoosh", "postgres"), help="default: whoosh, and postgres")
    parser.add_argument("--postgres", metavar="URL", help="a server for the postgres engine and stock PostgreSQL")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of each query in each engine")
    parser.add_argument("--reimport-segments", type=int, default=REIMPORT_SEGMENTS)
    parser.add_argument("--quick", action="store_true", help="smoke test: 3 episodes, 1 run, 1,000-line re-import")
    parser.add_argument(
        "--no-raw-whoosh", action="store_true", help="leave raw Whoosh out (its index of 6M lines takes an hour)"
    )
    parser.add_argument("--results", type=Path, help="folder of results-ENGINE-SIZE.json (default bench/)")
    parser.add_argument("--docs", type=Path, help="folder of benchmarks.md and .svg (default docs/)")
    archive = parser.add_argument_group("an archive built before (one size, one engine)")
    archive.add_argument("--archive", type=Path, metavar="DATA_DIR", help="its ARCHIVE_DATA_DIR")
    archive.add_argument("--archive-database", metavar="URL", help="its PostgreSQL database (engine postgres)")
    archive.add_argument("--corpus", type=Path, help="the folder it was imported from (the mix is drawn from it)")
    archive.add_argument("--import-lines-per-s", type=int, help="its import speed, as recorded when it was built")
    archive.add_argument("--import-source", help="where that figure comes from (a log, a command, a date)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--mix", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.worker:
        serve_as_worker(options.worker, options.mix)
        return
    engines = options.engines or (["whoosh", "postgres"] if options.postgres else ["whoosh"])
    if options.one is not None:
        print(json.dumps(run_size(options.one, engines[0], options), ensure_ascii=False))
        return
    check_options(parser, options, engines)
    if options.quick:
        options.sizes, options.repeats, options.reimport_segments = [QUICK_SIZE], 1, 1_000
        # CI's smoke test: its figures are no benchmark's, so not the repository's by default.
        if not (options.results and options.docs):
            scratch = Path(tempfile.mkdtemp(prefix="bench-quick-"))
            options.results, options.docs = options.results or scratch, options.docs or scratch
    results_dir, docs_dir = options.results or ROOT / "bench", options.docs or ROOT / "docs"
    # Not imported by the worker measured (--worker) nor by a size's own process (--one).
    from bench.report import failed_checks, print_report, write_report

    results = []
    for size in options.sizes:
        for engine in engines:
            results.append(run_one(size, engine, options))
            print_report(results[-1])
            path = results_dir / f"results-{engine}-{size}.json"
            path.write_text(json.dumps(results[-1], indent=2, ensure_ascii=False) + "\n")
            print(f"figures written to {path}")
    for path in write_report(results_dir, docs_dir):
        print(f"written: {path}")
    failed = failed_checks(results)
    if failed:
        sys.exit("checks failed (the figures do not measure what they say):\n" + "\n".join(failed))


def check_options(parser: argparse.ArgumentParser, options: argparse.Namespace, engines: list[str]) -> None:
    if "postgres" in engines and not options.postgres:
        parser.error("the postgres engine needs a server: --postgres URL")
    if options.archive:
        if len(options.sizes) != 1 or len(engines) != 1 or not options.corpus:
            parser.error("--archive measures one size on one engine, with the --corpus it was imported from")
        if engines == ["postgres"] and not options.archive_database:
            parser.error("a PostgreSQL archive needs --archive-database URL")
        if options.import_lines_per_s and not options.import_source:
            parser.error("--import-lines-per-s needs --import-source: the doc says where each figure came from")


def run_one(size: int, engine: str, options: argparse.Namespace) -> dict:
    """One size on one engine, in a process of its own."""
    command = [sys.executable, __file__, "--one", str(size), "--engines", engine, "--repeats", str(options.repeats)]
    command += ["--reimport-segments", str(options.reimport_segments)]
    command += ["--no-raw-whoosh"] if options.no_raw_whoosh else []
    for flag in ("postgres", "archive", "archive_database", "corpus", "import_lines_per_s", "import_source"):
        if getattr(options, flag) is not None:
            command += [f"--{flag.replace('_', '-')}", str(getattr(options, flag))]
    # Each run's database is its own: SQLite in its folder, the PostgreSQL one it creates, or the archive's.
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ARCHIVE_SEARCH_ENGINE")}
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True, cwd=ROOT, env=env)
    return json.loads(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
