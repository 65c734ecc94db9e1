"""« Corrections proposées »: staff review listeners' proposals, the old and new text side by side
with their word diff and the lines around, then accept (through the editor's own service),
reject (the record stays), or teach the glossary the spelling an accepted one fixed."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from episodes.corrections import (
    CorrectionError,
    accept_correction,
    add_to_glossary,
    glossary_has,
    lines_around,
    reject_correction,
    replaced_form,
    word_diff,
)
from episodes.messages import translated
from episodes.models import Correction, CorrectionStatus


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    list_display = ["moment", "episode", "original", "text", "status", "proposed_at"]
    list_display_links = ["moment", "original", "text"]
    list_filter = ["status", "episode__show"]
    list_select_related = ["episode"]
    search_fields = ["text", "original", "episode__title"]
    date_hierarchy = "proposed_at"
    actions = ["reject_selected"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=gettext_lazy("moment"), ordering="start_ms")
    def moment(self, correction: Correction) -> str:
        return correction.timestamp

    @admin.action(description=gettext_lazy("Reject the selected proposals"))
    def reject_selected(self, request: HttpRequest, queryset) -> None:
        rejected = 0
        for correction in queryset.proposed():
            reject_correction(correction=correction, user=request.user)
            rejected += 1
        messages.success(request, _("Proposals rejected: %(count)d.") % {"count": rejected})

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None) -> HttpResponse:
        corrections = Correction.objects.select_related("episode", "segment", "reviewed_by")
        correction = get_object_or_404(corrections, pk=object_id)
        if not self.has_view_or_change_permission(request, correction):
            raise PermissionDenied
        if request.method == "POST":
            if not self.has_change_permission(request, correction):
                raise PermissionDenied
            return self._review(request, correction)
        return TemplateResponse(request, "admin/episodes/correction/review.html", self._context(request, correction))

    def _review(self, request: HttpRequest, correction: Correction) -> HttpResponse:
        action = request.POST.get("action")
        episode = correction.episode
        try:
            if action == "accept":
                accept_correction(correction=correction, user=request.user)
                message = _("%(time)s: the listener's correction was accepted.") % {"time": correction.timestamp}
                self.log_change(request, episode, message)
            elif action == "reject":
                reject_correction(correction=correction, user=request.user)
                message = _("%(time)s: the listener's correction was rejected.") % {"time": correction.timestamp}
            elif action == "glossary":
                entry, heard, meant = add_to_glossary(correction)
                message = _("Glossary: “%(heard)s” is now searched as “%(meant)s”.") % {"heard": heard, "meant": meant}
                self.log_change(request, entry, message)
            else:
                raise PermissionDenied
        except CorrectionError as error:
            messages.error(request, _("Nothing changed: %(error)s") % {"error": translated(error)})
        else:
            self.log_change(request, correction, message)
            messages.success(request, message)
        return HttpResponseRedirect(reverse("admin:episodes_correction_change", args=[correction.pk]))

    def _context(self, request: HttpRequest, correction: Correction) -> dict:
        segment = correction.segment
        proposed = correction.status == CorrectionStatus.PROPOSED
        forms = replaced_form(correction.original, correction.text)
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Proposed correction at %(time)s") % {"time": correction.timestamp},
            "correction": correction,
            "diff": word_diff(correction.original, correction.text),
            "around": lines_around(correction.episode, segment, correction.start_ms),
            "changed_since": proposed and (segment is None or segment.text != correction.original),
            "can_review": proposed and self.has_change_permission(request, correction),
            "glossary_form": forms if correction.status == CorrectionStatus.ACCEPTED else None,
            "glossary_known": forms is not None and glossary_has(*forms),
            "moment_url": correction.episode.moment_url(correction.start_ms),
        }
