from search.highlight import highlight


def never(term: str) -> bool:
    return False


def test_it_marks_words_by_their_index_term():
    assert highlight("Les capteurs quantiques", lambda t: t == "capteur") == "Les <mark>capteurs</mark> quantiques"


def test_it_escapes_before_marking():
    text = '<script>alert("x")</script> <img src=x onerror=alert(1)> capteur'
    html = highlight(text, lambda t: t == "capteur")
    assert html == (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt; <mark>capteur</mark>"
    )


def test_it_escapes_a_line_without_matches():
    assert highlight("a < b & c", never) == "a &lt; b &amp; c"


def test_it_marks_a_phrase_only_where_it_stands_whole():
    text = "de travailler et de définir le successeur du porte-avions Charles de Gaulle"
    html = highlight(text, never, [("charl", "de", "gaull")])
    assert html.count("<mark>") == 1
    assert html.endswith("<mark>Charles de Gaulle</mark>")


def test_words_split_by_analysis_make_one_mark():
    assert highlight("la directive NIS2.", lambda t: t in ("nis", "2")) == "la directive <mark>NIS2</mark>."
    assert highlight("à Nice 2 ?", lambda t: t in ("nic", "2")) == "à <mark>Nice 2</mark> ?"


def test_it_marks_the_start_of_a_phrase_that_goes_on_in_the_next_line():
    html = highlight("le terme souveraineté,", never, [("souverainet", "qui", "etait")])
    assert html == "le terme <mark>souveraineté</mark>,"


def test_it_stays_linear_with_many_matches():
    text = "quantique, " * 5_000
    assert highlight(text, lambda t: t == "quantiqu").count("<mark>") == 5_000


def test_a_prefix_marks_the_words_whose_folded_form_it_starts():
    html = highlight("Des défenses, de la Défense ; désormais.", never, prefixes=["des", "defens"])
    assert html == "<mark>Des défenses</mark>, de la <mark>Défense</mark> ; <mark>désormais</mark>."


def test_a_prefix_is_not_compared_with_the_stem():
    # `quantique` indexes as `quantiqu`, which `quantique*` does not start.
    assert highlight("ordinateur quantique", never, prefixes=["quantique"]) == "ordinateur <mark>quantique</mark>"
    assert highlight("les ordinateurs", never, prefixes=["ordinat"]) == "les <mark>ordinateurs</mark>"
