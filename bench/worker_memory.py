"""A web worker's memory over many requests of mixed, hostile traffic.

    .venv/bin/python bench/worker_memory.py [--episodes 100] [--requests 20000] [--every 2000]
                                            [--clients 1] [--imports 0]

It builds an archive of generated episodes (bench/corpus.py, SQLite and Whoosh in a temporary
folder), starts bin/serve-production with one worker of 4 threads that is never replaced
(WEB_MAX_REQUESTS=0), and sends requests from `--clients` at once (while `--imports` new episodes are
imported, one a commit): searches of words never said and
made up each time, prefixes, long queries, phrases, filters, pages past the last, episode pages
with a search, the API, pages that do not exist. Every `--every` requests it prints the worker's
resident memory (VmRSS, from /proc: its own, RssAnon, and the index files it maps, RssFile), so
that what grows, and whether it stops growing, shows.
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
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import build_archive, free_port, manage, start_server  # noqa: E402

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


def worker_rss_mb(server_pid: int) -> dict[str, float]:
    """The resident memory of the server's one gunicorn worker (a child of its gunicorn master):
    in all, its own (anonymous: Python's objects) and the files it maps (the index's, shared
    through the page cache, counted once per mapping)."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            pid, rest = stat.read_text().split(" (", 1)
        except OSError:
            continue
        parents[int(pid)] = int(rest.rsplit(") ", 1)[1].split()[1])
    master = next(pid for pid, parent in parents.items() if parent == server_pid and _is_gunicorn(pid))
    worker = next(pid for pid, parent in parents.items() if parent == master)
    status = dict(line.split(":", 1) for line in Path(f"/proc/{worker}/status").read_text().splitlines())
    return {name: int(status[name].split()[0]) / 1024 for name in ("VmRSS", "RssAnon", "RssFile")}


def _memory(server_pid: int) -> str:
    rss = worker_rss_mb(server_pid)
    return f"{rss['VmRSS']:7.1f} MB (own {rss['RssAnon']:6.1f}, files mapped {rss['RssFile']:6.1f})"


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
    parser.add_argument("--clients", type=int, default=1, help="clients sending at once (default 1)")
    parser.add_argument("--imports", type=int, default=0, help="episodes imported during the requests (default 0)")
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
        importing = import_meanwhile(work, env, options.imports)
        measure(port, server.pid, episode_paths(port), options, importing)
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


def measure(port: int, server_pid: int, pages: list[str], options: argparse.Namespace, importing) -> None:
    """Sends the requests from `options.clients` threads, each on its own connection, printing
    the worker's memory every `options.every` requests; `importing` runs meanwhile."""
    print(
        f"== one web worker (Whoosh, SQLite), {options.requests:,} hostile requests from {options.clients} "
        f"client(s), {len(pages)} episode pages in them, {options.imports} episode(s) imported meanwhile =="
    )
    print(f"requests      0: {_memory(server_pid)}")
    sent, statuses, lock = iter(range(1, options.requests + 1)), Counter(), threading.Lock()

    def client(seed: int) -> None:
        rng, connection = random.Random(seed), http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                number = next(sent, None)
            if number is None:
                return
            connection.request("GET", hostile(rng, pages))
            response = connection.getresponse()
            response.read()
            with lock:
                statuses[response.status] += 1
            if number % options.every == 0:
                print(f"requests {number:>6,}: {_memory(server_pid)}", flush=True)

    start = time.perf_counter()
    threads = [threading.Thread(target=client, args=(seed,)) for seed in range(options.clients)]
    importer = threading.Thread(target=importing)
    for thread in [*threads, importer]:
        thread.start()
    for thread in [*threads, importer]:
        thread.join()
    elapsed = time.perf_counter() - start
    print(f"{options.requests / elapsed:.0f} requests/s; answers: {dict(sorted(statuses.items()))}")
    print(f"at the end: {_memory(server_pid)}")


def import_meanwhile(work: Path, env: dict, episodes: int):
    """What imports `episodes` new generated episodes, one a commit, while the requests go on."""
    from bench.corpus import write_corpus

    paths = write_corpus(work / "more", episodes, seed=8)

    def importing() -> None:
        for number, path in enumerate(paths):
            extra = path.with_name(f"extra-{number:04d}.txt")
            path.rename(extra)
            manage(env, "import_transcript", str(extra))

    return importing


if __name__ == "__main__":
    main()
