"""One call for each thing a test needs: an episode with its lines (and its show), a show, a person.

Episodes are made through `import_transcript`, the service the admin and the command line use, so
that a test reads what a user's import would have written, asked of the search engine as usual.

    episode = make_episode("Le quantique arrive.", ("Marc Kaplan", "Et NIS2 ?"), show="Podcast Cyber")
    draft = make_episode(data=SRT, published=False)
"""

import datetime

from django.utils.text import slugify

from episodes.models import Appearance, Episode, Person, Show
from episodes.services import find_or_create_person, import_transcript

DAY = datetime.date(2025, 1, 6)
SECONDS_APART = 4

Said = str | tuple[str, str]  # a line's text, or (speaker, text)


def webvtt(*lines: Said, start: int = 1) -> bytes:
    """A WebVTT file of these lines, said SECONDS_APART from `start` seconds, with their speakers."""
    cues = []
    for n, line in enumerate(lines):
        speaker, text = line if isinstance(line, tuple) else ("", line)
        begin, end = start + n * SECONDS_APART, start + (n + 1) * SECONDS_APART
        voice = f"<v {speaker}>" if speaker else ""
        cues.append(f"{_clock(begin)} --> {_clock(end)}\n{voice}{text}\n")
    return ("WEBVTT\n\n" + "\n".join(cues)).encode()


def make_episode(
    *lines: Said,
    data: bytes | None = None,
    filename: str = "episode.txt",
    show: str = "Podcast Cyber",
    title: str = "",
    air_date: datetime.date | None = DAY,
    published: bool = True,
    **fields,
) -> Episode:
    """An episode of these lines (see `webvtt`), or of a transcript file's bytes, imported and
    published (or a draft). An episode of the same show, date and title is replaced, as on import."""
    if data is None:
        data = webvtt(*lines)
    elif lines:
        raise TypeError("make_episode takes lines or data, not both")
    if not title and air_date:
        title = f"{show} du {air_date}"
    return import_transcript(
        data=data, filename=filename, show=show, title=title, air_date=air_date, published=published, **fields
    ).episode


def make_show(name: str = "Podcast Cyber", **fields) -> Show:
    """A show with no episode yet (shows are otherwise made by the first import that names them)."""
    return Show.objects.create(name=name, slug=slugify(name), **fields)


def make_person(name: str, *, on: Episode | None = None, role: str = "guest", **fields) -> Person:
    """A person, as an import makes them, and their appearance on an episode when one is given."""
    person = find_or_create_person(name)
    if fields:
        Person.objects.filter(pk=person.pk).update(**fields)
        person.refresh_from_db()
    if on is not None:
        order = on.appearances.count()
        Appearance.objects.create(episode=on, person=person, role=role, order=order)
    return person


def _clock(seconds: int) -> str:
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.000"
