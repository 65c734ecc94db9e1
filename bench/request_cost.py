"""The fixed cost of a search request: a rare word through the JSON API and the results page,
part by part, beside SQLite FTS5 on the same lines, on an archive built before.

    ARCHIVE_DATA_DIR=WORK/data [DATABASE_URL=postgres:///NAME ARCHIVE_SEARCH_ENGINE=postgres] \\
        .venv/bin/python bench/request_cost.py --corpus WORK/corpus [--code DIR ...] [--repeats 30]

The queries are the mix's rare words and misspellings (bench/queries.py, as bench/mix_latency.py
draws them). Each `--code` checkout (default: this one) answers in a process of its own, in
turn, so that two versions of the code are measured back to back on one archive. Per query
type and URL it prints the median request time, the SQL queries per request, the time and
queries of each part (pyinstrument, sampling every 0.1 ms, summed over the timed runs; the
queries from the stack that ran them), and the ratio to FTS5: top 20 by rank with each line's
snippet, and the exact count (`unicode61 remove_diacritics 2`, as bench/run.py's reference),
on an FTS5 table of the archive's published lines kept in a file beside the system's temp files.
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
    ("strip and topic", "search/mentions.py", "strip_of"),
    ("strip and topic", "search/mentions.py", "topic_searched"),
    ("template", "django/shortcuts.py", "render"),
    ("serialisation", "django/http/response.py", "__init__"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--code", type=Path, action="append", help="a checkout to measure (repeatable)")
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path)
    options = parser.parse_args()
    if options.one:
        print(json.dumps(measure(options.one, options.corpus, options.repeats)))
        return
    results = []
    for code in options.code or [HERE]:
        command = [sys.executable, __file__, "--one", str(code.resolve())]
        command += ["--corpus", str(options.corpus), "--repeats", str(options.repeats)]
        done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=HERE)
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        report(results[-1])
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

    from bench.run import query_mix

    mix = [query for query in query_mix(sorted(corpus.glob("*.txt"))) if query.type in TYPES]
    fts = Fts5()
    client = Client(HTTP_HOST="127.0.0.1")
    result = {
        "code": git_head(code),
        "engine": settings.ARCHIVE_SEARCH_ENGINE,
        "load": os.getloadavg()[0],
        "queries": {kind: [q.params["q"] for q in mix if q.type == kind] for kind in TYPES},
        "FTS5 ms": {},
        "by URL": {},
    }
    for kind in TYPES:
        queries = [query for query in mix if query.type == kind]
        result["FTS5 ms"][kind] = median_of(lambda q: fts.answer(q.fts5), queries, repeats)
        for url in URLS:
            result["by URL"][f"{kind} {url}"] = request_figures(client, url, queries, repeats)
    return result


def median_of(run, queries: list, repeats: int) -> float:
    samples = []
    for query in queries:
        run(query)
        for _ in range(repeats):
            start = time.perf_counter()
            run(query)
            samples.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(samples), 3)


def request_figures(client, url: str, queries: list, repeats: int) -> dict:
    """Median time and SQL queries per request; each part's share of the time and its queries."""
    from django.db import connection
    from pyinstrument import Profiler

    statements: list[str] = []
    by_part: dict[str, int] = {}

    def counting(execute, sql, params, many, context):
        statements.append(sql)
        part = innermost_part([(frame.filename, frame.name) for frame in traceback.extract_stack()])
        by_part[part] = by_part.get(part, 0) + 1
        return execute(sql, params, many, context)

    samples, per_request = [], []
    profiler = Profiler(interval=0.0001)
    for query in queries:
        assert client.get(url, query.params).status_code == 200
        for _ in range(repeats):
            start = time.perf_counter()
            client.get(url, query.params)
            samples.append((time.perf_counter() - start) * 1000)
        before = len(statements)
        with connection.execute_wrapper(counting):
            client.get(url, query.params)
        per_request.append(len(statements) - before)
        profiler.start()
        for _ in range(repeats):
            client.get(url, query.params)
        profiler.stop()
    seconds = part_seconds(profiler.last_session.root_frame())
    total = sum(seconds.values())
    return {
        "ms p50": round(statistics.median(samples), 2),
        "SQL queries per request": max(per_request),
        "parts, % of the time": {part: round(100 * s / total, 1) for part, s in sorted(seconds.items())},
        "parts, SQL queries per request": {part: n / len(queries) for part, n in sorted(by_part.items())},
        "SQL of the last request": [sql[:160] for sql in statements[-per_request[-1] :]],
    }


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
        rows = Segment.objects.filter(episode__is_published=True).values_list("pk", "text")
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
    print(f"== code {result['code']}, {result['engine']} engine (load {result['load']:.2f}) ==")
    for kind in TYPES:
        fts = result["FTS5 ms"][kind]
        print(f"{kind} ({len(result['queries'][kind])} queries, e.g. {result['queries'][kind][0]!r}): FTS5 {fts} ms")
        for url in URLS:
            figures = result["by URL"][f"{kind} {url}"]
            ratio = figures["ms p50"] / fts
            print(
                f"  {url:13} {figures['ms p50']:7} ms p50 = {ratio:.0f} x FTS5, "
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
