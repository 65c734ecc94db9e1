import pytest

from episodes.parsing import TranscriptError, TranscriptFormat, parse_transcript

SRT = """1
00:00:01,000 --> 00:00:04,500
Bonjour et bienvenue
dans <i>Smart Tech</i>.

2
00:00:04,500 --> 00:00:07,250 X1:100 X2:200
On parle de la défense &amp; du quantique.

3
00:01:02,003 --> 00:01:05,000
Fin.
"""

VTT = """WEBVTT - Smart Tech

NOTE Ceci est un commentaire
qui tient sur deux lignes.

STYLE
::cue { color: yellow }

intro
00:00.000 --> 00:03.500 align:start position:10%
<v Delphine Sabattier>Bonjour à tous,
bienvenue.</v>

00:00:03.500 --> 00:00:06.000
<v.loud Marc Kaplan>La cryptographie <b>quantique</b>.

00:06.000 --> 00:08.000
Sans voix, avec <c.yellow>une classe</c> &lt;script&gt;.
"""


def parse(text: str, name: str = "episode.txt"):
    return parse_transcript(text.encode("utf-8"), name)


def test_it_reads_srt_cues_with_multiple_lines_and_tags():
    transcript = parse(SRT, "a.srt")
    assert transcript.format == TranscriptFormat.SRT
    assert [(s.start_ms, s.end_ms, s.text) for s in transcript.segments] == [
        (1_000, 4_500, "Bonjour et bienvenue dans Smart Tech."),
        (4_500, 7_250, "On parle de la défense & du quantique."),
        (62_003, 65_000, "Fin."),
    ]


def test_it_names_the_timing_line_of_each_srt_cue():
    assert [s.line for s in parse(SRT).segments] == [2, 7, 11]


def test_it_recognises_srt_by_content_not_by_name():
    assert parse(SRT, "transcript.txt").format == TranscriptFormat.SRT


def test_it_reads_webvtt_voices_as_speakers_and_strips_markup():
    transcript = parse(VTT, "a.vtt")
    assert transcript.format == TranscriptFormat.WEBVTT
    assert [(s.start_ms, s.end_ms, s.speaker, s.text) for s in transcript.segments] == [
        (0, 3_500, "Delphine Sabattier", "Bonjour à tous, bienvenue."),
        (3_500, 6_000, "Marc Kaplan", "La cryptographie quantique."),
        (6_000, 8_000, "", "Sans voix, avec une classe <script>."),
    ]


def test_it_skips_webvtt_notes_and_styles():
    texts = " ".join(s.text for s in parse(VTT).segments)
    assert "commentaire" not in texts
    assert "yellow }" not in texts


def test_it_names_the_line_of_a_bad_timing():
    bad = SRT.replace("00:00:04,500 --> 00:00:07,250", "00:00:04,500 --> 00:0x:07,250")
    with pytest.raises(TranscriptError, match="00:0x:07,250") as error:
        parse(bad)
    assert error.value.line == 7


def test_it_refuses_a_cue_that_ends_before_it_starts():
    bad = SRT.replace("00:00:01,000 --> 00:00:04,500", "00:00:04,000 --> 00:00:01,500")
    with pytest.raises(TranscriptError, match=r"ends .* before it starts") as error:
        parse(bad)
    assert error.value.line == 2


def test_it_adds_text_split_by_a_blank_line_to_the_cue_before_with_a_warning():
    split = SRT.replace("Bonjour et bienvenue\n", "Bonjour et bienvenue\n\n")
    transcript = parse(split)
    assert transcript.segments[0].text == "Bonjour et bienvenue dans Smart Tech."
    assert [(w.line, "timing" in w.message) for w in transcript.warnings] == [(5, True)]
