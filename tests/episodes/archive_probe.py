"""What a person checks in an archive after a restore, read the same way in the test process and in a
restored archive's own process (`manage.py shell -c`): searches as moments, states, lines, originals."""

import hashlib
import json

from episodes.models import Episode, Person
from search.engines import Filters
from search.models import GlossaryEntry
from search.moments import build_moments, find_moments

# The sample's words, a glossary term ("Nice 2" said), a person's other spelling ("Dorothée
# Décrope" said), a corrected line's new word, and a word only a draft says.
QUERIES = ["quantique", "NIS2", "Dorothée Decrop", "supraconducteur", "zorglub"]
# Lines given to a speaker on a range, found by who says them.
SPOKEN = ("bonjour", "dorothee-decrop")


def moments(text: str, filters: Filters) -> list[list]:
    found = find_moments(text, filters)
    rows = build_moments(found, found.results.top(found.count))
    return sorted([m.segment.episode.slug, m.segment.start_ms, m.segment.text] for m in rows)


def original_sha256(episode: Episode) -> str | None:
    if not episode.source_file:
        return None
    with episode.source_file.open("rb") as original:
        return hashlib.sha256(original.read()).hexdigest()


def describe_archive() -> dict:
    episodes = Episode.objects.select_related("show").order_by("slug")
    return {
        "searches": {text: moments(text, Filters()) for text in QUERIES},
        "spoken": moments(SPOKEN[0], Filters(speaker=SPOKEN[1])),
        "episodes": {
            episode.slug: {
                "show": episode.show.slug,
                "title": episode.title,
                "air_date": episode.air_date.isoformat(),
                "published": episode.is_published,
                "first_published_at": episode.first_published_at.isoformat() if episode.first_published_at else None,
                "source_sha256": episode.source_sha256,
                "original_sha256": original_sha256(episode),
                "people": list(episode.appearances.values_list("person__slug", "role", "title", "organisation")),
                "chapters": list(episode.chapters.values_list("start_ms", "title", "suggested")),
                "corrections": [
                    [c.start_ms, c.original, c.text, c.status, c.proposed_at.isoformat(), c.segment_id is not None]
                    for c in episode.corrections.order_by("proposed_at")
                ],
                "corrected_by_listeners": Episode.objects.with_listener_corrections()
                .get(pk=episode.pk)
                .corrected_by_listeners,
                "lines": list(
                    episode.segments.order_by("position").values_list("start_ms", "end_ms", "text", "speaker")
                ),
            }
            for episode in episodes
        },
        "people": {person.slug: [person.name, person.spellings()] for person in Person.objects.all()},
        "glossary": {entry.term: entry.variant_list() for entry in GlossaryEntry.objects.all()},
    }


def described() -> dict:
    """As JSON carries it (tuples become lists), so that both sides compare alike."""
    return json.loads(json.dumps(describe_archive()))


def main() -> None:
    """In a restored archive: `manage.py shell -c "from tests.episodes.archive_probe import main; main()"`."""
    print(json.dumps(describe_archive()))
