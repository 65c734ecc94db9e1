"""The people and shows a query names, so that the results page points to their pages first.

"Delphine Sabattier" may be said in no line (she hosts; her name is in the description), yet
the visitor wants her page. A person or show is named when every word of the query is a word of
their name (or of one of a person's other spellings): "Sabattier", "Delphine Sabattier" and
"smart tech" all name someone; "quantique" names no one. Only people and shows on air are
looked at: a draft's people and shows stay unknown.
"""

from dataclasses import dataclass, field

from episodes.models import Person, Show
from search.analysis import fold
from search.moments import Found
from search.query import Kind, ParsedQuery

# Shorter words ("de", "la") are part of too many names to name anyone on their own.
MIN_NAME_CHARS = 3
MOST_SHOWN = 5


@dataclass
class Named:
    people: list[Person] = field(default_factory=list)
    shows: list[Show] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.people or self.shows)


def named_in(found: Found) -> Named:
    words = _words(found.parsed)
    if not words or max(len(word) for word in words) < MIN_NAME_CHARS:
        return Named()
    people = [person for person in _candidates(words, found) if _names(words, person.name, *person.spellings())]
    shows = [show for show in found.shows_on_air if _names(words, show.name)]
    return Named(people=people[:MOST_SHOWN], shows=shows[:MOST_SHOWN])


def _words(parsed: ParsedQuery) -> set[str]:
    """The query's words, folded, when it is only words and phrases: a query with OR, a
    prefix or an exclusion is not a name."""
    if parsed.excluded or any(len(group) > 1 or group[0].kind == Kind.PREFIX for group in parsed.groups):
        return set()
    return {word for group in parsed.groups for word in fold(group[0].text)}


def _candidates(words: set[str], found: Found) -> list[Person]:
    """People on air whose name holds the longest word, and those with other spellings (few),
    most episodes first (then by name: the order `found` read them in)."""
    longest = max(words, key=len)
    named = [person for person in found.people_on_air if longest in person.name_key or person.other_spellings]
    return sorted(named, key=lambda person: -person.episode_count)


def _names(words: set[str], *names: str) -> bool:
    return any(words <= set(fold(name)) for name in names)
