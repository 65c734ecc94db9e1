import pytest

from search.query import MAX_QUERY_CHARS, Clause, Kind, Notice, parse_query

W, P, X = Kind.WORD, Kind.PHRASE, Kind.PREFIX


def shape(text: str):
    parsed = parse_query(text)
    groups = [[(c.kind, c.text) for c in group] for group in parsed.groups]
    return groups, [(c.kind, c.text) for c in parsed.excluded]


def test_words_are_anded():
    assert shape("quantique défense") == ([[(W, "quantique")], [(W, "défense")]], [])


def test_quotes_make_a_phrase():
    assert shape('"Charles de Gaulle" porte') == ([[(P, "Charles de Gaulle")], [(W, "porte")]], [])


def test_or_joins_alternatives():
    assert shape("quantique OR cyber OR IA") == ([[(W, "quantique"), (W, "cyber"), (W, "IA")]], [])


def test_minus_excludes():
    assert shape('cyber -SFR -"panne géante"') == ([[(W, "cyber")]], [(W, "SFR"), (P, "panne géante")])


def test_not_excludes_the_next_word():
    assert shape("cyber NOT SFR") == ([[(W, "cyber")]], [(W, "SFR")])


def test_a_star_makes_a_prefix_of_three_letters_or_more():
    assert shape("quanti*") == ([[(X, "quanti")]], [])


@pytest.mark.parametrize("text", ["a*", "qu*", "é*"])
def test_a_short_prefix_is_searched_as_a_word_with_a_notice(text):
    parsed = parse_query(text)
    assert parsed.groups == [[Clause(W, text.rstrip("*"))]]
    assert parsed.notices == [Notice.SHORT_PREFIX]


@pytest.mark.parametrize(
    "text",
    ["", "   ", "*", "**", "AND", "OR", "NOT", "!!!", "?", "\x00", "\x00\x00", '"', '""', "-", "()", ":"],
)
def test_nothing_searchable_gives_an_empty_query(text):
    assert parse_query(text).is_empty


def test_unbalanced_quotes_run_to_the_end():
    assert shape('"Charles de Gaulle') == ([[(P, "Charles de Gaulle")]], [])


def test_field_syntax_is_read_as_the_word():
    assert shape("title:quantique") == ([[(W, "quantique")]], [])
    assert shape("title:") == ([[(W, "title")]], [])


def test_proximity_is_dropped_and_the_phrase_kept():
    assert shape('"campus quantique"~100000') == ([[(P, "campus quantique")]], [])


def test_french_quotes_make_a_phrase():
    assert shape("« campus quantique »") == ([[(P, "campus quantique")]], [])


def test_nul_bytes_and_controls_separate_words():
    assert shape("quantique\x00défense") == ([[(W, "quantique")], [(W, "défense")]], [])


def test_a_very_long_query_is_cut_with_a_notice():
    parsed = parse_query("quantique " * 1000)
    assert Notice.TRUNCATED in parsed.notices
    assert sum(len(c.text) + 1 for group in parsed.groups for c in group) <= MAX_QUERY_CHARS + 1


def words(count: int) -> list[str]:
    """As many words of one term each (`mot1` would be two: `mot 1`)."""
    return [f"mot{chr(ord('a') + i // 26)}{chr(ord('a') + i % 26)}" for i in range(count)]


def test_too_many_words_are_cut_with_a_notice():
    parsed = parse_query(" ".join(words(30)))
    assert len(parsed.groups) == 12
    assert Notice.TOO_MANY_WORDS in parsed.notices


def test_ored_words_count_towards_the_twelve():
    parsed = parse_query(" OR ".join(words(24)))
    assert [len(group) for group in parsed.groups] == [12]
    assert Notice.TOO_MANY_WORDS in parsed.notices


def test_a_long_phrase_keeps_its_first_twelve_words():
    parsed = parse_query('"' + " ".join(words(30)) + '"')
    assert [clause.text for group in parsed.groups for clause in group] == [" ".join(words(12))]
    assert Notice.TOO_MANY_WORDS in parsed.notices


def test_each_part_of_a_hyphenated_word_counts_towards_the_twelve():
    parsed = parse_query("de-la-le-et-de-la-le-et " * 6)
    assert [clause.text for group in parsed.groups for clause in group] == ["de-la-le-et-de-la-le-et", "de-la-le-et"]
    assert Notice.TOO_MANY_WORDS in parsed.notices


def test_a_word_with_digits_counts_its_numbers_as_terms():
    parsed = parse_query(" ".join(["nis2"] * 7))
    assert len(parsed.groups) == 6
    assert Notice.TOO_MANY_WORDS in parsed.notices


def test_excluded_words_count_too():
    parsed = parse_query(" ".join(f"-{word}" for word in words(11)) + ' quantique "porte avions"')
    assert len(parsed.excluded) == 11
    assert [clause.text for group in parsed.groups for clause in group] == ["quantique"]


def test_alternatives_that_are_the_same_term_are_asked_once():
    from search.plan import AnyOf, Glossary, Terms, compile_query

    compiled = compile_query(parse_query("des OR de OR quantique OR quantiques"), Glossary())
    assert compiled.query == AnyOf((Terms(("de",)), Terms(("quantiqu",))))


def test_a_word_typed_twice_is_searched_once():
    """`le le` asks for the lines that say "le", and is searched as one word is."""
    from search.plan import AllOf, Glossary, Terms, compile_query

    assert compile_query(parse_query("le le"), Glossary()).query == Terms(("le",))
    twice = compile_query(parse_query("quantique le Quantiques"), Glossary()).query
    assert twice == AllOf((Terms(("quantiqu",)), Terms(("le",))))
