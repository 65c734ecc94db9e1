from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

# A browser's date field sends and expects ISO dates, whatever the language.
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


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
        help_text=_("One or several: the show's page text, SRT, WebVTT, Podcasting 2.0 JSON or [HH:MM:SS] lines."),
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


class ConfirmFileForm(forms.Form):
    """One previewed file, as staff corrected it."""

    token = forms.CharField(widget=forms.HiddenInput)
    include = forms.BooleanField(label=_("Import this file"), required=False, initial=True)
    show = forms.CharField(label=_("Show"), max_length=200)
    title = forms.CharField(label=_("Title"), max_length=300)
    air_date = forms.DateField(label=_("Air date"), widget=DATE_INPUT)
    media_url = forms.URLField(label=_("Media URL"), required=False, max_length=1000, assume_scheme="https")
    state = forms.ChoiceField(
        label=_("Store as"), choices=[("draft", _("Draft")), ("published", _("Published"))], initial="published"
    )


class PersonRowForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=[("host", _("host")), ("guest", _("guest"))], initial="guest")
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    organisation = forms.CharField(label=_("Organisation"), max_length=200, required=False)


PeopleFormSet = forms.formset_factory(PersonRowForm, extra=1, can_delete=True)


class EpisodeFilterForm(forms.Form):
    show = forms.SlugField(label=_("Show"), required=False)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1900, max_value=2200)
    person = forms.SlugField(label=_("Person"), required=False)
    page = forms.IntegerField(required=False, min_value=1)

    def filter(self, episodes):
        data = self.cleaned_data
        if data.get("show"):
            episodes = episodes.filter(show__slug=data["show"])
        if data.get("year"):
            episodes = episodes.filter(air_date__year=data["year"])
        if data.get("person"):
            episodes = episodes.filter(appearances__person__slug=data["person"]).distinct()
        return episodes
