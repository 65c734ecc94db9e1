"""What following a search costs: `/search/feed.xml` (the 50 newest moments that match), and a
poller's revalidation (If-None-Match, answered 304).

    .venv/bin/python bench/search_feed.py --episodes 1000 [--runs 20]   # builds a throwaway archive
    ARCHIVE_DATA_DIR=/path .venv/bin/python bench/search_feed.py         # an archive that exists, read only

The archive is built as bench/topics.py builds it (the sample and generated episodes, imported
with `import_transcript`). After one untimed search (a process's first reads the index), for
each query, after one untimed request, through Django's test client: the feed, then the same
feed asked again with its ETag. Median, p95 and least over --runs, how many of the second were
a 304, the feed's items and size, and whether its search was cut at the time limit. Prints figures.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.topics import median, open_archive, p95, timings

QUERIES = {"a glossary term (NIS2)": "NIS2", "a common word": "données", "a rare word": "quantique"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, help="build an archive of this many corpus episodes")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    open_archive(args.episodes, "bench/search_feed.py")
    report(args.runs)


def report(runs: int) -> None:
    from django.test import Client

    from episodes.models import Episode, Segment
    from search.engines import Filters
    from search.moments import find_moments

    client = Client(HTTP_HOST="localhost")
    episodes, lines = Episode.objects.published().count(), Segment.objects.published().count()
    print(f"== /search/feed.xml, {episodes:,} published episodes ({lines:,} lines), {runs} runs ==")
    heading = f"{'query':<26} {'feed ms (median / p95 / least)':>32} {'revalidated ms (median / least)':>32}"
    print(f"{heading} {'304s':>6} {'items':>6} {'bytes':>8} {'cut short':>10}")
    # A process's first search reads the index's arrays (as a web worker's does), which can take
    # it past the time limit at this size: done once before, untimed.
    client.get("/search/feed.xml", {"q": "quantique"})
    for name, query in QUERIES.items():
        first = client.get("/search/feed.xml", {"q": query})
        assert first.status_code == 200, first.content
        etag = first["ETag"]
        full = timings(lambda query=query: client.get("/search/feed.xml", {"q": query}), runs)
        again = timings(
            lambda query=query, etag=etag: client.get("/search/feed.xml", {"q": query}, HTTP_IF_NONE_MATCH=etag), runs
        )
        # A feed is the same while nothing changes, unless its search is cut at the time limit:
        # then each request finds a different part, and its ETag changes.
        unchanged = sum(
            client.get("/search/feed.xml", {"q": query}, HTTP_IF_NONE_MATCH=etag).status_code == 304
            for _ in range(runs)
        )
        cut = find_moments(query, Filters(sort="newest"), suggesting=False)
        cut.results.top(50)
        items = first.content.count(b"<item>")
        print(
            f"{name:<26} {median(full):>12.1f} / {p95(full):>6.1f} / {min(full):>6.1f}"
            f" {median(again):>22.1f} / {min(again):>6.1f} {unchanged:>3}/{runs:<2} {items:>6}"
            f" {len(first.content):>8,} {'yes' if cut.timed_out else 'no':>10}"
        )


if __name__ == "__main__":
    main()
