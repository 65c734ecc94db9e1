"""Topics over time through the real pages: /topics/, a topic's chart, table, people and moments,
and the results page's strip; drafts never."""

import datetime

import pytest
from bs4 import BeautifulSoup

from episodes.parsing.types import ParsedPerson, Role
from episodes.services import import_transcript
from search import moments
from search.models import GlossaryEntry
from tests.conftest import index_now

HOST, MARC, ANA = (
    ParsedPerson("Paul Durand", Role.HOST),
    ParsedPerson("Marc Kaplan", Role.GUEST),
    ParsedPerson("Ana Lopez", Role.GUEST),
)
EPISODES = [
    # (air date, people, lines as "speaker|text"), published
    ("2024-12-02", [HOST], ["|Rien à voir ici."]),
    (
        "2025-01-15",
        [HOST, MARC, ANA],
        [
            "Marc Kaplan|NIS2 arrive en octobre.",
            "Marc Kaplan|Avec NIS2, les PME aussi.",
            "Ana Lopez|Nice 2, la directive.",
            "Paul Durand|Merci.",
        ],
    ),
    ("2025-03-10", [HOST], ["|La directive NIS2 encore."]),
    ("2025-03-20", [HOST], ["Paul Durand|NIS2, dernier point."]),
]
DRAFT = ("2025-05-05", [ParsedPerson("Secret Person", Role.GUEST)], ["Secret Person|NIS2 et Zorglub."] * 5)


def vtt(lines: list[str]) -> bytes:
    cues = []
    for n, line in enumerate(lines):
        speaker, text = line.split("|")
        cues.append(
            f"00:00:{n * 4:02d}.000 --> 00:00:{n * 4 + 3:02d}.000\n{f'<v {speaker}>' if speaker else ''}{text}\n"
        )
    return ("WEBVTT\n\n" + "\n".join(cues)).encode()


def add(day: str, people: list[ParsedPerson], lines: list[str], show: str, published: bool = True) -> None:
    air_date = datetime.date.fromisoformat(day)
    import_transcript(
        data=vtt(lines),
        filename="e.vtt",
        show=show,
        title=f"{show} du {day}",
        air_date=air_date,
        published=published,
        people=people,
    )


@pytest.fixture
def archive(transactional_db, search_index):
    """Four published episodes from December 2024 to March 2025 (NIS2 said in three), and a
    draft of May 2025 that says NIS2 and Zorglub, on a show of its own."""
    GlossaryEntry.objects.create(term="NIS2", variants="Nice 2")
    GlossaryEntry.objects.create(term="Zorglub")
    for episode in EPISODES:
        add(*episode, show="Cyber Hebdo")
    add(*DRAFT, show="Émission secrète", published=False)
    index_now()


def soup(client, url: str, **params) -> BeautifulSoup:
    response = client.get(url, params)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def chart(page: BeautifulSoup, svg: str = "svg.mentions-bars") -> list[tuple[str, int]]:
    return [(bar["data-month"], int(bar["data-moments"])) for bar in page.select(f"{svg} rect.bar")]


def table(page: BeautifulSoup) -> list[tuple[str, str, int, int]]:
    rows = page.select(".mentions-table tbody tr")
    return [(r.time["datetime"], r.time.text, int(r.select("td")[0].text), int(r.select("td")[1].text)) for r in rows]


def test_the_topics_list_links_each_term_said_with_how_many_moments(client, archive):
    items = soup(client, "/topics/").select(".topic-list li")
    assert [(li.a.text, li.a["href"], li.select_one(".meta").text) for li in items] == [
        ("NIS2", "/topics/nis2/", "5 moments")
    ]
    assert client.get("/topics/unknown/").status_code == 404


def test_a_topic_charts_every_month_of_the_archive_and_tables_the_months_it_is_said(client, archive):
    page = soup(client, "/topics/nis2/")
    assert table(page) == [("2025-01", "janvier 2025", 3, 1), ("2025-03", "mars 2025", 2, 2)]
    assert chart(page) == [("2024-12", 0), ("2025-01", 3), ("2025-02", 0), ("2025-03", 2)]
    assert [t.text for t in page.select("svg.mentions-bars text.chart-month")] == [
        "déc. 2024",
        "jan. 2025",
        "fév. 2025",
        "mars 2025",
    ]
    assert page.select_one(".chart-most").text == "3 moments par mois"
    assert (
        " ".join(page.figcaption.text.split())
        == "Moments par mois. Dit dans 3 épisodes, entre janvier 2025 et mars 2025."
    )


def test_a_topic_ranks_who_says_it_and_who_hears_it_with_links_to_their_pages(client, archive):
    page = soup(client, "/topics/nis2/")
    said = [(li.a.text, li.a["href"], li.select_one(".meta").text) for li in page.select(".speakers li")]
    assert said == [
        ("Marc Kaplan", "/people/marc-kaplan/", "2 moments"),
        ("Ana Lopez", "/people/ana-lopez/", "1 moment"),
        ("Paul Durand", "/people/paul-durand/", "1 moment"),
    ]
    heard = [(li.a.text, " ".join(li.select_one(".meta").text.split())) for li in page.select(".hearers li")]
    assert heard == [
        ("Paul Durand", "5 moments dans 3 épisodes"),
        ("Ana Lopez", "3 moments dans 1 épisode"),
        ("Marc Kaplan", "3 moments dans 1 épisode"),
    ]


def test_a_topic_shows_every_moment_as_the_results_do_leading_to_the_search(client, archive):
    page = soup(client, "/topics/nis2/")
    groups = page.select("section.result")
    assert sorted(g.h3.a.text for g in groups) == [
        f"Cyber Hebdo du {day}" for day in ("2025-01-15", "2025-03-10", "2025-03-20")
    ]
    assert sum(len(g.select(".moments > li")) for g in groups) == 5
    assert "« Nice 2 »" in page.select_one(".variant").text
    assert page.select_one(".count a")["href"] == "/search/?q=%22NIS2%22"


def test_the_results_strip_counts_as_the_topic_does_within_the_dates_asked(client, archive):
    page = soup(client, "/search/", q="NIS2")
    assert chart(page, "svg.strip") == chart(soup(client, "/topics/nis2/"))
    summary = page.select_one(".mentions-summary")
    assert summary.text.startswith("Dit dans 3 épisodes, entre janvier 2025 et mars 2025.")
    assert summary.a["href"] == "/topics/nis2/"
    assert summary.a.text == "«\u00a0NIS2\u00a0» au fil des mois, et qui en parle"
    narrowed = soup(client, "/search/", q="NIS2", **{"from": "2025-02-01"})
    assert chart(narrowed, "svg.strip") == [("2025-02", 0), ("2025-03", 2)]


def test_a_search_cut_short_says_the_strip_counts_what_it_found(client, archive, monkeypatch):
    real = moments.engine()

    class CutShort:
        def __getattr__(self, name):
            return getattr(real, name)

        def find(self, *args, **kwargs):
            results = real.find(*args, **kwargs)
            results.timed_out = True
            return results

    monkeypatch.setattr(moments, "engine", CutShort)
    summary = soup(client, "/search/", q="NIS2").select_one(".mentions-summary").text
    assert (
        "Dit dans 3 épisodes" in summary
        and "limite de temps\u00a0: ces chiffres comptent ce qu’elle avait trouvé" in summary
    )


def test_drafts_words_people_and_shows_never_appear(client, archive):
    for url, params in [("/topics/", {}), ("/topics/nis2/", {}), ("/search/", {"q": "NIS2"})]:
        text = soup(client, url, **params).text
        assert "Secret" not in text and "secrète" not in text and "Zorglub" not in text and "mai 2025" not in text
    assert client.get("/topics/zorglub/").status_code == 404


def test_a_topic_page_keeps_to_the_time_limit_and_says_so(client, archive, monkeypatch):
    """The chart, the speakers and the hearers share the search's time limit (a common word's
    topic page took up to 1.8 s); here it has passed before the first step."""
    monkeypatch.setattr(moments, "ENGINE_TIME_LIMIT_SECONDS", -1.0)
    page = soup(client, "/topics/nis2/")
    assert "Cette recherche a pris trop de temps" in page.select_one(".notice").text


def test_each_month_said_on_the_chart_links_to_its_moments_and_names_its_value(client, archive):
    page = soup(client, "/topics/nis2/")
    links = page.select("svg.mentions-bars a")
    assert [link["aria-label"] for link in links] == ["janvier 2025\u00a0: 3 moments", "mars 2025\u00a0: 2 moments"]
    assert [link.title.text for link in links] == [link["aria-label"] for link in links]
    assert [link.select_one("text.bar-value").text for link in links] == [link["aria-label"] for link in links]
    month = soup(client, links[0]["href"])
    assert month.select_one("#id_from")["value"] == "2025-01-01" and month.select_one("#id_to")["value"] == "2025-01-31"
    assert [int(bar["data-moments"]) for bar in month.select("svg.mentions-bars rect.bar")] == [3]


def test_counts_are_written_with_the_languages_thousands_separator(client, db, settings):
    from django.template import Context, Template

    template = Template("{% include 'search/moment_count.html' %}")
    found = type("Found", (), {"count": 7048, "count_is_exact": True, "timed_out": False})()
    assert template.render(Context({"found": found})) == "7\u00a0048 moments"
    settings.LANGUAGE_CODE = "en"
    from django.utils import translation

    with translation.override("en"):
        assert template.render(Context({"found": found})) == "7,048 moments"
