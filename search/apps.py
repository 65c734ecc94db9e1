from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils.translation import gettext_lazy as _

# How DATABASE_URL names a database of each kind, for the message.
DATABASE_URLS = {"postgresql": "postgres://...", "sqlite": "sqlite:///..."}


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        from search.engines import engine

        chosen = engine()
        if chosen.database_vendor not in (None, connection.vendor):
            name = settings.ARCHIVE_SEARCH_ENGINE
            raise ImproperlyConfigured(
                f"ARCHIVE_SEARCH_ENGINE={name} searches with {chosen.label}, which needs a "
                f"{chosen.database_vendor} database, but DATABASE_URL is a {connection.vendor} one: set "
                f"DATABASE_URL={DATABASE_URLS.get(chosen.database_vendor, '...')} or another ARCHIVE_SEARCH_ENGINE"
            )
        chosen.ready()
