from pathlib import PurePosixPath

from django import forms
from django.contrib import admin, messages
from django.db import models, transaction
from django.db.models import Count, Exists, OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from episodes.admin_corrections import CorrectionAdmin  # noqa: F401 (registers « Corrections proposées »)
from episodes.admin_import import import_view
from episodes.admin_original import original_view
from episodes.admin_transcript import transcript_view
from episodes.forms import MomentField
from episodes.models import Appearance, Chapter, Episode, Person, Segment, Show
from episodes.services import replace_chapters, set_published
from search.admin import counts_list
from search.indexing import request_reindex
from search.models import IndexJob

# Django's own "Django administration" otherwise: staff see whose admin this is, in their language.
admin.site.site_header = _("Archive administration")
admin.site.site_title = _("Archive administration")


class ReindexesEpisodes:
    """A model admin whose saves and deletes ask for the episodes they touch to be reindexed,
    in the same transaction as the change (the index worker then catches up)."""

    def episode_ids(self, obj: models.Model) -> list[int]:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: models.Model, form, change: bool) -> None:
        # Before and after: a line moved to another episode leaves the first one too.
        before = self.episode_ids(type(obj).objects.get(pk=obj.pk)) if change else []
        super().save_model(request, obj, form, change)
        request.episodes_changed = [*before, *self.episode_ids(obj)]

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        # After the inlines (an episode's people): an engine that follows in the same
        # transaction (PostgreSQL) sees the whole change.
        super().save_related(request, form, formsets, change)
        request_reindex(*getattr(request, "episodes_changed", []))

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        ids = self.episode_ids(obj)
        super().delete_model(request, obj)
        request_reindex(*ids)

    @transaction.atomic
    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        ids = [episode_id for obj in queryset for episode_id in self.episode_ids(obj)]
        super().delete_queryset(request, queryset)
        request_reindex(*ids)


class TitledInFrench:
    """Page titles written whole: Django's « Modification de %s » gives « Modification de
    épisode », where French says « Modification de l'épisode »."""

    add_title = ""
    change_title = ""

    def add_view(self, request, form_url="", extra_context=None):
        return super().add_view(request, form_url, {"title": self.add_title, **(extra_context or {})})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return super().change_view(request, object_id, form_url, {"title": self.change_title, **(extra_context or {})})


@admin.register(Show)
class ShowAdmin(TitledInFrench, ReindexesEpisodes, admin.ModelAdmin):
    add_title, change_title = _("Add a show"), _("Change the show")
    list_display = ["name", "slug", "kind", "episode_count"]
    list_filter = ["kind"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(episode_count=Count("episodes"))

    @admin.display(description=_("episodes"), ordering="episode_count")
    def episode_count(self, show: Show) -> int:
        return show.episode_count

    def episode_ids(self, obj: Show) -> list[int]:
        return list(obj.episodes.values_list("pk", flat=True))


class StatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [("draft", _("draft")), ("published", _("published")), ("unpublished", _("unpublished"))]

    def queryset(self, request: HttpRequest, queryset):
        value = self.value()
        if value == "published":
            return queryset.published()
        if value == "draft":
            return queryset.filter(is_published=False, first_published_at__isnull=True)
        if value == "unpublished":
            return queryset.filter(is_published=False, first_published_at__isnull=False)
        return queryset


class AppearanceInline(admin.TabularInline):
    model = Appearance
    extra = 0
    autocomplete_fields = ["person"]
    fields = ["order", "person", "role", "title", "organisation"]


class ChapterForm(forms.ModelForm):
    """A chapter's start as staff read and type it (21:49)."""

    start_ms = MomentField(label=_("Start"))

    class Meta:
        model = Chapter
        fields = ["start_ms", "title"]

    def clean_start_ms(self) -> int:
        start = self.cleaned_data["start_ms"]
        episode = getattr(self.instance, "episode", None)
        if start is not None and episode is not None and episode.duration_ms and start > episode.duration_ms:
            raise forms.ValidationError(
                _("A chapter starts within the episode, which ends at %(end)s.") % {"end": episode.duration}
            )
        return start


class ChapterInline(admin.TabularInline):
    model = Chapter
    form = ChapterForm
    extra = 1
    verbose_name_plural = _("Chapters (suggested from the transcript until changed here)")


@admin.register(Episode)
class EpisodeAdmin(TitledInFrench, ReindexesEpisodes, admin.ModelAdmin):
    add_title, change_title = _("Add an episode"), _("Change the episode")
    list_display = ["title", "show", "air_date", "duration", "status", "search_state", "updated_at"]
    list_filter = [StatusFilter, "show", "source_format", ("air_date", admin.DateFieldListFilter)]
    list_select_related = ["show"]
    search_fields = ["title", "description", "slug", "show__name"]
    date_hierarchy = "air_date"
    autocomplete_fields = ["show"]
    readonly_fields = [
        "status",
        "first_published_at",
        "slug",
        "duration",
        "original",
        "source_format",
        "source_sha256",
        "created_at",
        "updated_at",
        "segments_link",
    ]
    # duration_ms is shown as a time, read-only: the transcript sets it; the original file is a
    # link to the staff-only download (`original`), never its address in the media folder.
    exclude = ["duration_ms", "source_file"]
    inlines = [AppearanceInline, ChapterInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ["publish", "unpublish", "suggest_chapters"]

    class Media:
        # Narrower boxes for the people's table, so that the page fits 1,280 px beside the sidebar.
        css = {"all": ["css/admin.css"]}

    def get_queryset(self, request: HttpRequest):
        jobs = IndexJob.objects.filter(episode_id=OuterRef("pk"))
        return (
            super()
            .get_queryset(request)
            .annotate(index_pending=Exists(jobs), index_attempts=Subquery(jobs.values("attempts")[:1]))
        )

    @admin.display(description=_("duration"), ordering="duration_ms")
    def duration(self, episode: Episode) -> str:
        return episode.duration

    @admin.display(description=_("status"), ordering="is_published")
    def status(self, episode: Episode) -> str:
        return episode.status

    @admin.display(description=_("search"))
    def search_state(self, episode: Episode) -> str:
        if episode.index_attempts:
            return _("Indexing failed, retrying")
        if episode.index_pending:
            return _("Indexing")
        return _("Searchable") if episode.is_published else _("Not searchable (draft)")

    def episode_ids(self, obj: Episode) -> list[int]:
        # Its people (the inline) are saved after it, in the same transaction.
        return [obj.pk]

    def get_urls(self):
        import_view = self.admin_site.admin_view(self.import_view)
        editor = self.admin_site.admin_view(self.transcript_view)
        original = self.admin_site.admin_view(self.original_view)
        return [
            path("import/", import_view, name="episodes_episode_import"),
            path("<path:object_id>/transcript/", editor, name="episodes_episode_transcript"),
            path("<path:object_id>/original/", original, name="episodes_episode_original"),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        return import_view(self, request)

    def transcript_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return transcript_view(self, request, object_id)

    def original_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return original_view(self, request, object_id)

    @admin.display(description=_("original file"))
    def original(self, episode: Episode) -> str:
        if not episode.source_file:
            return "-"
        url = reverse("admin:episodes_episode_original", args=[episode.pk])
        return format_html('<a href="{}" download>{}</a>', url, PurePosixPath(episode.source_file.name).name)

    @admin.display(description=_("segments"))
    def segments_link(self, episode: Episode) -> str:
        editor = reverse("admin:episodes_episode_transcript", args=[episode.pk])
        listing = reverse("admin:episodes_segment_changelist") + f"?episode__id__exact={episode.pk}"
        count = _("%(count)d segments") % {"count": episode.segments.count()}
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>', editor, _("Edit the transcript"), listing, count
        )

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        if formset.model is Chapter and (formset.deleted_objects or formset.changed_objects or formset.new_objects):
            # Staff's own now, all of them: a chapter deleted here is not suggested again at the next import.
            Chapter.objects.filter(episode=form.instance).update(suggested=False)

    @admin.action(description=_("Suggest the chapters again (replaces the chapters of the selected episodes)"))
    def suggest_chapters(self, request: HttpRequest, queryset) -> None:
        for episode in queryset:
            count = replace_chapters(episode, keep_edited=False)
            self.log_change(request, episode, _("%(count)d chapters suggested") % {"count": count})
        self.message_user(request, _("Chapters suggested again for %(count)d episodes.") % {"count": len(queryset)})

    @admin.action(description=_("Publish the selected episodes"))
    def publish(self, request: HttpRequest, queryset) -> None:
        self._set_published(request, queryset, True)

    @admin.action(description=_("Unpublish the selected episodes"))
    def unpublish(self, request: HttpRequest, queryset) -> None:
        self._set_published(request, queryset, False)

    def _set_published(self, request: HttpRequest, queryset, published: bool) -> None:
        episodes = list(queryset)
        set_published(episodes, published)
        for episode in episodes:
            self.log_change(request, episode, _("Published") if published else _("Unpublished"))
        count = len(episodes)
        if published:
            said = ngettext(
                "%(count)d episode published: %(titles)s.", "%(count)d episodes published: %(titles)s.", count
            )
        else:
            said = ngettext(
                "%(count)d episode unpublished: %(titles)s.", "%(count)d episodes unpublished: %(titles)s.", count
            )
        titles = ", ".join(f"« {episode.title} »" for episode in episodes[:5]) + (" …" if len(episodes) > 5 else "")
        self.message_user(request, said % {"count": len(episodes), "titles": titles}, messages.SUCCESS)


@admin.register(Person)
class PersonAdmin(TitledInFrench, ReindexesEpisodes, admin.ModelAdmin):
    add_title, change_title = _("Add a person"), _("Change the person")
    list_display = ["name", "slug", "appearance_count"]
    search_fields = ["name", "other_spellings"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["moments_per_spelling"]

    @admin.display(description=_("moments per spelling"))
    def moments_per_spelling(self, person: Person) -> str:
        return counts_list([person.name, *person.spellings()]) if person.pk else "—"

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(appearance_count=Count("appearances"))

    @admin.display(description=_("appearances"), ordering="appearance_count")
    def appearance_count(self, person: Person) -> int:
        return person.appearance_count

    def episode_ids(self, obj: Person) -> list[int]:
        return list(obj.appearances.values_list("episode_id", flat=True))


class SegmentForm(forms.ModelForm):
    """A line's times as staff read them (08:51, or 08:51.250 between seconds), not milliseconds."""

    start_ms = MomentField(label=_("Start"))
    end_ms = MomentField(label=_("End"))

    class Meta:
        model = Segment
        fields = ["episode", "position", "start_ms", "end_ms", "text", "speaker"]


@admin.register(Segment)
class SegmentAdmin(ReindexesEpisodes, admin.ModelAdmin):
    form = SegmentForm
    list_display = ["start", "text", "speaker", "episode"]
    list_select_related = ["episode"]
    list_filter = ["episode__show"]
    search_fields = ["text", "speaker", "episode__title"]
    autocomplete_fields = ["episode"]
    ordering = ["episode", "position"]
    list_per_page = 200
    show_full_result_count = False

    @admin.display(description=_("start"), ordering="start_ms")
    def start(self, segment: Segment) -> str:
        return segment.timestamp

    def episode_ids(self, obj: Segment) -> list[int]:
        return [obj.episode_id]
