import codecs

import pytest

from episodes.parsing import parse_transcript

PAGE = "- 19/06/2025\n00:00Défense, sécurité à l'été ; « ça » marche.\n00:05Œuvre, naïve, où, cœur.\n"


@pytest.mark.parametrize(
    "data",
    [
        PAGE.encode("utf-8"),
        codecs.BOM_UTF8 + PAGE.encode("utf-8"),
        PAGE.replace("Œuvre", "Oeuvre").replace("cœur", "coeur").encode("latin-1"),
        PAGE.encode("cp1252"),
        codecs.BOM_UTF16_LE + PAGE.encode("utf-16-le"),
        PAGE.replace("\n", "\r\n").encode("cp1252"),
        PAGE.replace("\n", "\r").encode("utf-8"),
    ],
    ids=["utf-8", "utf-8-bom", "latin-1", "windows-1252", "utf-16-bom", "crlf", "cr"],
)
def test_it_keeps_french_accents_whatever_the_encoding_and_line_ends(data):
    transcript = parse_transcript(data, "page.txt")
    first, second = (segment.text for segment in transcript.segments)
    assert first == "Défense, sécurité à l'été ; « ça » marche."
    assert second.endswith("naïve, où, cœur.") or second.endswith("naïve, où, coeur.")
    assert [segment.start_ms for segment in transcript.segments] == [0, 5_000]
    assert transcript.segments[1].line == 3
