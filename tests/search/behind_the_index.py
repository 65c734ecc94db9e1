"""Changes made to the search engine's own copy behind the archive's back, as a crash, a bug or
an older version would leave it: what `check_index` must find. One function per change, for
whichever engine the run searches with."""

import datetime
from pathlib import Path

from django.conf import settings
from django.db.models import F

from episodes.models import Segment
from search.analysis import spelling_analyzer
from search.engines.postgres import VERSION
from search.indexing import search_backend
from search.models import KnownWord, SearchMoment, SpokenWord
from search.search_indexes import moment_documents, moments


def postgres() -> bool:
    return settings.ARCHIVE_SEARCH_ENGINE == "postgres"


def drop_moment(segment: Segment) -> None:
    """The engine loses one moment, and the words only it said."""
    if postgres():
        SearchMoment.objects.filter(pk=segment.pk).delete()
        words = {token.text for token in spelling_analyzer()(segment.text)}
        said = SpokenWord.objects.filter(episode_id=segment.episode_id, word__in=words)
        said.update(moments=F("moments") - 1)
        said.filter(moments=0).delete()
        return
    with search_backend().writing() as writer:
        writer.delete_by_term("id", f"episodes.segment.{segment.pk}")


def add_orphan(episode_id: int, segment_id: int, text: str) -> None:
    """The engine holds a moment of no published line."""
    if postgres():
        SearchMoment.objects.create(
            segment_id=segment_id, episode_id=episode_id, position=10_000, start_ms=1, end_ms=2,
            air_date=datetime.date(2025, 6, 19), text=text, document="", version=VERSION,
        )  # fmt: skip
        return
    with search_backend().writing() as writer:
        writer.add_document(
            id=f"episodes.segment.{segment_id}", django_ct="episodes.segment", django_id=str(segment_id),
            text=text, episode=str(episode_id), air_date=20250619, start_ms=1, end_ms=2,
        )  # fmt: skip


def say_word(segment: Segment, word: str) -> None:
    """The engine's spelling words gain one that no published line says."""
    if postgres():
        SpokenWord.objects.create(episode_id=segment.episode_id, word=word, moments=1)
        KnownWord.objects.create(word=word)
        return
    document = next(doc for doc in moment_documents(moments()) if doc["django_id"] == str(segment.pk))
    with search_backend().writing() as writer:
        writer.update_document(**{**document, "spell": f"{segment.text} {word}"})


def built_by_an_older_version(search_index: Path) -> None:
    """The engine's moments were written by an older version of the archive."""
    if postgres():
        SearchMoment.objects.update(version=0)
        return
    (search_index / "SCHEMA_VERSION").write_text("1\n")
