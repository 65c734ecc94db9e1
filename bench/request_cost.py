"""The fixed cost of a search request: a rare word through the JSON API and the results page,
part by part, beside SQLite FTS5 on the same lines, on an archive built before.

    ARCHIVE_DATA_DIR=WORK/data [DATABASE_URL=postgres:///NAME ARCHIVE_SEARCH_ENGINE=postgres] \\
        .venv/bin/python bench/request_cost.py --corpus WORK/corpus [--code DIR ...] [--repeats 10] [--rounds 2]

The queries are the mix's rare words and misspellings (bench/queries.py, as bench/mix_latency.py
draws them). Each `--code` checkout (default: this one) answers in a process of its own, in
turn, `--rounds` times, so that two versions of the code are measured back to back on one
archive. Per query type and URL it prints the median request time, the SQL queries per request,
the time and queries of each part (pyinstrument, sampling every 0.1 ms, over untimed runs; the
queries from the stack that ran them), and the ratio to FTS5, timed just after each request:
top 20 by rank with each line's snippet, and the exact count (`unicode61 remove_diacritics 2`,
as bench/run.py's reference), on an FTS5 table of the archive's published lines kept in a file
beside the system's temp files.
"""

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
TYPES = ("rare word", "misspelled")
URLS = ("/api/search/", "/search/")
TOP = 20
# The parts of a request, innermost last: each sample and each SQL query counts for the
# innermost part whose function is on its stack (the rest of the view is "view, other").
PARTS = (
    ("request, outside the view", "django/core/handlers/base.py", "_get_response"),
    ("view, other", "search/views.py", "search_api"),
    ("view, other", "search/views.py", "search_page"),
    ("parse + compile (glossary)", "search/moments.py", "find_moments"),
    ("engine: search", "search/engines/__init__.py", "top"),
    ("engine: search", "search/engines/__init__.py", "count"),
    ("engine: search", "search/engines/__init__.py", "fewer_than"),
    ("engine: search", "search/engines/__init__.py", "ranked_episodes"),
    ("engine: search", "search/engines/__init__.py", "per_episode"),
    ("engine: search", "search/engines/__init__.py", "best_in"),
    ("spelling suggestion", "search/moments.py", "suggest"),
    ("rows, neighbours, speakers", "search/moments.py", "build_moments"),
    ("highlighting", "search/moments.py", "_highlighted"),
    ("matched variant", "search/plan.py", "matched_variant"),
    ("named people and shows", "search/names.py", "named_in"),
    ("strip and topic", "search/topics.py", "strip_of"),
    ("strip and topic", "search/topics.py", "topic_searched"),
    ("template", "django/shortcuts.py", "render"),
    ("serialisation", "django/http/response.py", "__init__"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--code", type=Path, action="append", help="a checkout to measure (repeatable)")
    parser.add_argument("--repeats", type=int, default=10, help="timed runs of each query, each round")
    parser.add_argument("--rounds", type=int, default=2, help="each checkout answers once a round, in turn")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path)
    options = parser.parse_args()
    if options.one:
        print(json.dumps(measure(options.one, options.corpus, options.repeats)))
        return
    codes = [code.resolve() for code in options.code or [HERE]]
    rounds: dict[Path, list[dict]] = {code: [] for code in codes}
    for _ in range(options.rounds):
        for code in codes:
            command = [sys.executable, __file__, "--one", str(code)]
            command += ["--corpus", str(options.corpus), "--repeats", str(options.repeats)]
            done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=HERE)
            rounds[code].append(json.loads(done.stdout.strip().splitlines()[-1]))
    results = [pooled(rounds[code]) for code in codes]
    for result in results:
        report(result)
    if options.json:
        options.json.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")


def measure(code: Path, corpus: Path, repeats: int) -> dict:
    sys.path.insert(0, str(code))
    sys.path.insert(1, str(HERE))  # bench/ of this checkout: the same mix for every version
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smarttech.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    from bench.mix import query_mix

    mix = [query for query in query_mix(sorted(corpus.glob("*.txt"))) if query.type in TYPES]
    fts = Fts5()
    client = Client(HTTP_HOST="127.0.0.1")
    result = {
        "code": git_head(code),
        "engine": settings.ARCHIVE_SEARCH_ENGINE,
        "load": [os.getloadavg()[0]],
        "queries": {kind: [q.params["q"] for q in mix if q.type == kind] for kind in TYPES},
        "by URL": {},
    }
    for kind in TYPES:
        queries = [query for query in mix if query.type == kind]
        for url in URLS:
            result["by URL"][f"{kind} {url}"] = request_figures(client, fts, url, queries, repeats)
    return result


def request_figures(client, fts: "Fts5", url: str, queries: list, repeats: int) -> dict:
    """Each request's time, and FTS5's for the same query just after it (so that both share the
    machine's moods); SQL queries per request; the time and queries of each part."""
    from django.db import connection
    from pyinstrument import Profiler

    statements: list[str] = []
    by_part: dict[str, int] = {}

    def counting(execute, sql, params, many, context):
        statements.append(sql)
        part = innermost_part([(frame.filename, frame.name) for frame in traceback.extract_stack()])
        by_part[part] = by_part.get(part, 0) + 1
        return execute(sql, params, many, context)

    samples, fts_samples, per_request = [], [], []
    profiler = Profiler(interval=0.0001)
    for query in queries:
        assert client.get(url, query.params).status_code == 200
        fts.answer(query.fts5)
        for _ in range(repeats):
            start = time.perf_counter()
            client.get(url, query.params)
            middle = time.perf_counter()
            fts.answer(query.fts5)
            samples.append((middle - start) * 1000)
            fts_samples.append((time.perf_counter() - middle) * 1000)
        before = len(statements)
        with connection.execute_wrapper(counting):
            client.get(url, query.params)
        per_request.append(len(statements) - before)
        profiler.start()
        for _ in range(repeats):
            client.get(url, query.params)
        profiler.stop()
    return {
        "ms": samples,
        "FTS5 ms": fts_samples,
        "SQL queries per request": max(per_request),
        "parts, s": part_seconds(profiler.last_session.root_frame()),
        "parts, SQL queries per request": {part: n / len(queries) for part, n in sorted(by_part.items())},
        "SQL of the last request": [sql[:160] for sql in statements[-per_request[-1] :]],
    }


def pooled(rounds: list[dict]) -> dict:
    """One checkout's rounds together: medians of every sample, each part's share of the time."""
    result = {key: rounds[0][key] for key in ("code", "engine", "queries")}
    result["load"] = [load for one in rounds for load in one["load"]]
    result["by URL"] = {}
    for name, first in rounds[0]["by URL"].items():
        figures = [one["by URL"][name] for one in rounds]
        samples = [ms for one in figures for ms in one["ms"]]
        fts_samples = [ms for one in figures for ms in one["FTS5 ms"]]
        seconds: dict[str, float] = {}
        for one in figures:
            for part, spent in one["parts, s"].items():
                seconds[part] = seconds.get(part, 0.0) + spent
        total = sum(seconds.values())
        result["by URL"][name] = {
            "ms p50": round(statistics.median(samples), 2),
            "FTS5 ms p50": round(statistics.median(fts_samples), 3),
            "SQL queries per request": max(one["SQL queries per request"] for one in figures),
            "parts, % of the time": {part: round(100 * spent / total, 1) for part, spent in sorted(seconds.items())},
            "parts, SQL queries per request": first["parts, SQL queries per request"],
            "SQL of the last request": first["SQL of the last request"],
        }
    return result


def innermost_part(stack: list[tuple[str, str]]) -> str:
    for filename, function in reversed(stack):
        for part, path, name in reversed(PARTS):
            if function == name and filename.endswith(path):
                return part
    return "outside a request"


def part_seconds(root) -> dict[str, float]:
    """The profile's own time of each frame, counted for the innermost part on its stack."""
    seconds: dict[str, float] = {}

    def walk(frame, part: str) -> None:
        for label, path, name in PARTS:
            if frame.function == name and (frame.file_path or "").endswith(path):
                part = label
        own = frame.time - sum(child.time for child in frame.children)
        seconds[part] = seconds.get(part, 0.0) + own
        for child in frame.children:
            walk(child, part)

    walk(root, "outside a request")
    seconds.pop("outside a request", None)
    return seconds


class Fts5:
    """SQLite FTS5 on the archive's published lines, in a file kept for the next run."""

    def __init__(self) -> None:
        from django.db import connection

        name = Path(str(connection.settings_dict["NAME"])).name.replace(".", "-")
        path = Path(tempfile.gettempdir()) / f"request-cost-fts5-{name}.sqlite3"
        fresh = not path.exists()
        self.db = sqlite3.connect(path)
        if fresh:
            self.fill()

    def fill(self) -> None:
        from episodes.models import Segment

        self.db.execute("CREATE VIRTUAL TABLE moments USING fts5(text, tokenize='unicode61 remove_diacritics 2')")
        rows = Segment.objects.published().values_list("pk", "text")
        self.db.executemany("INSERT INTO moments(rowid, text) VALUES (?, ?)", rows.iterator(chunk_size=10_000))
        self.db.commit()

    def answer(self, match: str) -> tuple[list, int]:
        top = self.db.execute(
            "SELECT rowid, snippet(moments, 0, '<mark>', '</mark>', '…', 64) FROM moments"
            f" WHERE moments MATCH ? ORDER BY rank LIMIT {TOP}",
            [match],
        ).fetchall()
        count = self.db.execute("SELECT count(*) FROM moments WHERE moments MATCH ?", [match]).fetchone()[0]
        return top, count


def report(result: dict) -> None:
    loads = ", ".join(f"{load:.1f}" for load in result["load"])
    print(f"== code {result['code']}, {result['engine']} engine (load average {loads} at each round's start) ==")
    for kind in TYPES:
        print(f"{kind} ({len(result['queries'][kind])} queries, e.g. {result['queries'][kind][0]!r}):")
        for url in URLS:
            figures = result["by URL"][f"{kind} {url}"]
            fts = figures["FTS5 ms p50"]
            print(
                f"  {url:13} {figures['ms p50']:7} ms p50, FTS5 {fts} ms: {figures['ms p50'] / fts:.1f} x FTS5; "
                f"{figures['SQL queries per request']} SQL queries"
            )
            time_shares = figures["parts, % of the time"]
            queries = figures["parts, SQL queries per request"]
            for part in sorted(set(time_shares) | set(queries), key=lambda p: -time_shares.get(p, 0)):
                print(f"      {part:28} {time_shares.get(part, 0):5}%  {queries.get(part, 0):4.1f} queries")


def git_head(folder: Path) -> str:
    done = subprocess.run(["git", "-C", str(folder), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return done.stdout.strip() or folder.name


if __name__ == "__main__":
    main()
