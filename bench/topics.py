"""What the "mentions over time" strip adds to a search, and what a topic's page costs.

    .venv/bin/python bench/topics.py --episodes 100 [--runs 20]   # builds a throwaway archive (bench/corpus.py)
    ARCHIVE_DATA_DIR=/new .venv/bin/python bench/topics.py --episodes 1000   # builds it there, and keeps it
    ARCHIVE_DATA_DIR=/path .venv/bin/python bench/topics.py        # an archive that exists (its database, index)

With --episodes, an archive is built: the sample (for its glossary) and that many corpus
episodes, imported with `import_transcript`, which returns once they are searchable; in a
temporary folder removed afterwards, or in ARCHIVE_DATA_DIR when set (a new folder), kept for
the next runs. Without it, the archive of ARCHIVE_DATA_DIR (and DATABASE_URL,
ARCHIVE_SEARCH_ENGINE when set) is measured as it is, read only.

For each query, after one untimed run: the search (`find_moments`: engine, hits), then what the
strip adds to it, from those hits: the counts by month (the published episodes' air dates,
one query) and the strip's HTML; median, p95 and least over --runs (the least is the cost on
an idle machine; the others show the load the machine was under). Then the topic page of the
glossary's NIS2, a full request. Prints figures.
"""

import argparse
import atexit
import io
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUERIES = {
    "rare word": "cryptanalyse",
    "glossary term": "NIS2",
    "common word": "quantique",
    "phrase": '"de la"',
    "twelve common words ORed": "de OR la OR le OR et OR est OR que OR pour OR une OR des OR les OR du OR en",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, help="build an archive of this many corpus episodes")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    open_archive(args.episodes, "bench/topics.py")
    report(args.runs)


def open_archive(episodes: int | None, script: str) -> None:
    """Django set up on the archive to measure: one of `episodes` corpus episodes built in a
    throwaway folder (or in ARCHIVE_DATA_DIR, a new folder, kept), else ARCHIVE_DATA_DIR's."""
    if episodes and not os.environ.get("ARCHIVE_DATA_DIR"):
        work = Path(tempfile.mkdtemp(prefix="bench-"))
        atexit.register(shutil.rmtree, work, ignore_errors=True)
        os.environ["ARCHIVE_DATA_DIR"] = str(work / "data")
    elif not os.environ.get("ARCHIVE_DATA_DIR"):
        sys.exit(f"{script}: give --episodes N, or ARCHIVE_DATA_DIR of an archive that exists")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smarttech.settings")
    import django

    django.setup()
    if episodes:
        build(episodes)


def build(episodes: int) -> None:
    from django.core.management import call_command

    from bench.corpus import write_corpus

    call_command("migrate", verbosity=0)
    call_command("load_sample", stdout=io.StringIO())  # the glossary, and one episode of 2025
    corpus = Path(tempfile.mkdtemp(prefix="bench-topics-corpus-"))
    atexit.register(shutil.rmtree, corpus, ignore_errors=True)
    write_corpus(corpus, episodes)
    start = time.perf_counter()
    call_command("import_transcript", str(corpus), stdout=io.StringIO())
    print(f"built: {episodes} corpus episodes imported in {time.perf_counter() - start:.0f} s")


def report(runs: int) -> None:
    from django.conf import settings
    from django.template.loader import render_to_string
    from django.test import Client

    from episodes.models import Episode, Segment
    from search.engines import Filters
    from search.moments import find_moments
    from search.topics import strip_of

    published = Episode.objects.published()
    print(
        f"archive: {published.count()} published episodes, {Segment.objects.published().count()} moments, "
        f"{settings.ARCHIVE_SEARCH_ENGINE} engine, {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}; "
        f"{runs} runs each, ms"
    )
    heads = f"{'moments':>8s} {'episodes':>8s} {'search p50':>10s} {'strip p50':>9s} {'p95':>6s} {'min':>5s}"
    print(f"  {'query':28s} {heads}  share")
    for kind, text in QUERIES.items():
        found = find_moments(text, Filters())
        strip_of(found, Filters())  # untimed: the first run
        search = timings(lambda text=text: find_moments(text, Filters()), runs)

        def strip(found=found) -> None:
            render_to_string("search/mentions_strip.html", {"strip": strip_of(found, Filters())})

        added = timings(strip, runs)
        cut = " (cut short)" if found.timed_out else ""
        print(
            f"  {kind:28s} {found.count:8d} {found.episode_count:8d} {median(search):10.1f} "
            f"{median(added):9.1f} {p95(added):6.1f} {min(added):5.1f}  {median(added) / median(search):.0%}{cut}"
        )
    client = Client(HTTP_HOST="localhost")
    if client.get("/topics/nis2/").status_code == 200:
        page = timings(lambda: client.get("/topics/nis2/"), max(runs // 4, 3))
        print(f"  topic page /topics/nis2/, full request: p50 {median(page):.1f}, p95 {p95(page):.1f}")
    listing = timings(lambda: client.get("/topics/"), max(runs // 4, 3))
    print(f"  topics list /topics/, full request: p50 {median(listing):.1f}, p95 {p95(listing):.1f}")


def timings(function, runs: int) -> list[float]:
    spent = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        spent.append((time.perf_counter() - start) * 1000)
    return spent


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def p95(samples: list[float]) -> float:
    return sorted(samples)[math.ceil(len(samples) * 0.95) - 1]


if __name__ == "__main__":
    main()
