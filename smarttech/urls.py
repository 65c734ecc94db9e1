from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from episodes.sitemaps import SITEMAPS
from smarttech.views import healthz, robots_txt

urlpatterns = [
    path("robots.txt", robots_txt),
    path("healthz", healthz, name="healthz"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("search.urls")),
    path("", include("episodes.urls")),
]

# The admin's import answers its own upload limits (too many files or fields) with a message.
handler400 = "episodes.admin_import.bad_request"
# A database that does not answer is a 503 with Retry-After, not a 500 (smarttech/outages.py).
handler500 = "smarttech.outages.server_error"
