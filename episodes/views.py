from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotModified,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.http import content_disposition_header
from django.utils.text import capfirst
from django.views.decorators.http import require_http_methods, require_safe

from episodes.citations import citation, citation_forms, json_ld, og_type, quote_card, share_text
from episodes.corrections import CorrectionError, TooManyCorrections, line_asked, line_place, lines_around
from episodes.corrections import propose_correction as propose
from episodes.episode_page import build_episode_page, line_anchor, line_query
from episodes.exports import FORMATS
from episodes.feeds import CHAPTERS_TYPE
from episodes.forms import EpisodeFilterForm, ProposeCorrectionForm
from episodes.messages import translated
from episodes.models import Appearance, Episode, EpisodeQuerySet, Person, Segment, Show
from episodes.quote_picture import cached_picture, described
from episodes.transcript_html import quote_edge_labels, transcript_html
from search.moments import Filters, Moment, find_moments, flat_page
from smarttech.paging import query_without_page

EPISODES_PER_PAGE = 20
LATEST_ON_HOME = 5
PEOPLE_ON_HOME = 10
SAID_PER_PAGE = 20


def visible_episodes(request: HttpRequest) -> EpisodeQuerySet:
    episodes = Episode.objects.select_related("show")
    return episodes if request.user.is_staff else episodes.published()


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    published = Episode.objects.published()
    context = {
        "latest": published.select_related("show")[:LATEST_ON_HOME],
        "people": Person.objects.on_air().order_by("-episode_count", "name")[:PEOPLE_ON_HOME],
        "counts": {
            "episodes": published.count(),
            "moments": Segment.objects.published().count(),
            "people": Person.objects.on_air().count(),
            "shows": Show.objects.on_air().count(),
        },
    }
    return render(request, "episodes/home.html", context)


@require_safe
def episode_list(request: HttpRequest) -> HttpResponse:
    form = EpisodeFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "episodes/episode_list.html", _list_context(form, None, request), status=400)
    page = Paginator(form.filter(visible_episodes(request)), EPISODES_PER_PAGE).get_page(form.cleaned_data["page"])
    return render(request, "episodes/episode_list.html", _list_context(form, page, request))


def _list_context(form: EpisodeFilterForm, page, request: HttpRequest) -> dict:
    years = Episode.objects.published().dates("air_date", "year", order="DESC")
    return {
        "form": form,
        "page": page,
        "query_string": query_without_page(request),
        "shows": Show.objects.visible_to(request.user),
        "years": [day.year for day in years],
        "people": Person.objects.on_air().order_by("name"),
    }


@require_safe
def episode_detail(request: HttpRequest, slug: str) -> HttpResponse:
    appearances = Prefetch("appearances", Appearance.objects.select_related("person"))
    episodes = visible_episodes(request).with_listener_corrections().prefetch_related(appearances)
    episode = get_object_or_404(episodes, slug=slug)
    page = build_episode_page(episode, request.GET.get("t", ""), request.GET.get("q", "")[:500])
    if page.query and "t" not in request.GET and page.next_match:
        # "Find in this episode" lands on the first match, with or without a script.
        return redirect(episode.get_absolute_url() + page.next_match_link)
    share_title, share_description = share_text(page)
    chapters = list(episode.chapters.all())
    link = page.quote.link if page.quote else ""
    # The card's address is the page's (a fragment is not a page); the citation lands on the line.
    share_url = request.build_absolute_uri(episode.get_absolute_url() + link.split("#")[0])
    cited_url = request.build_absolute_uri(episode.get_absolute_url() + link)
    context = {
        "episode": episode,
        "page": page,
        "share_title": share_title,
        "share_description": share_description,
        "canonical_url": request.build_absolute_uri(episode.get_absolute_url()),
        "share_url": share_url,
        "citation": citation(page, cited_url),
        "citation_forms": citation_forms(episode),
        "quote_edges": quote_edge_labels(),
        "json_ld": json_ld(page, request, chapters),
        "og_type": og_type(page),
        "transcript": transcript_html(page),
        "chapters": chapters,
        "picture": _picture_of(request, episode, page),
    }
    return render(request, "episodes/episode_detail.html", context)


def _picture_of(request: HttpRequest, episode: Episode, page) -> dict | None:
    """The quote's picture for og:image and « Citer »: its address and its words (the image's alt text)."""
    card = quote_card(page)
    if card is None:
        return None
    path = reverse("episodes:quote_picture", args=[episode.slug]) + page.quote.link.split("#")[0]
    return {"url": request.build_absolute_uri(path), "path": path, "alt": described(card)}


@require_safe
def transcript_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """The episode's current transcript as a file (`srt`, `vtt`, `json`, `txt`), seen as its page is."""
    export = FORMATS.get(fmt)
    if export is None:
        raise Http404
    episode = get_object_or_404(visible_episodes(request), slug=slug)
    response = HttpResponse(export.write(episode.export_lines()), content_type=export.content_type)
    response["Content-Disposition"] = content_disposition_header(True, f"{episode.slug}.{fmt}")
    # Podcast apps on the web read transcripts from other sites; what visitors see is public.
    if episode.is_published:
        response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def quote_picture(request: HttpRequest, slug: str) -> HttpResponse:
    """The picture of `?t=754-790` (or `?t=754`): its link preview's og:image, and « Citer »'s download."""
    episode = get_object_or_404(visible_episodes(request), slug=slug)
    card = quote_card(build_episode_page(episode, request.GET.get("t", ""), ""))
    if card is None:
        raise Http404
    etag = f'"{card.key}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    else:
        response = FileResponse(
            cached_picture(card, settings.ARCHIVE_QUOTE_PICTURES_DIR, settings.ARCHIVE_QUOTE_PICTURES_MAX).open("rb"),
            content_type="image/png",
        )
        name = f"{episode.slug}-{card.times.replace(':', '').replace('–', '-')}.png"
        response["Content-Disposition"] = content_disposition_header(False, name)
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=86400" if episode.is_published else "private, no-store"
    return response


@require_safe
def chapters_json(request: HttpRequest, slug: str) -> HttpResponse:
    """The episode's chapters as Podcasting 2.0 JSON chapters, each linking to its moment."""
    episode = get_object_or_404(visible_episodes(request), slug=slug)
    chapters = [
        {
            "startTime": chapter.start_ms / 1000,
            "title": chapter.title,
            "url": request.build_absolute_uri(chapter.get_absolute_url()),
        }
        for chapter in episode.chapters.all()
    ]
    if not chapters:
        raise Http404
    response = JsonResponse({"version": "1.2.0", "chapters": chapters}, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = f"{CHAPTERS_TYPE}; charset=utf-8"
    if episode.is_published:
        response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def show_detail(request: HttpRequest, slug: str) -> HttpResponse:
    show = get_object_or_404(Show.objects.visible_to(request.user), slug=slug)
    episodes = visible_episodes(request).filter(show=show)
    page = Paginator(episodes, EPISODES_PER_PAGE).get_page(request.GET.get("page"))
    # A show of drafts has no feed (episodes:show_feed answers 404): staff see its page without the link.
    on_air = Show.objects.on_air().filter(pk=show.pk).exists()
    return render(request, "episodes/show_detail.html", {"show": show, "page": page, "on_air": on_air})


@require_safe
def person_list(request: HttpRequest) -> HttpResponse:
    people = Person.objects.on_air().order_by("name")
    return render(request, "episodes/person_list.html", {"people": people})


@require_safe
def person_detail(request: HttpRequest, slug: str) -> HttpResponse:
    person = get_object_or_404(Person.objects.on_air(), slug=slug)
    named = find_moments(f'"{person.name}"', Filters())
    # The speaker names are read from every line (an index-only scan), the lines kept from published episodes.
    said = Segment.objects.spoken_by(person).published().select_related("episode")
    said = said.order_by("-episode__air_date", "episode", "start_ms")
    said_page = Paginator(said, SAID_PER_PAGE).get_page(request.GET.get("page"))
    said_page.object_list = [Moment(segment=line, highlighted=conditional_escape(line.text)) for line in said_page]
    context = {
        "person": person,
        "participations": person.participations(),
        "named": flat_page(named, 1),
        "found": named,
        "said": said_page,
        "query_string": query_without_page(request),
    }
    return render(request, "episodes/person_detail.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def propose_correction(request: HttpRequest, slug: str) -> HttpResponse:
    """« Proposer une correction »: the line with its neighbours and a form (GET), the proposal
    recorded for staff to review (POST, no account), or the form again with the reason it was refused."""
    episode = get_object_or_404(Episode.objects.published().select_related("show"), slug=slug)
    posted = request.POST if request.method == "POST" else None
    segment = line_asked(episode, (posted or request.GET).get("t"), (posted or request.GET).get("n"))
    if segment is None:
        raise Http404
    second, nth = line_place(segment)
    form, status = ProposeCorrectionForm(posted, initial={"text": segment.text}), 200
    if posted is not None:
        if not form.is_valid():
            status = 400
        else:
            try:
                propose(segment=segment, text=form.cleaned_data["text"], address=request.META["REMOTE_ADDR"])
            except CorrectionError as error:
                form.add_error("text", capfirst(translated(error)) + ".")
                status = 429 if isinstance(error, TooManyCorrections) else 400
            else:
                return redirect(f"{request.path}{line_query(second, nth)}&sent=1")
    context = {
        "episode": episode,
        "segment": segment,
        "around": lines_around(episode, segment, segment.start_ms),
        "form": form,
        "second": second,
        "nth": nth,
        "sent": posted is None and "sent" in request.GET,
        "moment_url": f"{episode.get_absolute_url()}?t={second}#{line_anchor(second, nth)}",
    }
    return render(request, "episodes/correction_form.html", context, status=status)
