"""The query mix through the JSON API of an archive built before, as it is: like for like
between two versions of the code on one archive.

    ARCHIVE_DATA_DIR=WORK/data [DATABASE_URL=postgres:///NAME ARCHIVE_SEARCH_ENGINE=postgres] \\
        .venv/bin/python bench/mix_latency.py --corpus WORK/corpus [--code DIR] [--repeats 3] [--json OUT]

`--code` is the checkout whose code answers (default: this one), so that the version before a
change can answer the same mix on the same archive. Each query runs once untimed, then
`--repeats` times; it prints p50, p95 and the slowest per query type and overall, the slowest
queries, and how many were cut short by the time limit.
"""

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--code", type=Path, default=HERE)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path)
    options = parser.parse_args()
    # bench/ of this checkout, imported before the other checkout comes first on the path:
    # the same mix for both versions (the other's bench/ may have none).
    sys.path.insert(0, str(HERE))
    from bench.mix import query_mix

    sys.path.insert(0, str(options.code.resolve()))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smarttech.settings")
    import django

    django.setup()
    from django.test import Client

    mix = query_mix(sorted(options.corpus.glob("*.txt")))
    client = Client(HTTP_HOST="127.0.0.1")
    by_type: dict[str, list[float]] = {}
    slowest: list[tuple[float, str, int, bool]] = []
    cut = 0
    for query in mix:
        body = client.get("/api/search/", query.params).json()
        samples = []
        for _ in range(options.repeats):
            start = time.perf_counter()
            body = client.get("/api/search/", query.params).json()
            samples.append((time.perf_counter() - start) * 1000)
        cut += "timed_out" in body["notices"]
        by_type.setdefault(query.type, []).extend(samples)
        slowest.append((max(samples), query.params["q"], body["count"], "timed_out" in body["notices"]))
    every = [sample for samples in by_type.values() for sample in samples]
    result = {
        "code": git_head(options.code),
        "engine": os.environ.get("ARCHIVE_SEARCH_ENGINE", "whoosh"),
        "queries": len(mix),
        "repeats": options.repeats,
        "timed out": cut,
        "all": figures(every),
        "by type": {kind: figures(samples) for kind, samples in by_type.items()},
        "slowest": [
            {"ms": round(ms, 1), "q": q, "count": count, "timed out": timed_out}
            for ms, q, count, timed_out in sorted(slowest, reverse=True)[:5]
        ],
    }
    print(json.dumps(result, indent=1, ensure_ascii=False))
    if options.json:
        options.json.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")


def figures(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50": round(statistics.median(ordered), 1),
        "p95": round(ordered[math.ceil(len(ordered) * 0.95) - 1], 1),
        "max": round(ordered[-1], 1),
    }


def git_head(folder: Path) -> str:
    return subprocess.run(
        ["git", "-C", str(folder), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()


if __name__ == "__main__":
    main()
