"""Several clients at once against a real production server (bin/serve-production: gunicorn).

    .venv/bin/python bench/load.py [--episodes 1000] [--clients 8] [--seconds 60]
                                   [--postgres postgres:///postgres] [--json bench/load.json]
    .venv/bin/python bench/load.py --existing WORK [--database postgres:///NAME] ...
    .venv/bin/python bench/load.py --postgres URL --replicas URL [URL ...] ...

For each engine (Whoosh on SQLite; and the PostgreSQL engine when --postgres names a server,
where a database of its own is created and dropped), it builds the archive in a temporary data
folder (bench/corpus.py's episodes, imported with `import_transcript`), starts
bin/serve-production on a loopback port with its default workers and threads, then measures:

- mix: the clients each run the search mix of bench/run.py (bench/queries.py, about a hundred
  queries of every type) in an order of their own, through the JSON API, for the given time;
- heavy: the clients send the queries built to run into the time limit (bench/run.py's
  WORST_QUERIES) while one probe asks for a rare word every 0.2 s; the probe is timed alone
  first, for comparison. A heavy query must not hold the others past the time limit.

`--existing WORK` measures an archive built before, in WORK/data from the corpus in WORK/corpus
(the layout this script builds in), as it is: on SQLite and Whoosh, or on the PostgreSQL
database that `--database` names, with the PostgreSQL engine. Nothing is imported or dropped.

`--replicas` names streaming replicas of the `--postgres` server (their own maintenance
databases): the PostgreSQL archive is then measured with 0, 1, ... of them in
DATABASE_REPLICA_URLS (the mix only: searches a second), once each has replayed the import.

The clients are threads of this process, on the same machine as the server: the figures
include their share of the cores.
"""

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bench.run as run  # noqa: E402
from bench import databases  # noqa: E402
from bench.mix import MIX_EPISODES, percentiles, query_mix  # noqa: E402

PROBE = {"q": "cryptanalyse"}  # a rare word (bench/corpus.py): one line in 5,000
PROBE_EVERY_SECONDS = 0.2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60, help="length of each phase")
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server's maintenance database")
    parser.add_argument("--existing", metavar="WORK", type=Path, help="a built archive: WORK/data, WORK/corpus")
    parser.add_argument("--database", metavar="URL", help="with --existing: its PostgreSQL database")
    parser.add_argument("--replicas", metavar="URL", nargs="+", default=[], help="streaming replicas of --postgres")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "load.json")
    parser.add_argument("--mix-for", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.mix_for:
        print(json.dumps(mix_params(options.mix_for)))
        return
    if options.existing:
        engine = "postgres" if options.database else "whoosh"
        results = {engine: run_existing(options.existing, options.database, options)}
        print(json.dumps(results, indent=2), flush=True)
        options.json.write_text(json.dumps(results, indent=2) + "\n")
        return
    engines = {"whoosh": None} | ({"postgres": options.postgres} if options.postgres else {})
    results = {}
    for engine, server in engines.items():
        with tempfile.TemporaryDirectory(prefix=f"load-{engine}-") as work:
            results[engine] = run_engine(Path(work), engine, server, options)
        print(json.dumps({engine: results[engine]}, indent=2), flush=True)
    options.json.write_text(json.dumps(results, indent=2) + "\n")


def run_engine(work: Path, engine: str, server: str | None, options) -> dict:
    env = {**os.environ, "ARCHIVE_DATA_DIR": str(work / "data"), "DJANGO_SECRET_KEY": "load bench"}
    database = None
    if server:
        database = databases.create_database(server, "load")
        env |= {"DATABASE_URL": databases.database_url(server, database), "ARCHIVE_SEARCH_ENGINE": "postgres"}
    try:
        result = {"episodes": options.episodes, "clients": options.clients, "seconds per phase": options.seconds}
        result["import, segments/s"] = build_archive(work, env, options.episodes)
        if server and options.replicas:
            return result | with_replicas(work, env, database, options)
        return result | serve_and_measure(work, env, options)
    finally:
        if database:
            databases.drop_database(server, database)


def run_existing(work: Path, database: str | None, options) -> dict:
    env = {**os.environ, "ARCHIVE_DATA_DIR": str(work / "data"), "DJANGO_SECRET_KEY": "load bench"}
    if database:
        env |= {"DATABASE_URL": database, "ARCHIVE_SEARCH_ENGINE": "postgres"}
    episodes = len(list((work / "corpus").glob("*.txt")))
    result = {"episodes": episodes, "clients": options.clients, "seconds per phase": options.seconds}
    return result | serve_and_measure(work, env, options)


def with_replicas(work: Path, env: dict, database: str, options) -> dict:
    """The mix's searches a second with 0, 1, ... of the replicas reading for the servers."""
    import psycopg

    replicas = [databases.database_url(url, database) for url in options.replicas]
    for replica in replicas:  # until each has replayed the import
        with psycopg.connect(replica, autocommit=True) as connection:
            while connection.execute("SELECT pg_last_wal_receive_lsn() <> pg_last_wal_replay_lsn()").fetchone()[0]:
                time.sleep(0.2)
    mix = json.loads(manage_python(env, "bench/load.py", "--mix-for", str(work / "corpus")))
    figures = {}
    for count in range(len(replicas) + 1):
        port = free_port()
        served = env | {"ADDRESS": f"127.0.0.1:{port}", "DJANGO_ALLOWED_HOSTS": "127.0.0.1"}
        served["DATABASE_REPLICA_URLS"] = ",".join(replicas[:count])
        server_process = start_server(served, port, work / f"server-{count}.log")
        try:
            run_clients(port, options.clients, min(10.0, options.seconds / 4), lambda rng: rng.choice(mix))
            times = run_clients(port, options.clients, options.seconds, lambda rng: rng.choice(mix))
        finally:
            os.killpg(server_process.pid, signal.SIGTERM)
            server_process.wait(timeout=60)
        figures[f"{count} replicas: mix requests/s"] = round(len(times) / options.seconds, 1)
        figures[f"{count} replicas: mix ms"] = percentiles(times)
    return figures


def serve_and_measure(work: Path, env: dict, options) -> dict:
    mix = json.loads(manage_python(env, "bench/load.py", "--mix-for", str(work / "corpus")))
    port = free_port()
    env = env | {"ADDRESS": f"127.0.0.1:{port}", "DJANGO_ALLOWED_HOSTS": "127.0.0.1"}
    server_process = start_server(env, port, work / "server.log")
    try:
        result = {"web workers x threads": f"{2 * (os.cpu_count() or 1)} x 4"}
        return result | measure(port, mix, options.clients, options.seconds)
    finally:
        os.killpg(server_process.pid, signal.SIGTERM)
        server_process.wait(timeout=60)


def build_archive(work: Path, env: dict, episodes: int) -> int:
    from bench.corpus import write_corpus

    write_corpus(work / "corpus", episodes)
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    manage(env, "load_sample")  # the glossary
    start = time.perf_counter()
    manage(env, "import_transcript", str(work / "corpus"))
    return round(episodes * 600 / (time.perf_counter() - start))


def mix_params(corpus: Path) -> list[dict]:
    """The search mix for the archive that the environment names (run in its own process)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smarttech.settings")
    django.setup()
    paths = sorted(corpus.glob("*.txt"))[:MIX_EPISODES]
    return [query.params for query in query_mix(paths)]


def measure(port: int, mix: list[dict], clients: int, seconds: float) -> dict:
    figures = {}
    # Untimed first: each web worker opens the index and reads its columns on its first searches.
    run_clients(port, clients, min(10.0, seconds / 4), lambda rng: rng.choice(mix))
    mix_times = run_clients(port, clients, seconds, lambda rng: rng.choice(mix))
    figures["mix: requests"] = len(mix_times)
    figures["mix: requests/s"] = round(len(mix_times) / seconds, 1)
    figures["mix: ms"] = percentiles(mix_times)
    figures["probe alone: ms"] = percentiles(run_clients(port, 0, seconds / 4, None, probe=True)[1])
    worst = list(run.WORST_QUERIES.values())
    heavy_times, probe_times = run_clients(port, clients, seconds, lambda rng: rng.choice(worst), probe=True)
    figures["heavy: requests"] = len(heavy_times)
    figures["heavy: ms"] = percentiles(heavy_times)
    figures["probe beside heavy: ms"] = percentiles(probe_times)
    return figures


def run_clients(port: int, clients: int, seconds: float, choose, probe: bool = False):
    """`clients` threads sending what `choose` picks until the time is up; with a probe beside."""
    until = time.monotonic() + seconds
    times: list[float] = []
    probes: list[float] = []

    def client(seed: int) -> None:
        rng, connection = random.Random(seed), http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < until:
            times.append(request(connection, choose(rng)))

    def prober() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < until:
            probes.append(request(connection, PROBE))
            time.sleep(PROBE_EVERY_SECONDS)

    threads = [threading.Thread(target=client, args=(seed,)) for seed in range(clients)]
    threads += [threading.Thread(target=prober)] if probe else []
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return (times, probes) if probe else times


def request(connection: http.client.HTTPConnection, params: dict) -> float:
    start = time.perf_counter()
    connection.request("GET", "/api/search/?" + urllib.parse.urlencode(params))
    response = connection.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - start) * 1000
    if response.status != 200:
        raise RuntimeError(f"{params}: {response.status} {body[:200]!r}")
    return elapsed


def start_server(env: dict, port: int, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [ROOT / "bin" / "serve-production"], env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped: {log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start in 300 s")


def manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, ROOT / "manage.py", *args], env=env, check=True, stdout=subprocess.DEVNULL)


def manage_python(env: dict, *args: str) -> str:
    return subprocess.run([sys.executable, *args], env=env, cwd=ROOT, check=True, capture_output=True, text=True).stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


if __name__ == "__main__":
    main()
