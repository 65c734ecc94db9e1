from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext


def site(request: HttpRequest) -> dict[str, str]:
    """The site's name and tagline, as settings give them (see ARCHIVE_SITE_NAME)."""
    return {
        "site_name": settings.ARCHIVE_SITE_NAME or gettext("Broadcast archive"),
        "site_tagline": settings.ARCHIVE_SITE_TAGLINE,
    }
