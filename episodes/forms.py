from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from episodes.corrections import MAX_CORRECTION_CHARS
from episodes.messages import translated
from episodes.parsing import TranscriptError
from episodes.parsing.timestamps import format_timestamp, parse_timestamp
from episodes.uploads import Pending, episode_identity, pending_from_token, same_episodes

# A browser's date field sends and expects ISO dates, whatever the language.
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def moment_text(ms: int) -> str:
    """A time as staff read and type it: `08:51`, or `08:51.250` when it falls between seconds,
    so that saving a form unchanged never moves a line."""
    whole = format_timestamp(ms)
    return f"{whole}.{ms % 1000:03d}" if ms % 1000 else whole


class MomentField(forms.CharField):
    """A time as staff type it (21:49, 1:02:03, 1309), in milliseconds; empty is None."""

    def prepare_value(self, value):
        return moment_text(value) if isinstance(value, int) else value

    def to_python(self, value: str | None) -> int | None:
        text = super().to_python(value)
        if not text:
            return None
        try:
            return parse_timestamp(text)
        except ValueError:
            # The parser's reasons are in English (it has no Django); staff read this one in their language.
            message = _("“%(value)s” is not a time in an episode (write 21:49, 1:02:03 or 1309).") % {"value": text}
            if self.label:
                message = _("%(field)s: %(error)s") % {"field": self.label, "error": message}
            raise ValidationError(message) from None


def name_fields_in_errors(form: forms.Form) -> None:
    """ "Show: this field is required." rather than a bare "This field is required.": the message
    names its field even where it is read on its own (a screen reader, a list of problems)."""
    for field in form.fields.values():
        field.error_messages["required"] = _("%(field)s: this field is required.") % {"field": field.label}


def flag_missing(form: forms.Form) -> None:
    """On a form not yet sent, mark each required field that has no value yet, as sending it would."""
    if form.is_bound:
        return
    errors = form.errors  # an unbound form's ErrorDict: empty, and kept from now on
    for name, field in form.fields.items():
        if field.required and form.initial.get(name) in (None, "") and not field.widget.is_hidden:
            message = field.error_messages["required"]
            errors[name] = form.error_class([message], renderer=form.renderer, field_id=form[name].auto_id)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field, each checked like a single one."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None) -> list:
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(one, initial) for one in files]


class UploadForm(forms.Form):
    files = MultipleFileField(
        label=_("Transcript files"),
        help_text=_(
            "One or several: the show's page text or saved web page (.html), SRT, WebVTT, Podcasting 2.0 JSON "
            "or [HH:MM:SS] lines."
        ),
    )
    show = forms.CharField(label=_("Show"), required=False, help_text=_("For every file, over what the file says."))
    title = forms.CharField(label=_("Title"), required=False, max_length=300)
    air_date = forms.DateField(label=_("Air date"), required=False, widget=DATE_INPUT)
    media_url = forms.URLField(label=_("Media URL"), required=False, max_length=1000, assume_scheme="https")

    def clean_files(self) -> list:
        limit = settings.TRANSCRIPT_MAX_BYTES
        for upload in self.cleaned_data["files"]:
            if upload.size > limit:
                message = _("%(name)s is over the %(limit)d MB limit.")
                raise forms.ValidationError(message % {"name": upload.name, "limit": limit // (1024 * 1024)})
        return self.cleaned_data["files"]


class PersonRowForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=[("host", _("host")), ("guest", _("guest"))], initial="guest")
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    organisation = forms.CharField(label=_("Organisation"), max_length=200, required=False)


PeopleFormSet = forms.formset_factory(PersonRowForm, extra=1, can_delete=True)


class ConfirmFileForm(forms.Form):
    """One previewed file, as staff corrected it, with its host and guests."""

    token = forms.CharField(widget=forms.HiddenInput)
    include = forms.BooleanField(label=_("Import this file"), required=False, initial=True)
    show = forms.CharField(label=_("Show"), max_length=200)
    title = forms.CharField(label=_("Title"), max_length=300)
    air_date = forms.DateField(label=_("Air date"), widget=DATE_INPUT)
    media_url = forms.URLField(label=_("Media URL"), required=False, max_length=1000, assume_scheme="https")
    state = forms.ChoiceField(
        label=_("Store as"), choices=[("draft", _("Draft")), ("published", _("Published"))], initial="published"
    )

    def __init__(self, *args, people: list[dict] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        name_fields_in_errors(self)
        # Named after this form's prefix, so that every file of the page has its own people.
        self.people = PeopleFormSet(
            self.data if self.is_bound else None, initial=people, prefix=self.add_prefix("people")
        )

    def clean_token(self) -> Pending:
        try:
            return pending_from_token(self.cleaned_data["token"])
        except TranscriptError as error:
            raise forms.ValidationError(translated(error)) from None

    def is_valid(self) -> bool:
        valid = super().is_valid()
        return self.people.is_valid() and valid

    @property
    def pending(self) -> Pending | None:
        return self.cleaned_data.get("token") if hasattr(self, "cleaned_data") else None

    def identity(self) -> tuple | None:
        """The episode this file would store, if it is to be imported."""
        data = getattr(self, "cleaned_data", {})
        if not data.get("include") or not self.pending:
            return None
        return episode_identity(data.get("show", ""), data.get("air_date"), data.get("title", ""))


class BaseConfirmFileFormSet(forms.BaseFormSet):
    """Every file of one upload; refuses two files that would be the same episode."""

    def __init__(self, *args, people: list[list[dict]] | None = None, **kwargs) -> None:
        self.people_initial = people or []  # each file's host and guests, as the file names them
        super().__init__(*args, **kwargs)

    @classmethod
    def get_default_prefix(cls) -> str:
        return "f"

    def get_form_kwargs(self, index: int | None) -> dict:
        kwargs = super().get_form_kwargs(index)
        if index is not None and index < len(self.people_initial):
            kwargs["people"] = self.people_initial[index]
        return kwargs

    def clean(self) -> None:
        clashes = same_episodes([form.identity() for form in self.forms])
        for form, others in zip(self.forms, clashes, strict=True):
            if others:
                names = ", ".join(self.forms[other].pending.filename for other in others)
                message = _(
                    "Same show, date and title as %(files)s in this upload: only one of them can be stored. "
                    "Change the title or the date, or untick all but one."
                )
                form.add_error(None, message % {"files": names})
        if any(clashes):
            raise forms.ValidationError(_("Several files of this upload are the same episode: nothing was stored."))


# Django refuses a request with more files than this before any view runs (see settings).
MAX_FILES: int = settings.DATA_UPLOAD_MAX_NUMBER_FILES

ConfirmFileFormSet = forms.formset_factory(
    ConfirmFileForm,
    formset=BaseConfirmFileFormSet,
    extra=0,
    max_num=MAX_FILES,
    absolute_max=MAX_FILES,
    validate_max=True,
)


class EpisodeFilterForm(forms.Form):
    show = forms.SlugField(label=_("Show"), required=False)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1900, max_value=2200)
    person = forms.SlugField(label=_("Person"), required=False)
    page = forms.IntegerField(required=False, min_value=1)

    def has_filters(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return any(data.get(name) for name in ("show", "year", "person"))

    def filter(self, episodes):
        data = self.cleaned_data
        if data.get("show"):
            episodes = episodes.filter(show__slug=data["show"])
        if data.get("year"):
            episodes = episodes.filter(air_date__year=data["year"])
        if data.get("person"):
            episodes = episodes.filter(appearances__person__slug=data["person"]).distinct()
        return episodes


class ProposeCorrectionForm(forms.Form):
    """A listener's text for one line: the line by its second and its order in that second, as
    `?t=` and the page's `t-32-2` ids name it; `website` is a trap only robots fill in."""

    t = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    n = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)
    text = forms.CharField(
        label=_("The line as it should read"),
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MAX_CORRECTION_CHARS}),
        error_messages={"required": _("Write the line as it should read.")},
    )
    website = forms.CharField(label=_("Leave this field empty"), required=False)

    def clean(self) -> dict:
        if self.cleaned_data.get("website"):
            # Said to all (the field is hidden from people): a person never meets it.
            raise ValidationError(_("Not sent: the hidden field “Leave this field empty” was filled in."))
        return self.cleaned_data
