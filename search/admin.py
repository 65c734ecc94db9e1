from django.contrib import admin

from search.models import GlossaryEntry


@admin.register(GlossaryEntry)
class GlossaryEntryAdmin(admin.ModelAdmin):
    list_display = ["term", "variant_summary"]
    search_fields = ["term", "variants"]

    @admin.display(description="variants")
    def variant_summary(self, entry: GlossaryEntry) -> str:
        return ", ".join(entry.variant_list())
