import datetime

from django import template
from django.utils import formats
from django.utils.translation import get_language

register = template.Library()


@register.filter
def long_date(day: datetime.date | None) -> str:
    """The date as the language writes it in a sentence: "1er juillet 2025", "July 1, 2025"."""
    if not day:
        return ""
    text = formats.date_format(day, "DATE_FORMAT")
    # French writes the first of the month as an ordinal; Django's formats cannot say so.
    if day.day == 1 and (get_language() or "").startswith("fr") and text.startswith("1 "):
        return "1er" + text[1:]
    return text


@register.simple_tag
def corrections_to_review() -> int:
    """How many listeners' proposals wait for staff (the admin's home says so)."""
    from episodes.models import Correction

    return Correction.objects.proposed().count()
