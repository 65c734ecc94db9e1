from django.urls import path

from search import views

app_name = "search"

urlpatterns = [
    path("search/", views.search_page, name="page"),
    path("search/feed.xml", views.search_feed_view, name="feed"),
    path("api/search/", views.search_api, name="api"),
    path("topics/", views.topic_list, name="topics"),
    path("topics/<slug:slug>/", views.topic_page, name="topic"),
]
