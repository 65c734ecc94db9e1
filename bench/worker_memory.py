"""A web worker's memory over many requests of mixed, hostile traffic.

    .venv/bin/python bench/worker_memory.py [--episodes 100] [--requests 20000] [--every 2000]

It builds an archive of generated episodes (bench/corpus.py, SQLite and Whoosh in a temporary
folder), starts bin/serve-production with one worker of 4 threads that is never replaced
(WEB_MAX_REQUESTS=0), and sends requests one after the other: searches of words never said and
made up each time, prefixes, long queries, phrases, filters, pages past the last, episode pages
with a search, the API, pages that do not exist. Every `--every` requests it prints the worker's
resident memory (VmRSS, from /proc), so that what grows, and whether it stops growing, shows.
"""

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import string
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import build_archive, free_port, start_server  # noqa: E402

WORDS = ["quantique", "souveraineté", "cyber", "données", "Nice 2", "intelligence", "directive", "machine"]


def hostile(rng: random.Random, episode_paths: list[str]) -> str:
    """One request's path and query, drawn from what the operators saw."""
    made_up = "".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 12)))
    kind = rng.randrange(9)
    if kind == 0:
        return "/api/search/?" + urllib.parse.urlencode({"q": made_up})
    if kind == 1:
        return "/search/?" + urllib.parse.urlencode({"q": made_up[:3] + "*"})
    if kind == 2:
        return "/api/search/?" + urllib.parse.urlencode({"q": " ".join(rng.choices([*WORDS, made_up], k=12))})
    if kind == 3:
        return "/search/?" + urllib.parse.urlencode({"q": f'"{rng.choice(WORDS)} {made_up}"', "sort": "newest"})
    if kind == 4:
        return "/api/search/?" + urllib.parse.urlencode({"q": rng.choice(WORDS), "page": rng.randint(1, 10_000)})
    if kind == 5:
        return (
            rng.choice(episode_paths)
            + "?"
            + urllib.parse.urlencode({"q": rng.choice([*WORDS, made_up]), "t": rng.randint(0, 4000)})
        )
    if kind == 6:
        return f"/episodes/{made_up}/"
    if kind == 7:
        return "/topics/?" + urllib.parse.urlencode({"q": rng.choice(WORDS)})
    return "/api/search/?" + urllib.parse.urlencode({"q": made_up + "~" + "x" * rng.randint(0, 200)})


def worker_rss_mb(server_pid: int) -> float:
    """The resident memory of the server's one gunicorn worker: a child of its gunicorn master."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            pid, rest = stat.read_text().split(" (", 1)
        except OSError:
            continue
        parents[int(pid)] = int(rest.rsplit(") ", 1)[1].split()[1])
    master = next(pid for pid, parent in parents.items() if parent == server_pid and _is_gunicorn(pid))
    worker = next(pid for pid, parent in parents.items() if parent == master)
    status = Path(f"/proc/{worker}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1]) / 1024


def _is_gunicorn(pid: int) -> bool:
    try:
        return b"gunicorn" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=100, help="generated episodes of 600 lines (default 100)")
    parser.add_argument("--requests", type=int, default=20_000, help="requests sent (default 20,000)")
    parser.add_argument("--every", type=int, default=2_000, help="requests between two readings (default 2,000)")
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="worker-memory-"))
    port = free_port()
    env = {
        **{key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "ARCHIVE_SEARCH_ENGINE")},
        "ARCHIVE_DATA_DIR": str(work / "data"),
        "ADDRESS": f"127.0.0.1:{port}",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "WEB_WORKERS": "1",
        "WEB_MAX_REQUESTS": "0",
    }
    server = None
    try:
        build_archive(work, env, options.episodes)
        server = start_server(env, port, work / "server.log")
        measure(port, server.pid, episode_paths(port), options.requests, options.every)
    finally:
        if server:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)
        shutil.rmtree(work, ignore_errors=True)


def episode_paths(port: int) -> list[str]:
    """The episode pages the search finds for a common word."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", "/api/search/?q=le")
    results = json.loads(connection.getresponse().read())["results"]
    return sorted({urllib.parse.urlsplit(result["url"]).path for result in results})


def measure(port: int, server_pid: int, pages: list[str], requests: int, every: int) -> None:
    rng, connection = random.Random(7), http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    print(f"== one web worker (Whoosh, SQLite), {requests:,} hostile requests, {len(pages)} episode pages in them ==")
    print(f"requests      0: {worker_rss_mb(server_pid):7.1f} MB")
    start, statuses = time.perf_counter(), {}
    for number in range(1, requests + 1):
        connection.request("GET", hostile(rng, pages))
        response = connection.getresponse()
        response.read()
        statuses[response.status] = statuses.get(response.status, 0) + 1
        if number % every == 0:
            print(f"requests {number:>6,}: {worker_rss_mb(server_pid):7.1f} MB")
    print(f"{requests / (time.perf_counter() - start):.0f} requests/s; answers: {dict(sorted(statuses.items()))}")


if __name__ == "__main__":
    main()
