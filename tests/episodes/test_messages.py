"""The parser's English messages, as staff read them: through gettext, in the active language."""

import pytest
from django.utils import translation

from episodes import messages
from episodes.messages import located, translated
from episodes.parsing import ParseWarning, TranscriptError, parse_transcript
from episodes.services import EditError

BACKWARDS = "the time goes backwards: %(at)s comes after %(before)s (line %(before_line)s)"


def refused(data: bytes) -> TranscriptError:
    with pytest.raises(TranscriptError) as error:
        parse_transcript(data, "bad.txt")
    return error.value


def test_a_message_is_looked_up_by_its_english_template(monkeypatch):
    asked = []
    monkeypatch.setattr(messages, "gettext", lambda msgid: asked.append(msgid) or msgid)
    error = refused(b"00:00Un\n00:30Deux\n00:10Trois\n")
    assert translated(error) == error.message
    assert asked == [BACKWARDS]


def test_a_translation_places_the_values(pretend_translations):
    pretend_translations({BACKWARDS: "LE TEMPS RECULE : %(at)s après %(before)s (ligne %(before_line)s)"})
    error = refused(b"00:00Un\n00:30Deux\n00:10Trois\n")
    assert translated(error) == "LE TEMPS RECULE : 00:10 après 00:30 (ligne 2)"


def test_the_file_and_line_stay_in_front(pretend_translations):
    pretend_translations(
        {BACKWARDS: "LE TEMPS RECULE", "%(file)s:%(line)s: %(message)s": "%(file)s:%(line)s → %(message)s"}
    )
    error = refused(b"00:00Un\n00:30Deux\n00:10Trois\n")
    assert located("bad.txt", error) == "bad.txt:3 → LE TEMPS RECULE"


def test_without_a_line_the_file_alone_is_in_front(pretend_translations):
    pretend_translations({"the file is empty": "FICHIER VIDE"})
    assert located("bad.txt", refused(b"\n")) == "bad.txt: FICHIER VIDE"


def test_a_warning_goes_through_gettext_too(pretend_translations):
    pretend_translations({"cue without text; skipped": "REPÈRE SANS TEXTE"})
    assert located("a.srt", ParseWarning(5, "cue without text; skipped")) == "a.srt:5: REPÈRE SANS TEXTE"


def test_counts_are_written_as_the_language_writes_numbers():
    error = refused(b"00:00" + b"a" * 10_001 + b"\n00:01Suite\n")
    with translation.override("en"):
        assert translated(error) == error.message == "line too long: 10,001 characters (at most 10,000 per line)"
    with translation.override("fr"):
        assert "10\xa0001" in translated(error) and "10\xa0000" in translated(error)


def test_an_editor_refusal_carries_the_file_import_template(pretend_translations):
    pretend_translations({"the range ends before it starts": "LA PLAGE FINIT AVANT DE COMMENCER"})
    assert translated(EditError("the range ends before it starts")) == "LA PLAGE FINIT AVANT DE COMMENCER"
