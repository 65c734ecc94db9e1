from django.urls import path

from episodes import feeds, views

app_name = "episodes"

urlpatterns = [
    path("", views.home, name="home"),
    path("episodes/", views.episode_list, name="list"),
    path("episodes/<slug:slug>/", views.episode_detail, name="detail"),
    path("episodes/<slug:slug>/quote.png", views.quote_picture, name="quote_picture"),
    path("episodes/<slug:slug>/chapters.json", views.chapters_json, name="chapters"),
    path("episodes/<slug:slug>/corrections/", views.propose_correction, name="corrections"),
    path("episodes/<slug:slug>/transcript.<str:fmt>", views.transcript_export, name="transcript"),
    path("feed.xml", feeds.ArchiveFeed(), name="feed"),
    path("shows/<slug:slug>/", views.show_detail, name="show"),
    path("shows/<slug:slug>/feed.xml", feeds.ShowFeed(), name="show_feed"),
    path("people/", views.person_list, name="people"),
    path("people/<slug:slug>/", views.person_detail, name="person"),
]
