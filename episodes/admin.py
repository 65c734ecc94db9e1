from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from episodes.forms import TranscriptImportForm
from episodes.models import Appearance, Episode, Person, Segment, Show
from episodes.parsing import TranscriptError
from episodes.services import import_transcript, set_published


@admin.register(Show)
class ShowAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "episode_count"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(episode_count=Count("episodes"))

    @admin.display(description=_("episodes"), ordering="episode_count")
    def episode_count(self, show: Show) -> int:
        return show.episode_count


class AppearanceInline(admin.TabularInline):
    model = Appearance
    extra = 0
    autocomplete_fields = ["person"]
    fields = ["order", "person", "role", "title", "organisation"]


@admin.register(Episode)
class EpisodeAdmin(admin.ModelAdmin):
    list_display = ["title", "show", "air_date", "duration", "is_published", "source_format", "updated_at"]
    list_filter = ["is_published", "show", "source_format", ("air_date", admin.DateFieldListFilter)]
    list_select_related = ["show"]
    search_fields = ["title", "description", "slug", "show__name"]
    date_hierarchy = "air_date"
    autocomplete_fields = ["show"]
    readonly_fields = [
        "slug",
        "duration_ms",
        "source_file",
        "source_format",
        "source_sha256",
        "created_at",
        "updated_at",
        "segments_link",
    ]
    inlines = [AppearanceInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ["publish", "unpublish"]

    def get_urls(self):
        import_view = self.admin_site.admin_view(self.import_view)
        return [path("import/", import_view, name="episodes_episode_import"), *super().get_urls()]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = TranscriptImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            episode = self.import_upload(request, form)
            if episode:
                return redirect("admin:episodes_episode_change", episode.pk)
        context = {**self.admin_site.each_context(request), "form": form, "opts": self.model._meta}
        context["title"] = _t("Import a transcript")
        return TemplateResponse(request, "admin/episodes/episode/import.html", context)

    def import_upload(self, request: HttpRequest, form: TranscriptImportForm) -> Episode | None:
        upload = form.cleaned_data["file"]
        try:
            result = import_transcript(
                data=upload.read(),
                filename=upload.name,
                show=form.cleaned_data["show"],
                title=form.cleaned_data["title"],
                air_date=form.cleaned_data["air_date"],
                media_url=form.cleaned_data["media_url"],
                published=form.cleaned_data["published"],
            )
        except TranscriptError as error:
            where = f"{upload.name}:{error.line}" if error.line else upload.name
            form.add_error("file", f"{where}: {error.message}")
            return None
        for warning in result.warnings:
            messages.warning(request, f"{upload.name}:{warning.line}: {warning.message}")
        text = (
            _t("Imported: %(episode)s (%(count)d segments)")
            if result.created
            else _t("Replaced: %(episode)s (%(count)d segments)")
        )
        messages.success(request, text % {"episode": result.episode, "count": result.episode.segments.count()})
        return result.episode

    @admin.display(description=_("segments"))
    def segments_link(self, episode: Episode) -> str:
        url = reverse("admin:episodes_segment_changelist") + f"?episode__id__exact={episode.pk}"
        return format_html('<a href="{}">{}</a>', url, _("%(count)d segments") % {"count": episode.segments.count()})

    @admin.action(description=_("Publish the selected episodes"))
    def publish(self, request: HttpRequest, queryset) -> None:
        set_published(queryset, True)

    @admin.action(description=_("Unpublish the selected episodes"))
    def unpublish(self, request: HttpRequest, queryset) -> None:
        set_published(queryset, False)


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "appearance_count"]
    search_fields = ["name", "other_spellings"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(appearance_count=Count("appearances"))

    @admin.display(description=_("appearances"), ordering="appearance_count")
    def appearance_count(self, person: Person) -> int:
        return person.appearance_count


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ["timestamp", "text", "speaker", "episode"]
    list_select_related = ["episode"]
    list_filter = ["episode__show"]
    search_fields = ["text", "speaker", "episode__title"]
    autocomplete_fields = ["episode"]
    ordering = ["episode", "position"]
    list_per_page = 200
    show_full_result_count = False
