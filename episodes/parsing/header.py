"""Who and what an episode is about, read from the show page's description.

The sample's description reads:
    Jeudi 19 juin 2025, retrouvez Louis Soris (avocat et fondateur, cabinet
    Soris Avocats), Marc Kaplan (...) et Alain Staron (...) dans SMART TECH,
    une émission présentée par Delphine Sabattier.
"""

import datetime
import re

from episodes.parsing.types import ParsedPerson, Role

DATE_LINE = re.compile(r"-?\s*(\d{1,2})/(\d{1,2})/(\d{4})")
FILE_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
PERSON = re.compile(r"(?P<before>[^()]*?)\((?P<about>[^()]*)\)")
# What stands between two guests, or before the first one.
PERSON_SEPARATOR = re.compile(r",|\bet\b|\bavec\b|\bretrouvez\b|\bre(?:çoit|coit)\b|:", re.I)
SHOW = re.compile(r"\bdans\s+(?:l'émission\s+)?(?P<show>[^,.;()]+?)\s*(?:[,.;]|$)", re.I)
HOST = re.compile(r"\bprésenté(?:e)?\s+par\s+(?P<host>[^,.;()]+?)\s*(?:[,.;]|$)", re.I)

MONTHS_FR = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


def parse_date_line(line: str) -> datetime.date | None:
    """The air date of a `- DD/MM/YYYY` line, or None when the line is not one."""
    match = DATE_LINE.fullmatch(line.strip())
    if not match:
        return None
    day, month, year = (int(part) for part in match.groups())
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def date_from_filename(filename: str) -> datetime.date | None:
    """`smart-tech-2025-06-19.srt` -> 2025-06-19; None when no valid date is in the name."""
    for match in FILE_DATE.finditer(filename):
        try:
            return datetime.date(*(int(part) for part in match.groups()))
        except ValueError:
            continue
    return None


def french_date(day: datetime.date) -> str:
    """`19 juin 2025`, `1er août 2025`: the show's titles are French whatever the reader's language."""
    return f"{'1er' if day.day == 1 else day.day} {MONTHS_FR[day.month - 1]} {day.year}"


def guests(description: str) -> list[ParsedPerson]:
    """Each `Name (title, organisation)` of the description, in order."""
    people = []
    for match in PERSON.finditer(_before_show(description)):
        name = _clean_name(PERSON_SEPARATOR.split(match["before"])[-1])
        if not name:
            continue
        title, organisation = _title_and_organisation(match["about"])
        people.append(ParsedPerson(name=name, role=Role.GUEST, title=title, organisation=organisation))
    return people


def show_name(description: str) -> str:
    match = SHOW.search(_outside_parentheses(description))
    return match["show"].strip() if match else ""


def host(description: str) -> ParsedPerson | None:
    match = HOST.search(_outside_parentheses(description))
    if not match:
        return None
    return ParsedPerson(name=_clean_name(match["host"]), role=Role.HOST)


def _before_show(description: str) -> str:
    """The part that lists guests: a parenthesis after the show names no guest."""
    match = SHOW.search(_outside_parentheses(description))
    return description[: match.start()] if match else description


def _outside_parentheses(text: str) -> str:
    # Same length as the input, so positions found in it hold in the original.
    return re.sub(r"\([^()]*\)", lambda m: " " * len(m[0]), text)


def _clean_name(text: str) -> str:
    return " ".join(text.split()).strip(" -–—")


def _title_and_organisation(about: str) -> tuple[str, str]:
    title, _, organisation = about.rpartition(",")
    if not title:
        return about.strip(), ""
    return title.strip(), organisation.strip()
