"""What a search looks for: a parsed query and the glossary, as a tree every engine
translates into its own query. Pure: no Django, no search engine.

Every word goes through the same French analysis as the index. A word that
analyses to several terms (`NIS2` -> `nis 2`, `micro-ondes`) is a phrase; a phrase
also matches across two consecutive lines and lands on the line where it begins.
Glossary forms are ORed in. The tree also keeps what was searched, so that the
words of a line can be marked and the glossary form that matched named.
"""

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from search.analysis import analyze, fold
from search.query import Clause, Kind, ParsedQuery


@dataclass(frozen=True)
class Terms:
    """One index term, or several in a row (a phrase, which may run into the next line)."""

    terms: tuple[str, ...]


@dataclass(frozen=True)
class Prefix:
    """Any word said that starts with these letters, both folded (`search.analysis.fold`), not
    stemmed: a stem is often shorter than the word (`quantique` -> `quantiqu`), so `quantique*`
    found nothing among stems. Every word it covers, with no cap: a cap of 64 let 80 made-up
    words of one episode hide the 6,756 other moments of `quan*`."""

    prefix: str


@dataclass(frozen=True)
class AnyOf:
    parts: tuple["Node", ...]


@dataclass(frozen=True)
class AllOf:
    parts: tuple["Node", ...]


@dataclass(frozen=True)
class Without:
    """`wanted`, except the moments that match any of `excluded`."""

    wanted: "Node"
    excluded: tuple["Node", ...]


Node = Terms | Prefix | AnyOf | AllOf | Without


@dataclass(frozen=True)
class Form:
    text: str
    terms: tuple[str, ...]


class Glossary:
    """Groups of spellings that mean the same thing: a glossary term and its variants,
    a person's name and their other spellings."""

    def __init__(self, groups: Iterable[Sequence[str]] = ()) -> None:
        self.alternatives: dict[tuple[str, ...], list[Form]] = {}
        self.longest = 1
        for texts in groups:
            forms = [Form(text, tuple(analyze(text))) for text in texts]
            forms = [form for form in forms if form.terms]
            for form in forms:
                others = [other for other in forms if other.terms != form.terms]
                known = self.alternatives.setdefault(form.terms, [])
                known.extend(other for other in others if other not in known)
                self.longest = max(self.longest, len(form.terms))

    def forms_for(self, terms: tuple[str, ...]) -> list[Form]:
        return self.alternatives.get(terms, [])


@dataclass(frozen=True)
class Expansion:
    """The user's own terms and the glossary forms searched with them."""

    own: tuple[str, ...]
    variants: list[Form]


@dataclass
class Compiled:
    query: Node
    terms: set[str] = field(default_factory=set)
    phrases: set[tuple[str, ...]] = field(default_factory=set)
    prefixes: set[str] = field(default_factory=set)
    expansions: list[Expansion] = field(default_factory=list)

    def marks(self, term: str) -> bool:
        """Whether a term of a line's text was searched on its own (prefixes match words: `search.highlight`)."""
        return term in self.terms

    def searched(self, terms: Sequence[str]) -> None:
        if len(terms) == 1:
            self.terms.add(terms[0])
        elif terms:
            self.phrases.add(tuple(terms))

    def matched_variant(self, text_terms: Sequence[str]) -> str | None:
        """The glossary form that made this text match, when the user's own words are not in it."""
        for expansion in self.expansions:
            if _contains(text_terms, expansion.own):
                continue
            for variant in expansion.variants:
                if _contains(text_terms, variant.terms):
                    return variant.text
        return None


def compile_query(parsed: ParsedQuery, glossary: Glossary) -> Compiled | None:
    """The tree for what was typed; None when nothing searchable is left."""
    compiled = Compiled(query=AnyOf(()))
    # A word typed twice asks nothing more: "le le" is "le" (and, as one word, ranked block by block).
    musts = list(dict.fromkeys(clause for clause in _groups(parsed.groups, glossary, compiled) if clause is not None))
    if not musts:
        return None
    query: Node = AllOf(tuple(musts)) if len(musts) > 1 else musts[0]
    excluded = [_plain(clause, compiled, mark=False) for clause in parsed.excluded]
    excluded = [clause for clause in excluded if clause is not None]
    compiled.query = Without(query, tuple(excluded)) if excluded else query
    return compiled


def _groups(groups: list[list[Clause]], glossary: Glossary, compiled: Compiled) -> Iterable[Node | None]:
    index = 0
    while index < len(groups):
        taken, joined = _glossary_run(groups, index, glossary, compiled)
        if taken:
            yield joined
            index += taken
            continue
        alternatives = [_clause(clause, glossary, compiled) for clause in groups[index]]
        # Each alternative once: `des OR de` is the term `de` twice, which would count twice in a
        # moment's rank and be asked twice (and paired with itself in PostgreSQL's classes).
        alternatives = list(dict.fromkeys(alternative for alternative in alternatives if alternative is not None))
        yield (AnyOf(tuple(alternatives)) if len(alternatives) > 1 else alternatives[0]) if alternatives else None
        index += 1


def _glossary_run(groups, index: int, glossary: Glossary, compiled: Compiled) -> tuple[int, Node | None]:
    """Several typed words that together spell a glossary form (`Scale AI`, `Yann LeCun`)."""
    for size in range(min(glossary.longest, len(groups) - index), 1, -1):
        run = groups[index : index + size]
        if not all(len(group) == 1 and group[0].kind == Kind.WORD for group in run):
            continue
        words = [tuple(analyze(group[0].text)) for group in run]
        terms = tuple(itertools.chain.from_iterable(words))
        variants = glossary.forms_for(terms)
        if variants:
            own = AllOf(tuple(Terms(word) for word in words if word))
            for word in words:
                compiled.searched(word)
            return size, _with_variants(own, terms, variants, compiled)
    return 0, None


def _clause(clause: Clause, glossary: Glossary, compiled: Compiled) -> Node | None:
    query = _plain(clause, compiled, mark=True)
    if query is None or clause.kind == Kind.PREFIX:
        return query
    terms = tuple(analyze(clause.text))
    return _with_variants(query, terms, glossary.forms_for(terms), compiled)


def _plain(clause: Clause, compiled: Compiled, *, mark: bool) -> Node | None:
    if clause.kind == Kind.PREFIX:
        prefix = "".join(fold(clause.text))
        if mark:
            compiled.prefixes.add(prefix)
        return Prefix(prefix)
    terms = tuple(analyze(clause.text))
    if not terms:
        return None
    if mark:
        compiled.searched(terms)
    return Terms(terms)


def _with_variants(own: Node, terms: tuple[str, ...], variants: list[Form], compiled: Compiled) -> Node:
    if not variants:
        return own
    compiled.expansions.append(Expansion(own=terms, variants=variants))
    for variant in variants:
        compiled.searched(variant.terms)
    return AnyOf((own, *(Terms(variant.terms) for variant in variants)))


def _contains(terms: Sequence[str], part: Sequence[str]) -> bool:
    size = len(part)
    return size > 0 and any(tuple(terms[i : i + size]) == tuple(part) for i in range(len(terms) - size + 1))
