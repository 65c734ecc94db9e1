from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _


class GlossaryEntry(models.Model):
    """A term and the ways speech recognition writes it: searching one finds them all."""

    term = models.CharField(_("term"), max_length=200, unique=True)
    variants = models.TextField(
        _("variants"), blank=True, help_text=_("One per line, as transcripts write it (“Nice 2” for NIS2).")
    )

    class Meta:
        ordering = ["term"]
        verbose_name = _("glossary entry")
        verbose_name_plural = _("glossary")

    def __str__(self) -> str:
        return self.term

    def variant_list(self) -> list[str]:
        return [line.strip() for line in self.variants.splitlines() if line.strip()]

    def forms(self) -> list[str]:
        return [self.term, *self.variant_list()]


class IndexJob(models.Model):
    """An episode whose moments the index must catch up with: the outbox of the search index.

    Written in the same transaction as the change that needs it, so a committed change always
    has its job and a rolled-back one never does. The worker (`manage.py index_worker`)
    reindexes the episode and deletes the job, unless it was requested again meanwhile.
    """

    # Not a foreign key: the job of a deleted episode removes its moments.
    episode_id = models.BigIntegerField(_("episode"), unique=True)
    requested_at = models.DateTimeField(_("requested"), db_index=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    not_before = models.DateTimeField(_("not before"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["requested_at"]
        verbose_name = _("indexing job")
        verbose_name_plural = _("indexing jobs")

    def __str__(self) -> str:
        return f"episode {self.episode_id}"


# The PostgreSQL engine's tables (search.engines.postgres.engine). A moment's or a spoken word's row
# belongs to one episode: replacing an episode's moments is a delete and an insert, with no
# counter shared between episodes. Known words are only added, one row per word.
# Their PostgreSQL-only indexes are created by the migration on PostgreSQL alone.


class SearchMoment(models.Model):
    """A published transcript line as the PostgreSQL engine searches it.

    Its rows, SpokenWord's and EpisodeTerm's are the engine's index: written from the episode's
    lines in the transaction that changes them, the episode's row locked, and deleted with the
    episode by Django (`CASCADE`). So their episodes are no foreign keys in the database, whose
    check of each row at commit was 9 ms of each imported episode's (2,500 rows, 2.8 µs each).
    """

    # The segment's id, not a foreign key: deleting lines must stay one query (the engine
    # replaces the episode's moments in the same transaction).
    segment_id = models.BigIntegerField(primary_key=True)
    # Indexed with the position (the archive's order), below.
    episode = models.ForeignKey(
        "episodes.Episode", models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    position = models.PositiveIntegerField()
    start_ms = models.PositiveIntegerField()
    end_ms = models.PositiveIntegerField()
    air_date = models.DateField()
    text = models.TextField()
    # The line's own terms (weight A), then the next line's first terms (weight B), and the
    # line's words folded, for prefixes (weight C): search.engines.postgres.text.
    document = SearchVectorField()
    # Which version of the engine wrote the row: older rows ask for a rebuild (check_index).
    version = models.PositiveSmallIntegerField()

    class Meta:
        indexes = [
            GinIndex(fields=["document"], name="search_moment_document"),
            # The lowest and highest versions in a fraction of a millisecond (/healthz), where
            # looking for any other version read the table: 150 ms at 1,000 episodes.
            models.Index(fields=["version"], name="search_moment_version"),
            # The archive's order, and newest first: a common word's first moments in either
            # order are the first rows of the index that match (`PostgresResults`).
            models.Index(fields=["episode", "position"], name="search_moment_order"),
            models.Index(fields=["-air_date", "start_ms", "episode", "position"], name="search_moment_newest"),
        ]

    def __str__(self) -> str:
        return f"moment {self.segment_id}"


class SpokenWord(models.Model):
    """A word as an episode's published moments say it, and in how many: spelling suggestions."""

    pk = models.CompositePrimaryKey("episode", "word")
    episode = models.ForeignKey(
        "episodes.Episode", models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    word = models.TextField()
    moments = models.PositiveIntegerField()

    class Meta:
        # With the count: a suggestion sums a word's counts from the index alone (7.9 -> 0.5 ms
        # for a word of every episode at 1,000 episodes, once vacuumed).
        indexes = [models.Index(fields=["word", "moments"], name="search_spokenword_word")]

    def __str__(self) -> str:
        return self.word


class EpisodeTerm(models.Model):
    """A term as an episode's published moments say it: in how many, at most how many times in
    one, and from when. A search of one term counts its moments and ranks its episodes from
    these rows, one per episode, not from its moments (PostgreSQL engine): at 10,000 episodes
    "quantique" has 341,007 moments in 10,000 episodes."""

    pk = models.CompositePrimaryKey("episode", "term")
    episode = models.ForeignKey(
        "episodes.Episode", models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    term = models.TextField()
    moments = models.PositiveIntegerField()
    # The most times one of its moments says it, and the start of the first that does.
    most = models.PositiveIntegerField()
    first_ms = models.PositiveIntegerField()

    class Meta:
        indexes = [
            models.Index(
                fields=["term"], include=["episode", "moments", "most", "first_ms"], name="search_episodeterm_term"
            )
        ]

    def __str__(self) -> str:
        return self.term


class KnownWord(models.Model):
    """A word some published line has said: where spelling suggestions look for candidates.

    One row per word, not per episode: the trigram index then finds each candidate once, not
    once per episode that says it (92 -> 0.2 ms for `quantque` at 1,000 episodes). Rows are only added, and
    a word may be there twice after two changes at once: they are candidates, each checked
    against SpokenWord (said by a published line? by how many?), as the Whoosh engine checks
    the words its lexicon keeps after their moments are deleted. A rebuild starts it anew.
    """

    word = models.TextField()

    class Meta:
        indexes = [
            models.Index(fields=["word"], name="search_knownword_word"),
            GinIndex(fields=["word"], opclasses=["gin_trgm_ops"], name="search_knownword_trigrams"),
        ]

    def __str__(self) -> str:
        return self.word


class RebuildNote(models.Model):
    """While the PostgreSQL engine rebuilds its rows aside (`search.engines.postgres.rebuilding`),
    the episodes that changed meanwhile, written again before the rebuilt rows are swapped in.
    The row of episode 0 says that a rebuild runs; without it, changes note nothing."""

    episode_id = models.BigIntegerField(primary_key=True)

    def __str__(self) -> str:
        return str(self.episode_id)
