from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _

from search.moments import Filters


class QueryField(forms.CharField):
    """Any text a person may type is a query; NUL bytes are spaces, never an error."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)]

    def to_python(self, value: str | None) -> str:
        return super().to_python((value or "").replace("\x00", " "))


SORTS = [("relevance", _("Relevance")), ("newest", _("Newest first"))]


class SearchForm(forms.Form):
    """The search parameters, shared by the results page and the JSON API."""

    q = QueryField(label=_("Search"), required=False)
    show = forms.SlugField(label=_("Show"), required=False)
    person = forms.SlugField(label=_("Person"), required=False)
    speaker = forms.SlugField(label=_("Said by"), required=False)
    episode = forms.SlugField(label=_("Episode"), required=False, widget=forms.HiddenInput)
    sort = forms.ChoiceField(label=_("Sort"), choices=SORTS, required=False)
    page = forms.IntegerField(label=_("Page"), required=False, min_value=1, max_value=10_000)

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        if start and end and start > end:
            self.add_error("to", _("The end date is before the start date."))
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            show=data.get("show") or "",
            person=data.get("person") or "",
            speaker=data.get("speaker") or "",
            episode=data.get("episode") or "",
            date_from=data.get("from"),
            date_to=data.get("to"),
            sort=data.get("sort") or "relevance",
        )

    def has_filters(self) -> bool:
        """Whether the visitor narrowed the search (the episode a group's link opens aside)."""
        data = getattr(self, "cleaned_data", {})
        return any(data.get(name) for name in ("show", "person", "speaker", "from", "to"))

    def first_error(self) -> tuple[str, str]:
        """(parameter, message) of the first invalid parameter."""
        name, errors = next(iter(self.errors.items()))
        return name, str(errors[0])


def iso_date_field(label: str) -> forms.DateField:
    # ISO only, whatever the language: links and API calls must mean the same day everywhere.
    return forms.DateField(label=label, required=False, input_formats=["%Y-%m-%d"])


# `from` is a Python keyword, so these two are added by name.
SearchForm.base_fields["from"] = iso_date_field(_("From"))
SearchForm.base_fields["to"] = iso_date_field(_("To"))
