"""The query mix through the product beside the reference engines: each query in turn through
all of them, timed, with percentiles per query type and overall, ratios and checks."""

import math
import statistics
from pathlib import Path

SEED = 7
# The episodes whose lines the query mix is drawn from: present at every size.
MIX_EPISODES = 3
PRODUCT = "product"


def ms(value: float) -> float:
    """Three significant digits below 10 ms (FTS5 answers in hundredths), else tenths."""
    return float(f"{value:.3g}") if value < 10 else round(value, 1)


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    return {
        "p50": ms(statistics.median(ordered)),
        "p95": ms(nearest_p95(ordered)),
        "max": ms(ordered[-1]),
    }


def nearest_p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[math.ceil(len(ordered) * 0.95) - 1]


def ratio(product: float, other: float) -> float:
    return round(product / other, 2)


def ratio_label(reference: str) -> str:
    return f"product / {'FTS5' if reference == 'SQLite FTS5' else reference}"


def query_mix(paths: list[Path]) -> list:
    """The seeded mix (bench/queries.py), with this archive's glossary and episodes."""
    from bench.corpus import RARE, SAMPLE, vocabulary
    from bench.queries import Corpus, FilterEpisode
    from bench.queries import query_mix as draw
    from episodes.models import Appearance, Episode, Role
    from search.models import GlossaryEntry

    words, _, _ = vocabulary()
    corpus = Corpus.read(paths, also_indexed=[SAMPLE.read_text(encoding="utf-8"), " ".join(words), *RARE])
    glossary = [entry.forms() for entry in GlossaryEntry.objects.order_by("term")]
    guests: dict[int, list[str]] = {}
    for episode_id, slug in Appearance.objects.filter(role=Role.GUEST.value).values_list("episode", "person__slug"):
        guests.setdefault(episode_id, []).append(slug)
    bench_episodes = Episode.objects.published().filter(title__startswith="SMART TECH du").order_by("air_date")
    episodes = [
        FilterEpisode(episode.air_date, tuple(sorted(guests[episode.pk])))
        for episode in bench_episodes
        if guests.get(episode.pk)
    ]
    return draw(corpus, glossary, episodes, list(RARE), SEED)


def allowed_episodes(query) -> set[int] | None:
    """The episodes a filtered query allows, as the product defines them (published, the
    person on air, the dates), given to the references as episode ids."""
    from episodes.models import Episode

    if not query.person:
        return None
    episodes = Episode.objects.published().filter(
        appearances__person__slug=query.person, air_date__gte=query.date_from, air_date__lte=query.date_to
    )
    return set(episodes.values_list("pk", flat=True))


def run_query(query, client, references: dict, repeats: int) -> dict:
    """One query through the product and each reference in turn (so that they share the
    machine's moods), once untimed to warm up and record what each found, then timed.
    `references`: name -> engine (bench/references.py); raw Whoosh's also suggests."""
    allowed = allowed_episodes(query)
    answer = client.get("/api/search/", query.params).json()
    run = {
        "found": {PRODUCT: answer["count"], **{name: ref.count(query, allowed) for name, ref in references.items()}},
        "suggestion": answer["suggestion"],
    }
    if "raw Whoosh" in references:
        run["raw Whoosh suggestion"] = references["raw Whoosh"].search(query, allowed)[1]
    if allowed is not None:
        unfiltered = client.get("/api/search/", {"q": query.params["q"]}).json()
        if "timed_out" in unfiltered["notices"]:
            # A reference count, not a timing: the first read of a common word's rows may find
            # them cold (PostgreSQL's shared buffers) and run into the time limit; ask again.
            unfiltered = client.get("/api/search/", {"q": query.params["q"]}).json()
        run["found unfiltered"] = {
            PRODUCT: unfiltered["count"],
            **{name: ref.count(query, None) for name, ref in references.items()},
        }
    for ref in references.values():
        ref.search(query, allowed)
    samples: dict[str, list[float]] = {PRODUCT: [], **{name: [] for name in references}}
    for _ in range(repeats):
        samples[PRODUCT].append(timed_ms(client.get, "/api/search/", query.params))
        for name, ref in references.items():
            samples[name].append(timed_ms(ref.search, query, allowed))
    run["ms"] = samples
    return run


def timed_ms(function, *args) -> float:
    import time

    start = time.perf_counter()
    function(*args)
    return (time.perf_counter() - start) * 1000


def search_figures(mix: list, runs: list[dict], repeats: int) -> dict:
    from bench.queries import TYPES

    engines = list(runs[0]["ms"])
    by_type: dict[str, list[dict]] = {kind: [] for kind in TYPES}
    for query, run in zip(mix, runs, strict=True):
        by_type[query.type].append(run)
    figures = {"all queries": engine_figures(runs)}
    # A type may have no query: no glossary term in an archive without a glossary.
    figures.update({kind: engine_figures(of_type) for kind, of_type in by_type.items() if of_type})
    slowest = sorted(zip(mix, runs, strict=True), key=lambda pair: -statistics.median(pair[1]["ms"][PRODUCT]))
    return {
        "query mix": {
            "seed": SEED,
            "queries": len(mix),
            "timed runs per query and engine": repeats,
            "queries per type": {kind: len(of_type) for kind, of_type in by_type.items()},
        },
        "search, ms": figures,
        "slowest five queries (product p50, ms)": [
            {
                "type": query.type,
                "query": query.text,
                **{engine: ms(statistics.median(run["ms"][engine])) for engine in engines},
                "moments found": run["found"][PRODUCT],
            }
            for query, run in slowest[:5]
        ],
        "checks": checks(mix, runs),
        "queries": [f"{query.type}: {query.text}" for query in mix],
    }


def engine_figures(runs: list[dict]) -> dict:
    engines = list(runs[0]["ms"])
    samples = {engine: [ms for run in runs for ms in run["ms"][engine]] for engine in engines}
    figures: dict = {engine: percentiles(samples[engine]) for engine in engines}
    for other in engines[1:]:
        figures[ratio_label(other)] = {
            "p50": ratio(statistics.median(samples[PRODUCT]), statistics.median(samples[other])),
            "p95": ratio(nearest_p95(samples[PRODUCT]), nearest_p95(samples[other])),
        }
    return figures


def _fewer(filtered: int, unfiltered: int, engine: str) -> bool:
    """Whether a filter narrowed what an engine found. The product counts up to its count limit:
    both at the limit is no sign either way, and the references, which count all, must narrow."""
    from search.engines import COUNT_LIMIT

    if engine == PRODUCT and filtered == unfiltered == COUNT_LIMIT:
        return True
    return 0 < filtered < unfiltered


def checks(mix: list, runs: list[dict]) -> dict[str, list[int]]:
    """[passed, queries] for each thing the mix must do to measure what it says."""
    misspelled = [run for query, run in zip(mix, runs, strict=True) if query.type == "misspelled"]
    filtered = [run for query, run in zip(mix, runs, strict=True) if query.type == "filtered"]
    engines = list(runs[0]["ms"])
    found = {
        "misspelled: 0 results and a suggestion (product)": [
            sum(run["found"][PRODUCT] == 0 and bool(run["suggestion"]) for run in misspelled),
            len(misspelled),
        ],
    }
    if "raw Whoosh" in engines:
        found["misspelled: 0 results and a suggestion (raw Whoosh)"] = [
            sum(run["found"]["raw Whoosh"] == 0 and bool(run["raw Whoosh suggestion"]) for run in misspelled),
            len(misspelled),
        ]
    found["filtered: fewer moments than unfiltered, in each engine"] = [
        sum(all(_fewer(run["found"][e], run["found unfiltered"][e], e) for e in engines) for run in filtered),
        len(filtered),
    ]
    if "raw Whoosh" in engines:
        found["filtered: the product and raw Whoosh find the same moments"] = [
            sum(run["found"][PRODUCT] == run["found"]["raw Whoosh"] for run in filtered),
            len(filtered),
        ]
    return found
