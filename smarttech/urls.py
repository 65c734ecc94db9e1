from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from episodes.sitemaps import SITEMAPS
from smarttech.views import favicon, healthz, robots_txt

urlpatterns = [
    path("robots.txt", robots_txt),
    # Browsers and crawlers ask for /favicon.ico whatever the page says: the site's icon.
    path("favicon.ico", favicon),
    path("healthz", healthz, name="healthz"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("admin/", admin.site.urls),
    # Choosing a language takes no CSRF token: forged, it only changes a visitor's language; and
    # without one, public pages hold no secret, so they can be sent compressed (smarttech/compression.py).
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("", include("search.urls")),
    path("", include("episodes.urls")),
]

# The admin's import answers its own upload limits (too many files or fields) with a message.
handler400 = "episodes.admin_import.bad_request"
# A database that does not answer is a 503 with Retry-After, not a 500 (smarttech/outages.py).
handler500 = "smarttech.outages.server_error"
