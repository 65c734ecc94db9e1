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
