"""Finding moments: a query and filters in, ordered hits and display rows out.

What every engine shares: the query is parsed and compiled here, the configured engine
(`search.engines`) finds the hits, and the rows, neighbours, highlights, groups and
pages are built here from the database.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from django.core.paginator import Page, Paginator
from django.utils.safestring import SafeString, mark_safe

from episodes.models import Episode, Person, Segment, Show, people_speaking_as
from search.analysis import WORDS, analyze, spelling_analyzer
from search.engines import EpisodeBest, Filters, Hit, NoResults, Results, engine
from search.highlight import highlight
from search.models import GlossaryEntry
from search.plan import Compiled, Glossary, compile_query
from search.query import Kind, ParsedQuery, parse_query

# No query may hold a worker longer than this; what was found by then is shown.
TIME_LIMIT_SECONDS = 1.0
# The engine stops this much earlier, leaving time to rank, count and build the page: at 0.7 s,
# twelve common words ORed (236,253 moments at 1,000 episodes) answered in 1,106 ms on a machine
# that two benchmarks shared; the page's part grows with the moments found and the machine's load.
ENGINE_TIME_LIMIT_SECONDS = 0.6 * TIME_LIMIT_SECONDS
# Fewer results than this and a spelling suggestion is offered.
FEW_RESULTS = 3
EPISODES_PER_PAGE = 10
MOMENTS_PER_EPISODE = 3
MOMENTS_PER_PAGE = 20


@dataclass
class Found:
    query: str
    parsed: ParsedQuery
    results: Results = field(default_factory=NoResults)
    compiled: Compiled | None = None
    suggestion: str | None = None
    # The glossary as the search read it: its suggestion and its topic read no other.
    glossary: list[GlossaryEntry] = field(default_factory=list)

    @cached_property
    def people_on_air(self) -> list[Person]:
        """People in a published episode, by name: read once for everything the search's page
        asks of them (its speakers, its suggestion, the names it finds, the filters' lists)."""
        return list(Person.objects.on_air().order_by("name"))

    @cached_property
    def shows_on_air(self) -> list[Show]:
        return list(Show.objects.on_air())

    @property
    def count(self) -> int:
        """How many moments match, exactly up to COUNT_LIMIT (see `count_is_exact`)."""
        return self.results.count().moments

    @property
    def count_is_exact(self) -> bool:
        return self.results.count().exact

    @property
    def episode_count(self) -> int:
        return len(self.results.per_episode())

    @property
    def timed_out(self) -> bool:
        return self.results.timed_out


@dataclass
class Moment:
    segment: Segment
    highlighted: SafeString
    before: Segment | None = None
    after: Segment | None = None
    matched_variant: str | None = None
    # The person on air whom the line's speaker names, when there is one (the name alone otherwise).
    speaker: Person | None = None


@dataclass
class EpisodeMoments:
    episode: Episode
    moments: list[Moment]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.moments)


@dataclass
class EpisodeMatches:
    """Where a search lands inside one episode: the matching segments, in time order."""

    found: Found
    segments: list[Segment]
    highlighted: dict[int, SafeString]

    def after(self, start_ms: int) -> Segment | None:
        return next((s for s in self.segments if s.start_ms > start_ms), None)

    def before(self, start_ms: int) -> Segment | None:
        return next((s for s in reversed(self.segments) if s.start_ms < start_ms), None)


def episode_matches(episode: Episode, segments: list[Segment], text: str) -> EpisodeMatches:
    """The segments of this episode that a search for `text` finds, marked."""
    found = find_moments(text, Filters(episode=episode.slug))
    hit_ids = found.results.in_episode(episode.pk)
    matching = [segment for segment in segments if segment.pk in hit_ids]
    highlighted = {segment.pk: _highlighted(found.compiled, segment) for segment in matching}
    return EpisodeMatches(found=found, segments=matching, highlighted=highlighted)


def find_moments(text: str, filters: Filters, *, seconds: float | None = None, suggesting: bool = True) -> Found:
    """The moments found for `text`, as lazy results whose answers together stop after
    `seconds` (the engine's time limit unless given); with few found, a spelling suggestion
    unless not `suggesting`."""
    found = Found(query=text, parsed=parse_query(text))
    if found.parsed.is_empty:
        return found
    found.glossary = list(GlossaryEntry.objects.all())
    found.compiled = compile_query(found.parsed, load_glossary(found.glossary))
    if found.compiled is not None:
        seconds = ENGINE_TIME_LIMIT_SECONDS if seconds is None else seconds
        found.results = engine().find(found.compiled, filters, seconds=seconds)
    if suggesting and found.results.fewer_than(FEW_RESULTS) and not found.timed_out:
        found.suggestion = suggest(found)
    return found


def spelling_counts(spellings: list[str]) -> list[tuple[str, int]]:
    """How many moments say each spelling exactly (no glossary), for staff to see which ones occur."""
    counts = []
    for spelling in spellings:
        compiled = compile_query(parse_query(f'"{spelling}"'), Glossary())
        counts.append((spelling, engine().count(compiled) if compiled else 0))
    return counts


def load_glossary(entries: Iterable[GlossaryEntry]) -> Glossary:
    """These glossary entries, and every person's other spellings."""
    groups = [entry.forms() for entry in entries]
    groups += [[person.name, *person.spellings()] for person in Person.objects.exclude(other_spellings="")]
    return Glossary(groups)


def grouped_page(found: Found, number: int | str | None) -> Page:
    """A page of episodes, best (or newest) first, each with its best moments."""
    page = Paginator(found.results.ranked_episodes(), EPISODES_PER_PAGE).get_page(number)
    best = found.results.best_in(page.object_list, MOMENTS_PER_EPISODE)
    shown = [hit for episode in page.object_list if episode in best for hit in best[episode].hits]
    moments = {moment.segment.pk: moment for moment in build_moments(found, shown)}
    groups = (_episode_moments(best[episode], moments) for episode in page.object_list if episode in best)
    page.object_list = [group for group in groups if group]
    return page


def episode_page(found: Found, episode: Episode | None, number: int | str | None) -> Page:
    """Every moment found in one episode (the search was restricted to it), in time order,
    a page at a time: the moments past the three that the grouped results show."""
    hit_ids = found.results.in_episode(episode.pk) if episode else set()
    # The episode's lines read in order and kept in Python: a long transcript's thousands of
    # matches would otherwise be as many SQL parameters.
    lines = Segment.objects.published().filter(episode=episode).order_by("start_ms", "position")
    hits = [Hit(*line) for line in lines.values_list("pk", "episode_id") if line[0] in hit_ids] if episode else []
    page = Paginator(hits, MOMENTS_PER_PAGE).get_page(number)
    page.object_list = build_moments(found, page.object_list)
    return page


class _TopHits(Sequence[Hit]):
    """The moments in order, for a Paginator: as many as the count says, each page read
    from the engine's top `k` (only up to the page asked)."""

    def __init__(self, found: Found) -> None:
        self.found = found

    def __len__(self) -> int:
        return self.found.count

    def __getitem__(self, index):
        if not isinstance(index, slice):
            raise TypeError("pages only")
        return self.found.results.top(index.stop)[index]


def flat_page(found: Found, number: int) -> Page:
    """A page of moments, in the order found (raises EmptyPage past the end)."""
    page = Paginator(_TopHits(found), MOMENTS_PER_PAGE, allow_empty_first_page=True).page(number)
    page.object_list = build_moments(found, page.object_list)
    return page


def build_moments(found: Found, hits: Iterable[Hit]) -> list[Moment]:
    """Rows from the database for these hits, in the same order: published episodes only."""
    ids = [hit.segment_id for hit in hits]
    if not ids:
        return []
    rows = Segment.objects.published().filter(pk__in=ids).select_related("episode__show")
    segments = {segment.pk: segment for segment in rows}
    neighbours = _neighbours(segments.values())
    names = {segment.speaker for segment in segments.values() if segment.speaker}
    speakers = people_speaking_as(found.people_on_air, names) if names else {}
    moments = []
    for segment_id in ids:
        segment = segments.get(segment_id)
        if segment is None:
            continue  # deleted or unpublished since it was indexed
        moment = _moment(found.compiled, segment, neighbours)
        moment.speaker = speakers.get(segment.speaker)
        moments.append(moment)
    return moments


def suggest(found: Found) -> str | None:
    """The query with unknown words replaced by the closest ones that published lines say.

    A word that matched is never "corrected", however it matched (stemmed, through the
    glossary or a person's other spellings, inside a phrase): "Yann LeCun" finds "Yann
    Lequin" and must not offer "Yann leur". Names the archive knows (the glossary's, those
    of people and shows on air) are not corrected either, even when nothing says them.
    """
    suggestion, known = found.query, None
    for group in found.parsed.groups:
        # Every hit matches each group of one clause: its words matched, one way or another.
        if found.count and len(group) == 1:
            continue
        for clause in group:
            if clause.kind != Kind.WORD:
                continue
            for word in re.findall(WORDS, clause.text):
                spelled = [token.text for token in spelling_analyzer()(word)]
                if not spelled or word.isdigit() or engine().is_said(spelled[0]):
                    continue
                known = _known_terms(found) if known is None else known
                if set(analyze(word)) <= known:
                    continue
                closest = engine().closest_said(spelled[0])
                if closest:
                    suggestion = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", closest, suggestion, count=1)
    return suggestion if suggestion != found.query else None


def _known_terms(found: Found) -> set[str]:
    """The terms of the names the archive knows: glossary forms, and the names and other
    spellings of people and shows on air (those of drafts only must not change an answer)."""
    names = [form for entry in found.glossary for form in entry.forms()]
    for person in found.people_on_air:
        names += [person.name, *person.spellings()]
    names += [show.name for show in found.shows_on_air]
    return {term for name in names for term in analyze(name)}


def _neighbours(segments: Iterable[Segment]) -> dict[tuple[int, int], Segment]:
    """The lines just before and after these, by (episode, position), in one query.

    Written as a join with a list of (episode, position) pairs: Django built and compiled
    twenty ORed `episode_id = ... AND position IN (...)` for a page far slower than the
    database ran them. On PostgreSQL at 1,000 episodes, the rows and their neighbours went
    from 45 % of the API's 43.8 ms p50 for the mix's rare words to 30 % of 33.8 ms
    (bench/request_cost.py, load average 10).
    """
    wanted = [(s.episode_id, position) for s in segments for position in (s.position - 1, s.position + 1)]
    if not wanted:
        return {}
    pairs = ", ".join(["(%s, %s)"] * len(wanted))
    table = Segment._meta.db_table
    lines = Segment.objects.raw(
        f"WITH near(episode_id, position) AS (VALUES {pairs}) "
        f"SELECT line.* FROM {table} AS line JOIN near "
        "ON line.episode_id = near.episode_id AND line.position = near.position",
        [number for pair in wanted for number in pair],
    )
    return {(line.episode_id, line.position): line for line in lines}


def _highlighted(compiled: Compiled | None, segment: Segment) -> SafeString:
    marks = compiled.marks if compiled else (lambda term: False)
    phrases = compiled.phrases if compiled else ()
    prefixes = compiled.prefixes if compiled else ()
    return mark_safe(highlight(segment.text, marks, phrases, prefixes))


def _moment(compiled: Compiled | None, segment: Segment, neighbours: dict) -> Moment:
    return Moment(
        segment=segment,
        highlighted=_highlighted(compiled, segment),
        before=neighbours.get((segment.episode_id, segment.position - 1)),
        after=neighbours.get((segment.episode_id, segment.position + 1)),
        matched_variant=compiled.matched_variant(analyze(segment.text)) if compiled else None,
    )


def _episode_moments(best: EpisodeBest, moments: dict[int, Moment]) -> EpisodeMoments | None:
    shown = [moments[hit.segment_id] for hit in best.hits if hit.segment_id in moments]
    if not shown:
        return None
    shown.sort(key=lambda moment: moment.segment.start_ms)
    return EpisodeMoments(episode=shown[0].segment.episode, moments=shown, total=best.total)
