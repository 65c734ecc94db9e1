"""docs/benchmarks.md and docs/benchmarks.svg, written again from every results-ENGINE-SIZE.json
of a folder (bench/run.py writes one per size and engine, then calls this); and a run's figures
printed, with the checks that failed.

    .venv/bin/python bench/report.py [--results bench] [--docs docs]

The chart is SVG written here by hand: sizes on a log scale, one line per engine and figure.
"""

import argparse
import json
import math
import re
import sys
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
RESULT_FILE = re.compile(r"results-(whoosh|postgres)-(\d+)\.json")
ENGINES = {"whoosh": "Whoosh", "postgres": "PostgreSQL"}
REFERENCES = ("SQLite FTS5", "stock PostgreSQL")
IMPORT = "bulk import (import_transcript over a folder, indexed), segments/s"
COLOURS = {
    "Whoosh": "#1f77b4",
    "PostgreSQL": "#d62728",
    "SQLite FTS5": "#2ca02c",
    "stock PostgreSQL": "#9467bd",
}
HEAD = """# Benchmarks

Written by `bench/run.py` from its figures (`bench/results-ENGINE-SIZE.json`, one file per size
and engine); run it again rather than editing this page. A run of some sizes or engines rewrites
their rows and keeps the others.

```sh
# fresh archives, both engines (the server's user may create databases; stock PostgreSQL needs it too)
.venv/bin/python bench/run.py --sizes 100 1000 --engines whoosh postgres --postgres postgres:///NAME
# an archive built before, measured as it is: nothing imported, nothing changed
.venv/bin/python bench/run.py --sizes 10000 --engines postgres --postgres postgres:///NAME \\
    --archive DATA_DIR --archive-database postgres:///DB --corpus CORPUS --no-raw-whoosh \\
    --import-lines-per-s N --import-source "where N comes from"
.venv/bin/python bench/report.py   # this page again from the figures in bench/
```

A size is that many generated episodes of 600 lines (`bench/corpus.py`) imported into a new
archive with `import_transcript`, or, where the runs table names one, an archive built before and
measured as it is. The query mix (`bench/mix.py`, `bench/queries.py`: about a hundred queries of
eight types, drawn with a seed from the corpus's first three episodes) runs once untimed, then 5
times, in turn through the product and each reference engine, so that they share the machine's
load.

Columns:

- **p50, p95**: the product's answers to the mix, as full requests to the JSON API (Django's
  test client: the engine, the count, a page of 20 moments with their neighbouring lines,
  highlighting, JSON), in ms, over every timed run of every query.
- **slowest of the mix**: the mix's slowest run (the product).
- **heaviest query**: the slowest answer to the queries built to run into the search's time limit
  (twelve common phrases ANDed and sorted by date, twelve common words ORed, the same ANDed).
- **import**: lines a second of `import_transcript` over the corpus folder, until all is
  searchable, measured by the run; in italics, with a note saying where it comes from, when the
  run imported nothing (an archive built before).
- **web worker**: peak resident memory (MB) of a fresh process that serves the whole mix, the
  results pages and an episode page, as a web worker would. The PostgreSQL server's own memory is
  not in it.
- **SQLite FTS5**, **stock PostgreSQL**: the same lines and queries, in the same run, p50 / p95
  in ms, through SQLite's FTS5 (`unicode61 remove_diacritics 2`, in memory, top 20 by rank: no
  count, no snippet) and PostgreSQL's own full-text search as its manual shows it
  (`to_tsvector('french', text)` stored in a GIN index, top 20 by `ts_rank` with a `ts_headline`
  snippet each, and the exact count, in a database of its own on the same server). Both answer
  inside the bench's process, with no request around them. FTS5 folds accents but does not stem;
  stock PostgreSQL stems (Snowball's French) but keeps accents; neither suggests a spelling, finds
  a phrase across two lines, expands a prefix over the words said, or knows the glossary (they
  are given a glossary term's whole group, ORed). Raw Whoosh (the product's analyzers and scorer
  without the product around them) is in the JSON files, not on this page.

The machine is shared with other runs: the load during each run is in the last table. Figures of
different runs compare loosely; within a row, the references were measured side by side with the
product.
"""


def read_results(folder: Path) -> list[dict]:
    """Every run's figures in the folder, by engine then size."""
    results = []
    for path in folder.glob("results-*.json"):
        if RESULT_FILE.fullmatch(path.name):
            results.append(json.loads(path.read_text()))
    return sorted(results, key=lambda r: (list(ENGINES).index(r["search engine"]), r["episodes"]))


def figures(result: dict) -> dict:
    """The page's figures of one run."""
    mix = result["search, ms"]["all queries"]
    worst = {name: answer for name, answer in result["time limit, worst queries, ms"].items() if name != "limit"}
    return {
        "p50": mix["product"]["p50"],
        "p95": mix["product"]["p95"],
        "slowest": mix["product"]["max"],
        "heaviest": max(answer["max"] for answer in worst.values()),
        "import": result.get(IMPORT),
        "import measured": result.get("bulk import, from", "measured by this run") == "measured by this run",
        "memory": result["web worker peak memory, MB"],
        **{name: mix.get(name) for name in REFERENCES},
    }


def number(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}" if value >= 100 else f"{value:g}"


def markdown(results: list[dict]) -> str:
    parts = [HEAD]
    for engine, name in ENGINES.items():
        runs = [result for result in results if result["search engine"] == engine]
        if not runs:
            continue
        parts.append(f"\n## {name} engine\n")
        parts.append(
            "| episodes | lines | p50, ms | p95, ms | slowest of the mix, ms | heaviest query, ms"
            " | import, lines/s | web worker, MB | SQLite FTS5 p50 / p95 | stock PostgreSQL p50 / p95 |"
        )
        parts.append("|" + "---:|" * 10)
        notes = []
        for result in runs:
            row = figures(result)
            imported = number(row["import"])
            if not row["import measured"]:
                notes.append(f"{result['episodes']:,} episodes: {result['bulk import, from']}.")
                imported = f"*{imported}* [{len(notes)}]"
            references = [
                f"{number(row[ref]['p50'])} / {number(row[ref]['p95'])}" if row[ref] else "not run"
                for ref in REFERENCES
            ]
            cells = [f"{result['episodes']:,}", f"{result['segments']:,}", number(row["p50"]), number(row["p95"])]
            cells += [number(row["slowest"]), number(row["heaviest"]), imported, number(row["memory"]), *references]
            parts.append("| " + " | ".join(cells) + " |")
        if notes:
            parts.append("")
            parts += [f"[{n}] {note}" for n, note in enumerate(notes, 1)]
    parts.append("\n## How they grow\n")
    parts.append(
        "![p50 and p95 of the mix, import speed and web worker memory against the archive's size"
        " (log scale), per engine, with SQLite FTS5 and stock PostgreSQL](benchmarks.svg)\n"
    )
    parts.append(
        "The references' lines are those measured in the Whoosh engine's run of each size (in the"
        " PostgreSQL engine's where there is none).\n"
    )
    parts.append("\n## The runs\n")
    parts.append(
        "Queries: the mix's size, about a hundred; it has no glossary queries (11 fewer) on an archive"
        " whose glossary is empty (`manage.py load_sample` fills it).\n"
    )
    parts.append(
        "| engine | episodes | queries | started | code | cores, memory"
        " | load: 1 min at start → end (15 min at end) | minutes | PostgreSQL |"
    )
    parts.append("|---|---:|---:|---|---|---|---|---:|---|")
    for result in results:
        machine = result.get("machine", {})
        pg = result.get("PostgreSQL server settings", {})
        settings = ", ".join(f"{key} {value}" for key, value in pg.items()) or "–"
        start, end = (
            machine.get("load at start (1, 5, 15 min)", ["?"]),
            machine.get("load at end (1, 5, 15 min)", ["?"]),
        )
        archive = f" (archive: {result['archive']['data']})" if "archive" in result else ""
        cells = [
            ENGINES[result["search engine"]] + archive,
            f"{result['episodes']:,}",
            str(result["query mix"]["queries"]),
            machine.get("started", "?"),
            f"`{machine.get('code', '?')}`",
            f"{machine.get('cores', '?')} cores, {machine.get('memory, GB', '?')} GB",
            f"{start[0]} → {end[0]} ({end[-1]})",
            str(machine.get("minutes", "?")),
            settings,
        ]
        parts.append("| " + " | ".join(cells) + " |")
    return "\n".join(parts) + "\n"


def series(results: list[dict]) -> dict[str, list[tuple[str, str, bool, list[tuple[int, float]]]]]:
    """Per chart, its lines: (name, colour, dashed, [(size, value)])."""
    by_engine = {name: {} for name in ENGINES.values()}
    references: dict[int, dict] = {}
    for result in results:
        row = figures(result)
        by_engine[ENGINES[result["search engine"]]][result["episodes"]] = row
        if result["search engine"] == "whoosh" or result["episodes"] not in references:
            references[result["episodes"]] = row

    def line(rows: dict[int, dict], key, sub=None) -> list[tuple[int, float]]:
        points = [(size, row[key][sub] if sub else row[key]) for size, row in sorted(rows.items())]
        return [(size, value) for size, value in points if value]

    latency, imports, memory = [], [], []
    for name, rows in by_engine.items():
        if rows:
            latency += [(f"{name} p50", COLOURS[name], False, line(rows, "p50"))]
            latency += [(f"{name} p95", COLOURS[name], True, line(rows, "p95"))]
            imports += [(f"{name} import", COLOURS[name], False, line(rows, "import"))]
            memory += [(f"{name} web worker", COLOURS[name], False, line(rows, "memory"))]
    for ref in REFERENCES:
        rows = {size: row for size, row in references.items() if row[ref]}
        if rows:
            latency += [(f"{ref} p50", COLOURS[ref], False, line(rows, ref, "p50"))]
            latency += [(f"{ref} p95", COLOURS[ref], True, line(rows, ref, "p95"))]
    return {
        "search, ms (log scale): p50 solid, p95 dashed": latency,
        "import, lines/s": imports,
        "web worker peak memory, MB": memory,
    }


WIDTH, HEIGHT, PANEL, PLOT = 1040, 340, 340, (60, 40, 250, 200)  # plot: left, top, width, height


def svg(results: list[dict]) -> str:
    charts = series(results)
    sizes = sorted({result["episodes"] for result in results})
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}"'
        ' font-family="sans-serif" font-size="11">',
        "<title>The archive's search, import and memory against its size</title>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
    ]
    for n, (title, lines) in enumerate(charts.items()):
        out += panel(n * PANEL, title, lines, sizes, log_y=n == 0)
    out.append("</svg>")
    return "\n".join(out) + "\n"


def panel(x0: int, title: str, lines: list, sizes: list[int], log_y: bool) -> list[str]:
    left, top, width, height = PLOT
    values = [value for *_, points in lines for _, value in points] or [1]
    low, high = math.log10(min(sizes) / 2), math.log10(max(sizes) * 2)

    def x(size: float) -> float:
        return x0 + left + (math.log10(size) - low) / (high - low) * width

    if log_y:
        bottom, ceiling = 10 ** math.floor(math.log10(min(values))), 10 ** math.ceil(math.log10(max(values)))
        ceiling = ceiling * 10 if ceiling == bottom else ceiling
        ticks = [10**e for e in range(round(math.log10(bottom)), round(math.log10(ceiling)) + 1)]

        def y(value: float) -> float:
            span = math.log10(ceiling) - math.log10(bottom)
            return top + height - (math.log10(value) - math.log10(bottom)) / span * height
    else:
        step = nice_step(max(values) / 5)
        ceiling = step * math.ceil(max(values) / step)
        ticks = [step * i for i in range(int(ceiling / step) + 1)]

        def y(value: float) -> float:
            return top + height - value / ceiling * height

    out = [f'<g class="chart" data-chart="{escape(title)}">']
    out.append(f'<text x="{x0 + left}" y="{top - 14}" font-weight="bold">{escape(title)}</text>')
    out.append(
        f'<rect x="{x0 + left}" y="{top}" width="{width}" height="{height}" fill="none" stroke="#999"'
        ' stroke-width="0.5"/>'
    )
    for tick in ticks:
        out.append(
            f'<line x1="{x0 + left}" x2="{x0 + left + width}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#ddd"/>'
        )
        out.append(f'<text x="{x0 + left - 4}" y="{y(tick) + 4:.1f}" text-anchor="end">{number(tick)}</text>')
    for size in sizes:
        out.append(f'<text x="{x(size):.1f}" y="{top + height + 14}" text-anchor="middle">{size:,}</text>')
    out.append(f'<text x="{x0 + left + width / 2}" y="{top + height + 28}" text-anchor="middle">episodes</text>')
    for n, (name, colour, dashed, points) in enumerate(lines):
        dash = ' stroke-dasharray="5 3"' if dashed else ""
        out.append(f'<g class="series" data-series="{escape(name)}" stroke="{colour}" fill="{colour}">')
        coords = " ".join(f"{x(size):.1f},{y(value):.1f}" for size, value in points)
        out.append(f'<polyline points="{coords}" fill="none" stroke-width="2"{dash}/>')
        for size, value in points:
            out.append(
                f'<circle cx="{x(size):.1f}" cy="{y(value):.1f}" r="3"><title>{escape(name)}, {size:,} episodes:'
                f" {number(value)}</title></circle>"
            )
        lx, ly = x0 + left + (n % 2) * 140, top + height + 46 + (n // 2) * 14
        out.append(f'<line x1="{lx}" x2="{lx + 18}" y1="{ly - 4}" y2="{ly - 4}" stroke-width="2"{dash}/>')
        out.append(f'<text x="{lx + 22}" y="{ly}" stroke="none" fill="#222">{escape(name)}</text>')
        out.append("</g>")
    out.append("</g>")
    return out


def nice_step(rough: float) -> float:
    """1, 2 or 5 times a power of ten, at least `rough`."""
    power = 10 ** math.floor(math.log10(rough)) if rough > 0 else 1
    return next(step * power for step in (1, 2, 5, 10) if step * power >= rough)


def write_report(results_dir: Path, docs_dir: Path) -> list[Path]:
    """The page and its chart from every run's figures in `results_dir`; the files written."""
    results = read_results(results_dir)
    if not results:
        return []
    docs_dir.mkdir(parents=True, exist_ok=True)
    page, chart = docs_dir / "benchmarks.md", docs_dir / "benchmarks.svg"
    page.write_text(markdown(results), encoding="utf-8")
    chart.write_text(svg(results), encoding="utf-8")
    return [page, chart]


def print_report(result: dict) -> None:
    from bench.mix import ratio_label

    print(f"== {result['episodes']} episodes ({result['segments']} segments), {result['search engine']} engine ==")
    for key, value in result.items():
        if key in ("search, ms", "slowest five queries (product p50, ms)", "queries", "checks", "query mix"):
            continue
        if isinstance(value, dict):
            value = "; ".join(f"{k}: {v}" for k, v in value.items())
        print(f"{key}: {value}")
    mix = result["query mix"]
    print(
        f"search, {mix['queries']} queries (seed {mix['seed']}), {mix['timed runs per query and engine']} timed runs"
        " each, ms p50 / p95 (ratio product / other, p50 and p95):"
    )
    figures = result["search, ms"]["all queries"]
    engines = [engine for engine in figures if not engine.startswith("product /")]
    print("  " + " " * 14 + "".join(f"  {engine:>26}" for engine in engines))
    for kind, figures in result["search, ms"].items():
        cells = [f"{figures['product']['p50']:>6} / {figures['product']['p95']:>6}"]
        for engine in engines[1:]:
            ratios = figures[ratio_label(engine)]
            cells.append(
                f"{figures[engine]['p50']:>6} / {figures[engine]['p95']:>6} ({ratios['p50']}, {ratios['p95']})"
            )
        print(f"  {kind:14}" + "".join(f"  {cell:>26}" for cell in cells))
    print(f"slowest five queries (product p50), ms {' / '.join(engines)}:")
    for slow in result["slowest five queries (product p50, ms)"]:
        times = " / ".join(str(slow[engine]) for engine in engines)
        print(f"  {slow['type']}: {slow['query']}  {times}  ({slow['moments found']} moments)")
    print("checks:")
    for name, (passed, total) in result["checks"].items():
        print(f"  {'ok  ' if passed == total else 'FAIL'} {name}: {passed} of {total}")


def failed_checks(results: list[dict]) -> list[str]:
    return [
        f"{result['episodes']} episodes, {result['search engine']}: {name}: {passed} of {total}"
        for result in results
        for name, (passed, total) in result["checks"].items()
        if passed != total
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=ROOT / "bench")
    parser.add_argument("--docs", type=Path, default=ROOT / "docs")
    options = parser.parse_args()
    written = write_report(options.results, options.docs)
    if not written:
        sys.exit(f"no results-ENGINE-SIZE.json in {options.results}")
    print("written: " + ", ".join(map(str, written)))


if __name__ == "__main__":
    main()
