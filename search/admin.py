from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from search.models import GlossaryEntry, IndexJob
from search.moments import spelling_counts


def counts_list(spellings: list[str]) -> str:
    """Each spelling with the number of moments that say it."""
    return (
        format_html_join(", ", "{} ({})", ((spelling, count) for spelling, count in spelling_counts(spellings))) or "—"
    )


@admin.register(GlossaryEntry)
class GlossaryEntryAdmin(admin.ModelAdmin):
    list_display = ["term", "moments_per_spelling"]
    search_fields = ["term", "variants"]
    readonly_fields = ["moments_per_spelling"]
    fields = ["term", "variants", "moments_per_spelling"]

    @admin.display(description=_("moments per spelling"))
    def moments_per_spelling(self, entry: GlossaryEntry) -> str:
        return counts_list(entry.forms()) if entry.pk else "—"


@admin.register(IndexJob)
class IndexJobAdmin(admin.ModelAdmin):
    list_display = ["episode_id", "requested_at", "attempts", "not_before", "last_error"]
    readonly_fields = ["episode_id", "requested_at", "attempts", "not_before", "last_error"]

    def has_add_permission(self, request) -> bool:
        return False
