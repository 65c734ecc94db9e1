"""The admin's transcript editor: correct a line's text, speaker or time; split or merge lines;
give a speaker to a range of lines."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import BadRequest, PermissionDenied
from django.core.paginator import Paginator
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from episodes.forms import MomentField, moment_text, name_fields_in_errors
from episodes.messages import translated
from episodes.models import Episode, Person, Segment
from episodes.parsing import MAX_LINE_CHARS
from episodes.parsing.timestamps import parse_timestamp
from episodes.services import (
    EditError,
    edit_segment,
    give_speaker,
    lines_between,
    merge_with_next,
    split_segment,
)

LINES_PER_PAGE = 100
# What the page's own form sends; anything else in these fields is a request it never made.
FORM_FIELDS = ("segment", "action", "page")
TIME_BOX = {"size": 9, "placeholder": gettext_lazy("mm:ss")}


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
    seen = forms.CharField(required=False, max_length=16)  # the line's version the page showed

    def clean(self) -> dict:
        data = super().clean()
        if data.get("action") == "split" and data.get("split_start") is None and not self.has_error("split_start"):
            self.add_error("split_start", gettext_lazy("give the time the second line starts at"))
        return data


class SpeakerRangeForm(forms.Form):
    """One speaker, chosen from the episode's people, for the lines from one time to another."""

    first = MomentField(label=gettext_lazy("From the line at"), widget=forms.TextInput(attrs=TIME_BOX))
    last = MomentField(label=gettext_lazy("To the line at"), widget=forms.TextInput(attrs=TIME_BOX))
    person = forms.ModelChoiceField(label=gettext_lazy("Speaker"), queryset=Person.objects.none())

    def __init__(self, *args, episode: Episode, **kwargs) -> None:
        super().__init__(*args, prefix="range", **kwargs)
        self.episode = episode
        self.fields["person"].queryset = Person.objects.filter(appearances__episode=episode).distinct()
        name_fields_in_errors(self)
        self.fields["person"].error_messages["invalid_choice"] = _(
            "%(field)s: choose one of this episode's people (add them to the episode first)."
        ) % {"field": self.fields["person"].label}

    def clean(self) -> dict:
        data = super().clean()
        first, last = data.get("first"), data.get("last")
        end = max(self.episode.duration_ms, self.episode.segments.aggregate(end=Max("end_ms"))["end"] or 0)
        past_the_end = _("%(field)s: %(time)s is past the end of the episode (%(end)s).")
        for name in ("first", "last"):
            if data.get(name) is not None and data[name] > end:
                self._refuse(name, past_the_end, time=data[name], end=end)
        if self.errors or first is None or last is None:
            return data
        if last < first:
            self._refuse("last", _("%(field)s: %(last)s comes before %(first)s."), first=first, last=last)
        elif not lines_between(self.episode, first, last).exists():
            self._refuse("first", _("%(field)s: no line starts from %(first)s to %(last)s."), first=first, last=last)
        return data

    def _refuse(self, name: str, message: str, **times: int) -> None:
        """An error at the field, naming it, with its times as staff type them."""
        values = {key: moment_text(ms) for key, ms in times.items()}
        self.add_error(name, message % {"field": self.fields[name].label, **values})


def staff_episode(model_admin: admin.ModelAdmin, request: HttpRequest, object_id: str, allowed) -> Episode:
    """The episode a staff view is about: 404 when there is none, 403 without the permission."""
    # get_object() is None for an id that is not one (`abc`) as for a missing episode.
    episode = model_admin.get_object(request, unquote(object_id))
    if episode is None:
        raise Http404
    if not allowed(request, episode):
        raise PermissionDenied
    return episode


def transcript_view(model_admin: admin.ModelAdmin, request: HttpRequest, object_id: str) -> HttpResponse:
    episode = staff_episode(model_admin, request, object_id, model_admin.has_change_permission)
    if request.method == "POST" and request.POST.get("action") == "give_speaker":
        return _give_speaker(model_admin, request, episode)
    if request.method == "POST":
        return _correct(model_admin, request, episode)
    if request.GET.get("at"):
        return _go_to_time(request, episode, request.GET["at"])
    speakers = SpeakerRangeForm(episode=episode)
    return _render_editor(model_admin, request, episode, speakers, request.GET.get("page"))


# How many lines "find in the transcript" lists, each a link to its place in the editor.
FOUND_LINES = 50


def _go_to_time(request: HttpRequest, episode: Episode, at: str) -> HttpResponse:
    """The editor's page holding the line said at that time (the last one started by then)."""
    try:
        ms = parse_timestamp(at)
    except ValueError as error:
        messages.error(request, translated(error))
        return redirect(_editor_url(episode) + "#content-start")
    segment = episode.segments.filter(start_ms__lte=ms).order_by("-position").first() or episode.segments.first()
    return _redirect_to_line(episode, segment)


def _found_lines(episode: Episode, words: str) -> list[tuple[Segment, str]]:
    """The lines whose text holds these words (case aside), with their place in the editor."""
    lines = episode.segments.filter(text__icontains=words).order_by("position")[:FOUND_LINES]
    return [(segment, _line_url(episode, segment)) for segment in lines]


def _render_editor(
    model_admin: admin.ModelAdmin, request: HttpRequest, episode: Episode, speakers: SpeakerRangeForm, page_number
) -> HttpResponse:
    page = Paginator(episode.segments.all(), LINES_PER_PAGE).get_page(page_number)
    page.object_list = list(page.object_list)
    for segment in page.object_list:
        # To the millisecond when between seconds: saving a line's text must not move it.
        segment.start_text = moment_text(segment.start_ms)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Episode._meta,
        "episode": episode,
        "page": page,
        "speakers": speakers,
        "max_line_chars": MAX_LINE_CHARS,
        "find": (request.GET.get("find") or "").strip()[:200],
        "title": _("Transcript of %(episode)s") % {"episode": episode},
    }
    if context["find"]:
        context["found_lines"] = _found_lines(episode, context["find"])
    return TemplateResponse(request, "admin/episodes/episode/transcript.html", context)


def _give_speaker(model_admin: admin.ModelAdmin, request: HttpRequest, episode: Episode) -> HttpResponse:
    form = SpeakerRangeForm(request.POST, episode=episode)
    if form.is_valid():
        data = form.cleaned_data
        try:
            count = give_speaker(episode=episode, first_ms=data["first"], last_ms=data["last"], person=data["person"])
        except EditError as error:
            # The lines or the people changed since the form was checked: nothing was written.
            form.add_error(None, translated(error))
        else:
            message = ngettext(
                "%(person)s given as the speaker of %(count)d line, %(first)s–%(last)s",
                "%(person)s given as the speaker of %(count)d lines, %(first)s–%(last)s",
                count,
            )
            first, last = moment_text(data["first"]), moment_text(data["last"])
            message %= {"person": data["person"], "count": count, "first": first, "last": last}
            model_admin.log_change(request, episode, message)
            messages.success(request, message)
            return _redirect_to_line(episode, lines_between(episode, data["first"], data["last"]).first())
    messages.error(request, _("No speaker was given: please correct the errors below."))
    return _render_editor(model_admin, request, episode, form, request.POST.get("page"))


def _redirect_to_line(episode: Episode, segment: Segment) -> HttpResponse:
    return redirect(_line_url(episode, segment))


def _line_url(episode: Episode, segment: Segment) -> str:
    """The editor's page where this line is, scrolled to it."""
    before = episode.segments.filter(position__lt=segment.position).count()
    return f"{_editor_url(episode)}?page={before // LINES_PER_PAGE + 1}#line-{segment.pk}"


def _editor_url(episode: Episode) -> str:
    return reverse("admin:episodes_episode_transcript", args=[episode.pk])


def _correct(model_admin: admin.ModelAdmin, request: HttpRequest, episode: Episode) -> HttpResponse:
    form = CorrectionForm(request.POST)
    form.is_valid()
    if any(form.has_error(field) for field in FORM_FIELDS):
        raise BadRequest("not a correction this page sent")
    segment = get_object_or_404(Segment, pk=form.cleaned_data["segment"], episode=episode)
    url = f"{_editor_url(episode)}?page={form.cleaned_data['page'] or 1}"
    if form.cleaned_data.get("seen") and form.cleaned_data["seen"] != segment.version:
        # Sent twice (the first already merged, split or saved it), or changed by someone else.
        refusal = {"time": segment.timestamp}
        messages.error(
            request,
            _(
                "%(time)s: not changed: the line changed since this page showed it (sent twice?); "
                "here it is as it stands."
            )
            % refusal,
        )
        return redirect(f"{url}#content-start")
    if _unchanged(form, segment):
        # Saved as it was: nothing to record in the history, nor to reindex.
        messages.info(request, _("%(time)s: unchanged.") % {"time": segment.timestamp})
        return redirect(f"{url}#line-{segment.pk}")
    try:
        message = _apply(form, segment)
    except EditError as error:
        refusal = {"time": segment.timestamp, "error": translated(error)}
        messages.error(request, _("%(time)s: not changed: %(error)s") % refusal)
        # The message is at the top of the page: the page opens there, not at the line (a
        # fragment left from the last save would hide it off screen).
        return redirect(f"{url}#content-start")
    model_admin.log_change(request, episode, message)
    messages.success(request, message)
    return redirect(f"{url}#line-{segment.pk}")


def _unchanged(form: CorrectionForm, segment: Segment) -> bool:
    """A line saved with its text, speaker and start as they are (whitespace aside)."""
    data = form.cleaned_data
    if form.errors or data.get("action") != "save":
        return False
    start = data.get("start")
    return (
        " ".join((data.get("text") or "").split()) == segment.text
        and (data.get("speaker") or "").strip() == segment.speaker
        and (start is None or start == segment.start_ms)
    )


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
