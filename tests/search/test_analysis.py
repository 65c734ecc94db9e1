import pytest

from search.analysis import analyze, spans


def same_terms(a: str, b: str) -> bool:
    return analyze(a) == analyze(b)


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("defense", "défense"),
        ("DÉFENSE", "défense"),
        ("securite", "Sécurité"),
        ("ordinateur", "l'ordinateur"),
        ("ordinateur", "l’ordinateur"),
        ("elles", "qu'elles"),
        ("effectivement", "puisqu'effectivement"),
        ("capteur", "capteurs"),
        ("annonce", "annonces"),
        ("quantique", "quantiques"),
        ("micro ondes", "micro-ondes"),
        ("NIS2", "NIS 2"),
        ("NIS2", "NIS-2"),
        ("nis2", "NIS2"),
        ("coeur", "cœur"),
    ],
)
def test_a_typed_word_meets_the_word_said(typed, said):
    assert same_terms(typed, said)


def test_letter_digit_compounds_split_into_words_and_numbers():
    assert analyze("NIS2") == ["nis", "2"]
    assert analyze("15,3 milliards") == ["15", "3", "milliard"]


def test_it_keeps_small_words_so_phrases_keep_their_shape():
    assert analyze("Charles de Gaulle") == ["charl", "de", "gaull"]


def test_it_keeps_aujourdhui_whole():
    assert analyze("aujourd'hui") == ["aujourd'hui"]


def test_different_words_stay_different():
    assert analyze("capteur") != analyze("capital")
    assert analyze("nice") != analyze("nis")


def test_spans_point_at_the_words_in_the_original_text():
    text = "Vous pensez à l'IA, à NIS2 ?"
    assert [(text[s.start : s.end], s.term) for s in spans(text)] == [
        ("Vous", "vous"),
        ("pensez", "pens"),
        ("à", "a"),
        ("l'IA", "ia"),
        ("à", "a"),
        ("NIS", "nis"),
        ("2", "2"),
    ]


def test_words_as_said_and_index_terms_come_from_one_pass_as_from_two():
    from bench.corpus import vocabulary
    from search.analysis import said_and_terms, spelling_analyzer
    from tests.conftest import SAMPLE

    words = " ".join(vocabulary()[0])
    for line in [
        *SAMPLE.read_text(encoding="utf-8").splitlines(),
        words,
        "L’ordinateur d'aujourd'hui, NIS2 et cœurs, QU'ELLES JUSQU’À l'l'a",
    ]:
        said, terms = said_and_terms(line)
        assert said == [token.text for token in spelling_analyzer()(line)]
        assert terms == analyze(line)
