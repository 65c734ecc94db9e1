from django.urls import path

from episodes import views

app_name = "episodes"

urlpatterns = [
    path("", views.home, name="home"),
    path("episodes/", views.episode_list, name="list"),
    path("episodes/<slug:slug>/", views.episode_detail, name="detail"),
]
