"""A static files finder for the tests' live server: what `collectstatic` gathered into
STATIC_ROOT (hashed names), which the live server's static handler asks the finders for, where
production's WhiteNoise reads STATIC_ROOT itself."""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder


class GatheredFinder(BaseFinder):
    def find(self, path: str, find_all: bool = False, **kwargs):
        gathered = Path(settings.STATIC_ROOT) / path
        found = str(gathered) if gathered.is_file() else None
        if find_all or kwargs.get("all"):
            return [found] if found else []
        return found

    def list(self, ignore_patterns):
        return []  # nothing for collectstatic to gather again

    def check(self, **kwargs):
        return []
