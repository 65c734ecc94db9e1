from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class TranscriptImportForm(forms.Form):
    file = forms.FileField(
        label=_("Transcript file"),
        help_text=_("The show's page text, SRT, WebVTT, Podcasting 2.0 JSON or [HH:MM:SS] lines."),
    )
    show = forms.CharField(label=_("Show"), required=False, help_text=_("When the file names none."))
    title = forms.CharField(label=_("Title"), required=False, max_length=300)
    air_date = forms.DateField(label=_("Air date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    media_url = forms.URLField(label=_("Media URL"), required=False, max_length=1000, assume_scheme="https")
    published = forms.BooleanField(label=_("Publish now"), required=False, initial=True)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.TRANSCRIPT_MAX_BYTES:
            limit = settings.TRANSCRIPT_MAX_BYTES // (1024 * 1024)
            raise forms.ValidationError(_("The file is over the %(limit)d MB limit.") % {"limit": limit})
        return upload


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
