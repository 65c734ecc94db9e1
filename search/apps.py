from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        if settings.ARCHIVE_SEARCH_ENGINE == "postgres":
            from search.engines.postgres import connect_signals

            connect_signals()
