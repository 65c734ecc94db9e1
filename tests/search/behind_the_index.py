"""Changes made to the search engine's own copy behind the archive's back, as a crash, a bug or
an older version would leave it: what `check_index` must find. Each engine has its class of the
same four changes; the functions make them in the engine the run searches with."""

import datetime
from pathlib import Path

from django.conf import settings
from django.db.models import F

from episodes.models import Segment
from search.analysis import spelling_analyzer
from search.engines.postgres.writing import VERSION
from search.engines.whoosh.backend import search_backend
from search.engines.whoosh.documents import moment_documents, moments
from search.models import KnownWord, SearchMoment, SpokenWord


class BehindWhoosh:
    @staticmethod
    def drop_moment(segment: Segment) -> None:
        with search_backend().writing() as writer:
            writer.delete_by_term("id", f"episodes.segment.{segment.pk}")

    @staticmethod
    def add_orphan(episode_id: int, segment_id: int, text: str) -> None:
        with search_backend().writing() as writer:
            writer.add_document(
                id=f"episodes.segment.{segment_id}", django_ct="episodes.segment", django_id=str(segment_id),
                text=text, episode=str(episode_id), air_date=20250619, start_ms=1, end_ms=2,
            )  # fmt: skip

    @staticmethod
    def say_word(segment: Segment, word: str) -> None:
        document = next(doc for doc in moment_documents(moments()) if doc["django_id"] == str(segment.pk))
        with search_backend().writing() as writer:
            writer.update_document(**{**document, "spell": f"{segment.text} {word}"})

    @staticmethod
    def built_by_an_older_version(search_index: Path) -> None:
        (search_index / "SCHEMA_VERSION").write_text("1\n")


class BehindPostgres:
    @staticmethod
    def drop_moment(segment: Segment) -> None:
        SearchMoment.objects.filter(pk=segment.pk).delete()
        words = {token.text for token in spelling_analyzer()(segment.text)}
        said = SpokenWord.objects.filter(episode_id=segment.episode_id, word__in=words)
        said.update(moments=F("moments") - 1)
        said.filter(moments=0).delete()

    @staticmethod
    def add_orphan(episode_id: int, segment_id: int, text: str) -> None:
        SearchMoment.objects.create(
            segment_id=segment_id, episode_id=episode_id, position=10_000, start_ms=1, end_ms=2,
            air_date=datetime.date(2025, 6, 19), text=text, document="", version=VERSION,
        )  # fmt: skip

    @staticmethod
    def say_word(segment: Segment, word: str) -> None:
        SpokenWord.objects.create(episode_id=segment.episode_id, word=word, moments=1)
        KnownWord.objects.create(word=word)

    @staticmethod
    def built_by_an_older_version(search_index: Path) -> None:
        SearchMoment.objects.update(version=0)


BEHIND = {"whoosh": BehindWhoosh, "postgres": BehindPostgres}


def behind() -> type:
    return BEHIND[settings.ARCHIVE_SEARCH_ENGINE]


def drop_moment(segment: Segment) -> None:
    """The engine loses one moment, and the words only it said."""
    behind().drop_moment(segment)


def add_orphan(episode_id: int, segment_id: int, text: str) -> None:
    """The engine holds a moment of no published line."""
    behind().add_orphan(episode_id, segment_id, text)


def say_word(segment: Segment, word: str) -> None:
    """The engine's spelling words gain one that no published line says."""
    behind().say_word(segment, word)


def built_by_an_older_version(search_index: Path) -> None:
    """The engine's moments were written by an older version of the archive."""
    behind().built_by_an_older_version(search_index)
