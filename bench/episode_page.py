"""How long the server takes to render an episode page of 700 segments.

    .venv/bin/python bench/episode_page.py [--segments 700] [--runs 50]

Builds a throwaway archive (SQLite and Whoosh in a temporary folder), imports one
episode through the real import path and indexes it (as `import_transcript` does
before it returns), then renders its page through Django's test client: plain, at
a moment (?t=), and opened from a search (?q=), where every line says the word
searched and is marked. Prints figures; stops with an error if the search-opened
page marks no line, so it never times a search that found nothing.
"""

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.throwaway import throwaway_archive

WORDS = [
    "quantique",
    "défense",
    "capteurs",
    "souveraineté",
    "cloud",
    "données",
    "cyber",
    "entreprises",
    "directive",
    "européenne",
]
# Every line says `quantique`: opened from this search, the page marks them all.
SEARCHED = "?q=quantique&t=600"


def transcript(segments: int) -> bytes:
    lines = [
        "- 19/06/2025",
        "Jeudi, retrouvez Ana Lopez (CEO, Acme) dans BENCH TECH, une émission présentée par Paul Durand.",
    ]
    for i in range(segments):
        seconds = i * 3
        words = " ".join(WORDS[(i + k) % len(WORDS)] for k in range(12))
        lines.append(f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}Ligne {i}, on parle de {words}.")
    return "\n".join(lines).encode()


def measure(client, url: str, runs: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return statistics.median(timings), sorted(timings)[int(len(timings) * 0.95) - 1], len(queries)


def marked_lines(client, url: str) -> int:
    """How many transcript lines the page marks as matching the search."""
    html = client.get(url).content.decode()
    return len(re.findall(r'<span id="t-[\d-]+" class="line[^"]*\bmatch\b', html))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=700)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    throwaway_archive()
    from django.test import Client

    from episodes.services import import_transcript
    from search.indexing import process_index_jobs

    episode = import_transcript(data=transcript(args.segments), filename="bench.txt").episode
    # Searchable, as after `import_transcript`: without it the search finds nothing.
    process_index_jobs(episode_ids=[episode.pk])
    client = Client(HTTP_HOST="localhost")
    url = episode.get_absolute_url()
    segments = episode.segments.count()
    marked = marked_lines(client, url + SEARCHED)
    if marked != segments:
        sys.exit(f"bench/episode_page.py: the page opened from a search marks {marked} of {segments} lines")
    print(f"episode page, {segments} segments, {args.runs} runs each")
    for label, suffix in [("plain", ""), ("at a moment", "?t=600"), ("from a search", SEARCHED)]:
        median, p95, queries = measure(client, url + suffix, args.runs)
        print(f"  {label:14s} median {median:6.1f} ms   p95 {p95:6.1f} ms   {queries} SQL queries")
    print(f"  (from a search: {marked} of {segments} lines marked)")


if __name__ == "__main__":
    main()
