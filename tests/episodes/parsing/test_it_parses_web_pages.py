"""A saved episode page (HTML) gives the same episode as the page's text; other timestamped HTML is read too."""

import pytest

from episodes.parsing import TranscriptError, TranscriptFormat, parse_transcript
from tests.conftest import SAMPLE, SAVED_PAGE


@pytest.fixture(scope="module")
def page():
    return parse_transcript(SAVED_PAGE.read_bytes(), SAVED_PAGE.name)


@pytest.fixture(scope="module")
def text():
    return parse_transcript(SAMPLE.read_bytes(), SAMPLE.name)


def test_the_saved_page_gives_the_same_episode_as_its_text(page, text):
    assert page.format == TranscriptFormat.WEB_PAGE
    assert (page.title, page.show, page.air_date) == ("SMART TECH du 19 juin 2025", "SMART TECH", text.air_date)
    assert page.description == text.description
    assert page.people == text.people
    assert page.warnings == []


def test_the_saved_page_gives_the_same_segments_at_the_same_times(page, text):
    assert len(page.segments) == len(text.segments) == 408
    for from_html, from_text in zip(page.segments, text.segments, strict=True):
        assert (from_html.start_ms, from_html.end_ms, from_html.text, from_html.speaker) == (
            from_text.start_ms,
            from_text.end_ms,
            from_text.text,
            from_text.speaker,
        )


def test_it_reads_nothing_of_scripts_menus_the_cookie_notice_or_the_recommendations(page):
    said = " ".join(segment.text for segment in page.segments)
    for debris in ("dataLayer", "Menu", "Rechercher", "cookies", "Partager", "Recommandations", "Partie 1", "Bsmart"):
        assert debris not in said
    assert page.segments[-1].text == "Excellente journée."


def test_it_names_the_html_line_of_each_segment(page):
    html_lines = SAVED_PAGE.read_text(encoding="utf-8").splitlines()
    assert '<span class="time">00:00</span>' in html_lines[page.segments[0].line - 1]
    assert '<span class="time">28:18</span>' in html_lines[page.segments[-1].line - 1]


def lines_of(html: str, filename: str = "page.html") -> list[tuple[int, str]]:
    return [(segment.start_ms, segment.text) for segment in parse_transcript(html.encode(), filename).segments]


@pytest.mark.parametrize(
    "html",
    [
        "<p><span>00:12</span> Bonjour</p>\n<p><span>1:00:05</span> Au revoir</p>",
        "<html><body><p>[00:12] Bonjour</p><p>[01:00:05] Au revoir</p></body></html>",
        "<table><tr><th>Temps</th><th>Texte</th></tr><tr><td>00:12</td><td>Bonjour</td></tr>"
        "<tr><td>1:00:05</td><td>Au revoir</td></tr></table>",
        "<div><pre>\n00:12 Bonjour\n1:00:05 Au revoir\n</pre></div>",
        "<div>00:12 Bonjour<br>1:00:05 Au revoir</div>",
    ],
    ids=["span-in-paragraph", "bracketed", "table", "pre", "br-between-lines"],
)
def test_it_reads_other_timestamped_html(html):
    assert lines_of(html) == [(12_000, "Bonjour"), (3_605_000, "Au revoir")]


def test_recommendations_before_the_transcript_are_left_out_and_the_transcript_kept():
    html = (
        "<main><div class='head'><h2>Recommandations</h2></div>"
        "<ul><li><span>28:58</span><a href='/autre'>Un autre épisode</a></li></ul>"
        "<h2>Transcription</h2><div><span>00:00</span><p>Bonjour</p></div></main>"
    )
    assert lines_of(html) == [(0, "Bonjour")]


def test_it_decodes_entities_folds_whitespace_and_keeps_a_br_inside_a_line_as_a_space():
    html = "<p><span>00:00</span>Vous  dites&nbsp;quoi&#x202F;? <b>C&#x27;est</b><br>\n   l&rsquo;été&hellip;</p>"
    assert lines_of(html) == [(0, "Vous dites quoi ? C'est l’été…")]


def test_it_recognises_a_page_by_its_content_never_by_its_name():
    assert parse_transcript(SAVED_PAGE.read_bytes(), "notes.txt").format == TranscriptFormat.WEB_PAGE
    assert parse_transcript(SAMPLE.read_bytes(), "page.html").format == TranscriptFormat.SHOW_PAGE


def test_it_refuses_a_page_without_timestamps():
    with pytest.raises(TranscriptError, match="no timestamps found in this web page"):
        parse_transcript(b"<!doctype html><title>12:30</title><p>Rien de minut\xc3\xa9 ici.</p>", "page.html")


def test_an_error_names_the_line_of_the_html_file():
    html = "<!doctype html>\n<body>\n<p>00:10 Un</p>\n<p>00:30 Deux</p>\n\n<p>00:05 Trois</p>\n</body>"
    with pytest.raises(TranscriptError, match=r"00:05 comes after 00:30 \(line 4\)") as error:
        parse_transcript(html.encode(), "page.html")
    assert error.value.line == 6
