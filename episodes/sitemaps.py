from django.contrib.sitemaps import Sitemap

from episodes.models import Episode, Person, Show


class EpisodeSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return Episode.objects.published().order_by("-air_date", "pk")

    def lastmod(self, episode: Episode):
        return episode.updated_at


class PersonSitemap(Sitemap):
    def items(self):
        return Person.objects.on_air().order_by("name")


class ShowSitemap(Sitemap):
    def items(self):
        return Show.objects.on_air().order_by("name")


SITEMAPS = {"episodes": EpisodeSitemap, "people": PersonSitemap, "shows": ShowSitemap}
