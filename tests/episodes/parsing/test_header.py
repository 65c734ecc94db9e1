import datetime

from episodes.parsing import header
from episodes.parsing.types import Role


def test_it_reads_guests_separated_by_commas_and_et():
    text = "Avec Ana Lopez (CEO, Acme), Jean-Marc de La Tour (chercheur) et Zoé Kim (CTO, Foo, Bar) dans TECH 24."
    assert [(p.name, p.title, p.organisation) for p in header.guests(text)] == [
        ("Ana Lopez", "CEO", "Acme"),
        ("Jean-Marc de La Tour", "chercheur", ""),
        ("Zoé Kim", "CTO, Foo", "Bar"),
    ]


def test_it_reads_the_show_and_the_host_outside_parentheses():
    text = "Retrouvez Ana (directrice, dans le cloud) dans L'HEURE TECH, une émission présentée par Paul Durand."
    assert header.show_name(text) == "L'HEURE TECH"
    host = header.host(text)
    assert (host.name, host.role) == ("Paul Durand", Role.HOST)
    assert [p.name for p in header.guests(text)] == ["Ana"]


def test_it_reads_dates_from_the_date_line_and_from_file_names():
    assert header.parse_date_line("- 19/06/2025") == datetime.date(2025, 6, 19)
    assert header.parse_date_line("- 31/02/2025") is None
    assert header.parse_date_line("Catégorie") is None
    assert header.date_from_filename("smart-tech-2025-06-19") == datetime.date(2025, 6, 19)
    assert header.date_from_filename("episode-12") is None
