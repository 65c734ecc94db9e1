"""What the visitor typed, understood. Pure: no Django; never raises.

    quantique OR cyber -SFR "Charles de Gaulle" capt*

gives three groups that must all match (`quantique` or `cyber`; the phrase;
words starting with `capt`) and one exclusion (`SFR`). Anything else a person
may type — unbalanced quotes, a lone `AND`, `title:`, `"a b"~100000`, NUL bytes,
10,000 characters — is read as plain words, and what was dropped or cut is said
in `notices`.
"""

import re
from dataclasses import dataclass, field
from enum import StrEnum

from search.analysis import fold, folding_analyzer

MAX_QUERY_CHARS = 200
# Terms searched at most, as the engines search them (after analysis): each word of a phrase,
# and each part of a word the analysis splits (`micro-ondes`, `NIS2`), counted. Counting the
# words typed let twelve copies of `de-la-le-et-de-la-le-et` through (66 terms once cut at 200
# characters): at 100 episodes the Whoosh engine needed 1.7-1.9 s for them, so it stopped at its
# 0.6 s limit having found nothing; cut to twelve terms, the search ends in 0.27-0.31 s.
# More only slows the search down.
MAX_WORDS = 12
MIN_PREFIX_CHARS = 3

QUOTES = str.maketrans({"“": '"', "”": '"', "«": '"', "»": '"', "„": '"', "‟": '"'})
PIECES = re.compile(r'(?P<neg>-?)"(?P<phrase>[^"]*)"?(?:~\d*)?|(?P<word>\S+)')
FIELD_PREFIX = re.compile(r"^[^\W\d_]+:(?=.)")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Kind(StrEnum):
    WORD = "word"
    PHRASE = "phrase"
    PREFIX = "prefix"


class Notice(StrEnum):
    TRUNCATED = "truncated"
    TOO_MANY_WORDS = "too_many_words"
    SHORT_PREFIX = "short_prefix"


@dataclass(frozen=True)
class Clause:
    kind: Kind
    text: str


@dataclass
class ParsedQuery:
    groups: list[list[Clause]] = field(default_factory=list)
    excluded: list[Clause] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.groups


def parse_query(text: str) -> ParsedQuery:
    query = ParsedQuery()
    text = CONTROL.sub(" ", text or "").translate(QUOTES).strip()
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        query.notices.append(Notice.TRUNCATED)
    join_next = negate_next = False
    words = 0
    for match in PIECES.finditer(text):
        word = match["word"]
        if word in ("OR", "|", "||"):
            join_next = bool(query.groups)
            continue
        if word in ("AND", "&&", "+"):
            continue
        if word == "NOT":
            negate_next = True
            continue
        negated, clause = _clause(match, query)
        if clause is None:
            continue
        size = _terms_in(clause)
        if words + size > MAX_WORDS:
            _notice(query, Notice.TOO_MANY_WORDS)
            if size < 2 or MAX_WORDS - words < 2:
                break
            # A phrase, or a word of several terms (searched as a phrase): its first terms.
            clause = Clause(clause.kind, _first_terms(clause.text, MAX_WORDS - words))
            size = MAX_WORDS - words
        words += size
        if negated or negate_next:
            query.excluded.append(clause)
        elif join_next:
            query.groups[-1].append(clause)
        else:
            query.groups.append([clause])
        join_next = negate_next = False
    return query


def _clause(match: re.Match[str], query: ParsedQuery) -> tuple[bool, Clause | None]:
    if match["word"] is None:
        phrase = " ".join(match["phrase"].split())
        return bool(match["neg"]), (Clause(Kind.PHRASE, phrase) if fold(phrase) else None)
    word = match["word"]
    negated = word.startswith("-") and len(word) > 1
    word = FIELD_PREFIX.sub("", word.lstrip("-+")).strip("*?()[]{}^~:\"'")
    if not fold(word):
        return negated, None
    if match["word"].rstrip("?").endswith("*"):
        if len("".join(fold(word))) >= MIN_PREFIX_CHARS:
            return negated, Clause(Kind.PREFIX, word)
        _notice(query, Notice.SHORT_PREFIX)
    return negated, Clause(Kind.WORD, word)


def _terms_in(clause: Clause) -> int:
    """How many index terms the engines search for a clause (a prefix is one, its letters joined)."""
    return 1 if clause.kind == Kind.PREFIX else len(fold(clause.text))


def _first_terms(text: str, count: int) -> str:
    """The text up to the end of its `count`-th term."""
    tokens = folding_analyzer()(text, chars=True)
    end = next(token.endchar for number, token in enumerate(tokens, 1) if number == count)
    return text[:end]


def _notice(query: ParsedQuery, notice: Notice) -> None:
    if notice not in query.notices:
        query.notices.append(notice)
