"""The benchmark runs (a smoke test of the script; its figures are not checked here)."""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.conftest import REPO


def test_the_benchmark_runs_and_writes_its_figures(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    out = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, "bench/run.py", "--quick", "--json", str(out)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    (figures,) = json.loads(out.read_text())
    assert figures["episodes"] == 3 and figures["segments"] > 1_000
    for key in ("search, product (full request), ms", "search, raw Whoosh, ms", "search, SQLite FTS5, ms"):
        assert set(figures[key]) == {"p50", "p95", "max"}
    assert figures["upload to searchable, 600 segments, s"] > 0
    assert set(figures["per query p50 ms: product / raw Whoosh / FTS5"]) == {
        "common word", "rare word", "two words", "phrase", "prefix", "glossary term", "filtered",
    }  # fmt: skip
    assert 50 < figures["web worker peak memory, MB"] < figures["bench process peak memory, MB"] * 2
    assert "bulk indexing (rebuild_index), segments/s" in done.stdout
    assert not list(Path(tempfile.gettempdir()).glob("bench-3-*")), "the benchmark left its files behind"
