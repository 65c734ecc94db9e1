"""How long the server takes to send an episode's transcript in each export format, and the archive's feed.

    .venv/bin/python bench/exports.py [--segments 700 20000] [--runs 10]

Builds a throwaway archive (SQLite and Whoosh in a temporary folder), imports each episode
through the real import path, then fetches its exports and a feed of 50 items through
Django's test client. Prints figures.
"""

import argparse
import datetime
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.throwaway import throwaway_archive


def median_ms(client, url: str, runs: int) -> tuple[float, int]:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(timings), len(response.content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, nargs="+", default=[700, 20000])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    throwaway_archive()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.episode_page import transcript
    from episodes.exports import FORMATS
    from episodes.services import import_transcript

    client = Client(HTTP_HOST="localhost")
    for segments in args.segments:
        episode = import_transcript(data=transcript(segments), filename=f"bench-{segments}.txt").episode
        for fmt in FORMATS:
            median, size = median_ms(client, f"{episode.get_absolute_url()}transcript.{fmt}", args.runs)
            print(f"{segments} segments, .{fmt:4s} median {median:6.1f} ms   {size / 1e6:.2f} MB")
    for day in range(60):
        air_date = datetime.date(2024, 1, 1) + datetime.timedelta(days=day)
        line = b"[00:00:01] Bonjour."
        import_transcript(data=line, filename="feed.txt", show="FEED", title=f"E{day}", air_date=air_date)
    median, size = median_ms(client, "/feed.xml", args.runs)
    with CaptureQueriesContext(connection) as queries:
        client.get("/feed.xml")
    print(f"/feed.xml, 50 items: median {median:.1f} ms, {len(queries)} SQL queries, {size / 1000:.0f} kB")


if __name__ == "__main__":
    main()
