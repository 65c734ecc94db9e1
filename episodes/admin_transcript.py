"""The admin's transcript editor: correct a line's text, speaker or time; split or merge lines."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from episodes.models import Episode, Segment
from episodes.parsing.timestamps import parse_timestamp
from episodes.services import EditError, edit_segment, merge_with_next, split_segment

LINES_PER_PAGE = 100


def transcript_view(model_admin: admin.ModelAdmin, request: HttpRequest, object_id: str) -> HttpResponse:
    episode = get_object_or_404(Episode, pk=object_id)
    if not model_admin.has_change_permission(request, episode):
        raise PermissionDenied
    if request.method == "POST":
        return _correct(model_admin, request, episode)
    page = Paginator(episode.segments.all(), LINES_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Episode._meta,
        "episode": episode,
        "page": page,
        "title": _("Transcript of %(episode)s") % {"episode": episode},
    }
    return TemplateResponse(request, "admin/episodes/episode/transcript.html", context)


def _correct(model_admin: admin.ModelAdmin, request: HttpRequest, episode: Episode) -> HttpResponse:
    segment = get_object_or_404(Segment, pk=request.POST.get("segment"), episode=episode)
    action = request.POST.get("action")
    try:
        message = _apply(action, segment, request.POST)
    except (EditError, ValueError) as error:
        messages.error(request, _("%(time)s: not changed: %(error)s") % {"time": segment.timestamp, "error": error})
    else:
        model_admin.log_change(request, episode, message)
        messages.success(request, message)
    url = reverse("admin:episodes_episode_transcript", args=[episode.pk])
    return redirect(f"{url}?page={request.POST.get('page', 1)}#line-{segment.pk}")


def _apply(action: str | None, segment: Segment, data) -> str:
    if action == "save":
        start = parse_timestamp(data.get("start", "")) if data.get("start", "").strip() else None
        edit_segment(segment=segment, text=data.get("text", ""), speaker=data.get("speaker", ""), start_ms=start)
        return _("Line %(time)s corrected: “%(text)s”") % {"time": segment.timestamp, "text": data.get("text", "")}
    if action == "split":
        words = data.get("split_words", "").strip()
        at = segment.text.find(words) if words else -1
        if at <= 0:
            raise EditError(_("give the words that start the second line, as they stand in the line"))
        new = split_segment(segment=segment, at=at, start_ms=parse_timestamp(data.get("split_start", "")))
        return _("Line %(time)s split; the second part starts at %(second)s") % {
            "time": segment.timestamp,
            "second": new.timestamp,
        }
    if action == "merge":
        merge_with_next(segment=segment)
        return _("Line %(time)s merged with the next one") % {"time": segment.timestamp}
    raise EditError(_("unknown action"))
