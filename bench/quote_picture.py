"""What a shared passage's picture costs: drawn once (the first request), then read from the disk,
then revalidated (If-None-Match, answered 304); and what its og:image adds to the episode page.

    .venv/bin/python bench/quote_picture.py [--episodes 10] [--runs 20]   # a throwaway archive
    ARCHIVE_DATA_DIR=/path .venv/bin/python bench/quote_picture.py        # an archive that exists

Through Django's test client, for three passages of the sample (a line, two lines, a minute):
each first request into an empty picture folder (drawn; --runs times, the folder emptied each
time), the same request again (from the disk), and with its ETag (304); and the episode page
with and without `?t=` (its quote's card and picture address). Median and least. Prints figures.
"""

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.topics import median, open_archive, timings

PASSAGES = {"one line (21:49)": "1309", "two lines (21:50–22:02)": "1310-1322", "a minute (12:32–13:32)": "752-812"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=10, help="corpus episodes beside the sample")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    open_archive(args.episodes, "bench/quote_picture.py")
    report(args.runs)


def report(runs: int) -> None:
    from django.conf import settings
    from django.test import Client

    from episodes.models import Episode

    settings.ARCHIVE_QUOTE_PICTURES_DIR = Path(tempfile.mkdtemp(prefix="quote-pictures-"))
    folder = settings.ARCHIVE_QUOTE_PICTURES_DIR
    client = Client(HTTP_HOST="localhost")
    episode = Episode.objects.get(slug="smart-tech-du-19-juin-2025")
    url = f"{episode.get_absolute_url()}quote.png"

    def drawn(t: str):
        shutil.rmtree(folder, ignore_errors=True)
        return b"".join(client.get(url, {"t": t}).streaming_content)

    print(f"== quote pictures of {episode.title}, {runs} runs, ms (median / least) ==")
    print(f"{'passage':<26} {'drawn':>16} {'from the disk':>16} {'304':>16} {'bytes':>8}")
    client.get(url, {"t": "1309"})  # the fonts loaded once, as a worker keeps them
    for name, t in PASSAGES.items():
        first = timings(lambda t=t: drawn(t), runs)
        size = len(drawn(t))
        etag = client.get(url, {"t": t})["ETag"]
        cached = timings(lambda t=t: b"".join(client.get(url, {"t": t}).streaming_content), runs)
        revalidated = timings(lambda t=t, etag=etag: client.get(url, {"t": t}, HTTP_IF_NONE_MATCH=etag), runs)
        print(
            f"{name:<26} {median(first):>7.1f} / {min(first):>6.1f} {median(cached):>7.1f} / {min(cached):>6.1f}"
            f" {median(revalidated):>7.1f} / {min(revalidated):>6.1f} {size:>8,}"
        )
    page = episode.get_absolute_url()
    plain = timings(lambda: client.get(page), runs)
    quoted = timings(lambda: client.get(page, {"t": "1310-1322"}), runs)
    print(f"episode page: {median(plain):.1f} ms without ?t=, {median(quoted):.1f} ms with a passage and its og:image")
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
