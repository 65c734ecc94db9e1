from django.contrib import admin
from django.urls import include, path

from smarttech.views import robots_txt

urlpatterns = [
    path("robots.txt", robots_txt),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("search.urls")),
    path("", include("episodes.urls")),
]
