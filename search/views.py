from urllib.parse import urlencode

from django.core.paginator import EmptyPage
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from episodes.models import Episode, Person, Show
from search.engines import Filters
from search.feed import search_feed
from search.forms import SearchForm
from search.moments import Found, Moment, episode_page, find_moments, flat_page, grouped_page
from search.names import named_in
from search.topics import (
    chart_of,
    hearers_of,
    speakers_of,
    strip_of,
    topic_by_slug,
    topic_searched,
    topics_said,
)
from smarttech.paging import query_without, query_without_page


@require_safe
def search_page(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    if not form.is_valid():
        # Search finds published episodes only, for staff too.
        context = {"form": form, "shows": Show.objects.on_air(), "people": Person.objects.on_air().order_by("name")}
        return render(request, "search/results.html", context, status=400)
    found = find_moments(form.cleaned_data["q"], form.filters())
    context = {"form": form, "shows": found.shows_on_air, "people": found.people_on_air}
    context.update(found=found, query_string=query_without_page(request))
    number = form.cleaned_data["page"]
    if form.cleaned_data["episode"]:
        # A group's "more moments" link: every moment of that episode, a page at a time.
        episodes = Episode.objects.published().select_related("show")
        episode = episodes.filter(slug=form.cleaned_data["episode"]).first()
        context.update(
            episode=episode,
            page=episode_page(found, episode, number),
            every_episode=query_without(request, "page", "episode"),
        )
    else:
        context.update(page=grouped_page(found, number), named=named_in(found) if number in (None, 1) else None)
        if found.count:
            context.update(strip=strip_of(found, form.filters()), topic=topic_searched(found))
    return render(request, "search/results.html", context)


@require_safe
def topic_list(request: HttpRequest) -> HttpResponse:
    return render(request, "search/topic_list.html", {"topics": topics_said()})


@require_safe
def topic_page(request: HttpRequest, slug: str) -> HttpResponse:
    topic = topic_by_slug(slug)
    found = find_moments(topic.query, Filters(), suggesting=False) if topic else None
    if found is None or not (found.count or found.timed_out):
        # An unknown topic, or one that no published episode says (a draft's word stays unknown).
        raise Http404
    context = {
        "topic": topic,
        "found": found,
        "chart": chart_of(found),
        "speakers": speakers_of(found),
        "hearers": hearers_of(found),
        "page": grouped_page(found, request.GET.get("page")),
        "query_string": query_without_page(request),
        "search_query": urlencode({"q": topic.query}),
    }
    return render(request, "search/topic.html", context)


# A search's feed may be cached this long by readers and proxies; a poller asks again with
# If-None-Match and gets a 304 while nothing new is said.
FEED_MAX_AGE = 60


@require_safe
def search_feed_view(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    if not form.is_valid() or not form.cleaned_data["q"].strip():
        parameter, message = form.first_error() if form.errors else ("q", _("give the words to follow"))
        return HttpResponseBadRequest(f"{parameter}: {message}\n", content_type="text/plain; charset=utf-8")
    feed = search_feed(request, form.cleaned_data["q"], form.filters())
    if feed.complete:
        etag, modified = f'"{feed.etag}"', _timestamp(feed.last_modified)
        response = get_conditional_response(request, etag=etag, last_modified=modified) or _feed_response(feed)
        response["ETag"] = etag
        if modified:
            response["Last-Modified"] = http_date(modified)
        patch_cache_control(response, public=True, max_age=FEED_MAX_AGE)
    else:
        # Cut short at the time limit: what was found by then, never kept as the feed's answer.
        response = _feed_response(feed)
        patch_cache_control(response, no_cache=True, no_store=True)
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _feed_response(feed) -> HttpResponse:
    return HttpResponse(feed.body, content_type="application/rss+xml; charset=utf-8")


def _timestamp(moment) -> int | None:
    return int(moment.timestamp()) if moment else None


# The read-only API: what it answers to, and the headers that let other sites' pages read it.
API_METHODS = "GET, HEAD, OPTIONS"
CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET, HEAD"}


@csrf_exempt  # it writes nothing: another method is answered 405 in JSON, not refused as a form would be
def search_api(request: HttpRequest) -> HttpResponse:
    if request.method == "OPTIONS":
        return HttpResponse(status=204, headers={"Allow": API_METHODS, **CORS})
    if request.method not in ("GET", "HEAD"):
        message = _("%(method)s: the API only reads; ask with GET") % {"method": request.method}
        return _api_error(message, None, status=405, Allow=API_METHODS)
    form = SearchForm(request.GET)
    if not form.is_valid():
        parameter, message = form.first_error()
        return _api_error(f"{parameter}: {message}", parameter)
    found = find_moments(form.cleaned_data["q"], form.filters())
    try:
        page = flat_page(found, form.cleaned_data["page"] or 1)
    except EmptyPage:
        past = _("past the last page")
        return _api_error(f"page: {past}", "page")
    return JsonResponse(_api_body(request, found, page), headers=CORS)


def _api_error(message: str, parameter: str | None, status: int = 400, **headers: str) -> JsonResponse:
    return JsonResponse({"error": message, "parameter": parameter}, status=status, headers={**CORS, **headers})


def _api_body(request: HttpRequest, found: Found, page) -> dict:
    def page_url(number: int) -> str:
        query = request.GET.copy()
        query["page"] = str(number)
        return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

    return {
        "query": found.query,
        "count": found.count,
        # False past COUNT_LIMIT (then `count` is that limit) or when the search was cut short.
        "count_is_exact": found.count_is_exact,
        "page": page.number,
        "pages": page.paginator.num_pages,
        "next": page_url(page.next_page_number()) if page.has_next() else None,
        "previous": page_url(page.previous_page_number()) if page.has_previous() else None,
        "suggestion": found.suggestion,
        "notices": [str(notice) for notice in found.parsed.notices] + (["timed_out"] if found.timed_out else []),
        "results": [_api_moment(request, moment) for moment in page.object_list],
    }


def _api_moment(request: HttpRequest, moment: Moment) -> dict:
    segment, episode = moment.segment, moment.segment.episode
    return {
        "episode": {
            "slug": episode.slug,
            "title": episode.title,
            "show": episode.show.name,
            "air_date": episode.air_date.isoformat(),
            "url": request.build_absolute_uri(episode.get_absolute_url()),
        },
        "start": segment.start_ms / 1000,
        "end": segment.end_ms / 1000,
        "timestamp": segment.timestamp,
        "url": request.build_absolute_uri(segment.get_absolute_url()),
        "text": segment.text,
        "highlighted": str(moment.highlighted),
        "matched_variant": moment.matched_variant,
        "speaker": segment.speaker or None,
    }
