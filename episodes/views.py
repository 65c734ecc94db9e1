from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from episodes.models import Appearance, Episode, EpisodeQuerySet, Segment
from episodes.parsing.timestamps import parse_timestamp

EPISODES_PER_PAGE = 20


def visible_episodes(request: HttpRequest) -> EpisodeQuerySet:
    episodes = Episode.objects.select_related("show")
    return episodes if request.user.is_staff else episodes.published()


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return episode_list(request)


@require_safe
def episode_list(request: HttpRequest) -> HttpResponse:
    paginator = Paginator(visible_episodes(request), EPISODES_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "episodes/episode_list.html", {"page": page})


@require_safe
def episode_detail(request: HttpRequest, slug: str) -> HttpResponse:
    appearances = Prefetch("appearances", Appearance.objects.select_related("person"))
    episode = get_object_or_404(visible_episodes(request).prefetch_related(appearances), slug=slug)
    segments = list(episode.segments.all())
    current = current_segment(segments, request.GET.get("t", ""))
    context = {"episode": episode, "segments": segments, "current": current}
    return render(request, "episodes/episode_detail.html", context)


def current_segment(segments: list[Segment], t: str) -> Segment | None:
    """The segment said at `?t=`; None for a missing, malformed or out-of-range time."""
    try:
        ms = parse_timestamp(t)
    except ValueError:
        return None
    if not segments or ms > segments[-1].end_ms:
        return None
    return next((segment for segment in reversed(segments) if segment.start_ms <= ms), None)
