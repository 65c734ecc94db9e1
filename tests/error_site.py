"""The real site plus one page that always fails, served in its own process by
tests/test_it_logs_errors.py (DJANGO_SETTINGS_MODULE=tests.error_site)."""

from smarttech.settings import *  # noqa: F403

ROOT_URLCONF = "tests.error_site_urls"
