"""The admin's transcript editor: correct a line's text, speaker or time; split or merge lines."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.core.validators import ProhibitNullCharactersValidator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from episodes.models import Episode, Segment
from episodes.parsing import MAX_LINE_CHARS
from episodes.parsing.timestamps import parse_timestamp
from episodes.services import EditError, edit_segment, merge_with_next, split_segment

LINES_PER_PAGE = 100
# What the page's own form sends; anything else in these fields is a request it never made.
FORM_FIELDS = ("segment", "action", "page")


class MomentField(forms.CharField):
    """A time as staff type it (21:49, 1:02:03, 1309), in milliseconds; empty is None."""

    def to_python(self, value: str | None) -> int | None:
        text = super().to_python(value)
        if not text:
            return None
        try:
            return parse_timestamp(text)
        except ValueError as error:
            raise ValidationError(str(error)) from None


class LineTextField(forms.CharField):
    """Text as typed: the edit services refuse what a file may not hold, in the file import's words."""

    def __init__(self, **kwargs) -> None:
        super().__init__(required=False, strip=False, **kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)]


class CorrectionForm(forms.Form):
    segment = forms.IntegerField(min_value=1)
    action = forms.ChoiceField(choices=[("save", "save"), ("split", "split"), ("merge", "merge")])
    page = forms.IntegerField(min_value=1, required=False)
    start = MomentField(required=False)
    speaker = LineTextField()
    text = LineTextField()
    split_words = forms.CharField(required=False)
    split_start = MomentField(required=False)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("action") == "split" and data.get("split_start") is None and not self.has_error("split_start"):
            self.add_error("split_start", gettext_lazy("give the time the second line starts at"))
        return data


def transcript_view(model_admin: admin.ModelAdmin, request: HttpRequest, object_id: str) -> HttpResponse:
    # get_object() is None for an id that is not one (`abc`) as for a missing episode.
    episode = model_admin.get_object(request, unquote(object_id))
    if episode is None:
        raise Http404
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
        "max_line_chars": MAX_LINE_CHARS,
        "title": _("Transcript of %(episode)s") % {"episode": episode},
    }
    return TemplateResponse(request, "admin/episodes/episode/transcript.html", context)


def _correct(model_admin: admin.ModelAdmin, request: HttpRequest, episode: Episode) -> HttpResponse:
    form = CorrectionForm(request.POST)
    form.is_valid()
    if any(form.has_error(field) for field in FORM_FIELDS):
        raise BadRequest("not a correction this page sent")
    segment = get_object_or_404(Segment, pk=form.cleaned_data["segment"], episode=episode)
    try:
        message = _apply(form, segment)
    except EditError as error:
        messages.error(request, _("%(time)s: not changed: %(error)s") % {"time": segment.timestamp, "error": error})
    else:
        model_admin.log_change(request, episode, message)
        messages.success(request, message)
    url = reverse("admin:episodes_episode_transcript", args=[episode.pk])
    return redirect(f"{url}?page={form.cleaned_data['page'] or 1}#line-{segment.pk}")


def _apply(form: CorrectionForm, segment: Segment) -> str:
    if form.errors:
        # A time that cannot be read: the first such message says which and why.
        raise EditError(next(iter(form.errors.values()))[0])
    data = form.cleaned_data
    if data["action"] == "save":
        edit_segment(segment=segment, text=data["text"], speaker=data["speaker"], start_ms=data["start"])
        return _("Line %(time)s corrected: “%(text)s”") % {"time": segment.timestamp, "text": data["text"]}
    if data["action"] == "split":
        words = data["split_words"].strip()
        at = segment.text.find(words) if words else -1
        if at <= 0:
            raise EditError(_("give the words that start the second line, as they stand in the line"))
        new = split_segment(segment=segment, at=at, start_ms=data["split_start"])
        return _("Line %(time)s split; the second part starts at %(second)s") % {
            "time": segment.timestamp,
            "second": new.timestamp,
        }
    merge_with_next(segment=segment)
    return _("Line %(time)s merged with the next one") % {"time": segment.timestamp}
