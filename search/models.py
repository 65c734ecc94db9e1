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
