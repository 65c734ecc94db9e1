import re

import pytest
from bs4 import BeautifulSoup

from tests.conftest import index_now
from tests.factories import make_episode


def page(client, **params) -> BeautifulSoup:
    response = client.get("/search/", params)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def test_it_groups_moments_by_episode_with_links_to_the_second(client, sample_episode):
    soup = page(client, q="quantique")
    groups = soup.select("section.result")
    assert len(groups) == 1
    assert groups[0].h2.a["href"] == f"{sample_episode.get_absolute_url()}?q=quantique"
    links = [a["href"] for a in groups[0].select("a.timestamp")]
    assert len(links) == 3
    assert all(re.fullmatch(rf"/episodes/{sample_episode.slug}/\?t=(\d+)&q=quantique#t-\1", link) for link in links)


def test_it_counts_and_offers_the_other_moments_of_the_episode(client, sample_episode):
    soup = page(client, q="quantique")
    count = " ".join(soup.select_one(".count").get_text().split())
    assert count == "22 moments dans 1 épisode"
    more = soup.select_one(".more a")
    assert more.text.strip() == "19 autres moments dans cet épisode"


def test_every_moment_of_a_group_is_reached_from_its_link(client, sample_episode):
    """Through the "more moments" link then the pages it leads to, as a visitor without JavaScript."""
    every = {
        r["timestamp"]
        for n in (1, 2)
        for r in client.get("/api/search/", {"q": "quantique", "page": n}).json()["results"]
    }
    assert len(every) == 22
    link, reached = page(client, q="quantique").select_one(".more a")["href"], []
    while link:
        soup = BeautifulSoup(client.get(f"/search/{link}").content, "html.parser")
        reached += [a.text for a in soup.select("section.result .moments a.timestamp")]
        next_page = soup.select_one('.pagination a[rel="next"]')
        link = next_page["href"] if next_page else None
    assert reached == sorted(every) and len(reached) == 22
    assert soup.select_one(".every-episode a")["href"] == "?q=quantique"


def test_each_moment_shows_the_lines_before_and_after(client, sample_episode):
    moment = page(client, q='"Charles de Gaulle"').select_one(".moments li")
    assert moment.select_one(".timestamp").text == "08:51"
    before, after = (c.text for c in moment.select(".context"))
    assert before.startswith("Alors, moi, je voulais profiter")
    assert after.startswith("Donc, il ne faut pas prendre de retard")
    assert [m.text for m in moment.select(".line mark")] == ["Charles de Gaulle"]


def test_it_says_a_variant_matched(client, sample_episode):
    soup = page(client, q="NIS2")
    assert "Nice 2" in soup.select_one(".variant").text


def test_it_suggests_a_spelling(client, sample_episode):
    link = page(client, q="quantque").select_one(".suggestion a")
    assert (link.text, link["href"]) == ("quantique", "?q=quantique")


def test_every_page_has_a_search_box(client, sample_episode):
    for url in ("/", "/episodes/", sample_episode.get_absolute_url(), "/search/"):
        soup = BeautifulSoup(client.get(url).content, "html.parser")
        assert soup.select_one('form[role="search"] input[name="q"]')


@pytest.mark.parametrize(
    "q",
    [
        '"unbalanced',
        "AND",
        "OR",
        "NOT",
        "*",
        "a*",
        "title:",
        '"a b"~100000',
        "x" * 10_000,
        "quantique\x00",
        "\x00",
        "?!.,;",
        "",
        "(((",
        "-",
        "*quantique",
        "q" * 3 + "*",
        "😀",
    ],
)
def test_any_text_gives_a_page(client, sample_episode, q):
    response = client.get("/search/", {"q": q})
    assert response.status_code == 200
    api = client.get("/api/search/", {"q": q})
    assert api.status_code == 200
    assert api.json()["count"] >= 0


def test_a_long_query_is_cut_with_a_notice(client, sample_episode):
    notice = page(client, q="quantique " * 1000).select_one(".notice").text
    assert "200" in notice


def test_drafts_are_never_found(client, sample_episode):
    from episodes.services import set_published

    set_published([sample_episode], False)
    index_now()
    assert page(client, q="quantique").select("section.result") == []
    assert client.get("/api/search/", {"q": "quantique"}).json()["count"] == 0


def test_a_transcript_is_never_rendered_as_html(client, search_index, transactional_db):
    make_episode("<script>alert(1)</script> &lt;img src=x onerror=alert(2)&gt; quantique")
    index_now()
    response = client.get("/search/", {"q": "quantique"})
    assert b"onerror=alert(2)>" not in response.content
    assert b"&lt;img src=x onerror=alert(2)&gt; <mark>quantique</mark>" in response.content
    highlighted = client.get("/api/search/", {"q": "img"}).json()["results"][0]["highlighted"]
    assert highlighted == "alert(1) &lt;<mark>img</mark> src=x onerror=alert(2)&gt; quantique"


@pytest.fixture
def show_of_drafts(sample_episode):
    make_episode("Le quantique en secret.", show="Émission secrète", published=False)
    index_now()
    return "emission-secrete"


def test_the_show_filter_lists_only_shows_on_air(client, show_of_drafts):
    soup = page(client, q="quantique")
    assert [o["value"] for o in soup.select("#id_show option")] == ["", "smart-tech"]
    assert "secrète" not in soup.text


def test_filtering_by_a_show_of_drafts_tells_a_visitor_nothing(client, show_of_drafts):
    unknown = str(page(client, q="quantique", show="pas-une-emission").main)
    drafts = str(page(client, q="quantique", show=show_of_drafts).main)
    assert drafts.replace(show_of_drafts, "pas-une-emission") == unknown
