import hashlib
import unicodedata
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, NamedTuple

from django.conf import settings
from django.db import models
from django.db.models import Count, F, OuterRef, Subquery, Window
from django.db.models.functions import Coalesce, Lead
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from episodes.exports import ExportLine
from episodes.parsing.timestamps import format_timestamp
from episodes.parsing.types import Role, TranscriptFormat

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

# What staff read for each format (the parsing package stays free of Django and its translations).
FORMAT_LABELS = {
    TranscriptFormat.SHOW_PAGE: _("Show page (text)"),
    TranscriptFormat.WEB_PAGE: _("Web page (HTML)"),
    TranscriptFormat.SRT: _("SRT"),
    TranscriptFormat.WEBVTT: _("WebVTT"),
    TranscriptFormat.PODCAST_JSON: _("Podcasting 2.0 JSON"),
    TranscriptFormat.BRACKETED: _("[HH:MM:SS] lines"),
}


def name_key(name: str) -> str:
    """How two spellings of a name compare: no case, no accents, single spaces."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(letters.replace("-", " ").split())


class StartsAt:
    """What shows a line, a chapter or a proposal by its start: `21:49`, and second 1309 (`?t=`)."""

    __slots__ = ()
    start_ms: int

    @property
    def timestamp(self) -> str:
        return format_timestamp(self.start_ms)

    @property
    def start_seconds(self) -> int:
        return self.start_ms // 1000


class ShowQuerySet(models.QuerySet):
    def on_air(self) -> "ShowQuerySet":
        """Shows with at least one published episode: the only ones visitors may learn of."""
        return self.filter(models.Exists(Episode.objects.published().filter(show=models.OuterRef("pk"))))

    def visible_to(self, user: "AbstractBaseUser | AnonymousUser") -> "ShowQuerySet":
        return self if user.is_staff else self.on_air()


class ShowKind(models.TextChoices):
    """What a show is on air: it names its episodes for search engines (schema.org's types)."""

    PODCAST = "podcast", _("podcast")
    TV = "tv", _("television")
    RADIO = "radio", _("radio")


class Show(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    kind = models.CharField(
        _("kind"),
        max_length=10,
        choices=ShowKind.choices,
        default=ShowKind.PODCAST,
        help_text=_("How search engines and link previews present its episodes."),
    )

    objects = ShowQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("show")
        verbose_name_plural = _("shows")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("episodes:show", args=[self.slug])


class EpisodeQuerySet(models.QuerySet):
    def published(self) -> "EpisodeQuerySet":
        return self.filter(is_published=True)

    def with_listener_corrections(self) -> "EpisodeQuerySet":
        """Each episode with `corrected_by_listeners`: how many of its lines accepted corrections
        changed (a line corrected twice counts once), in the episode's own query."""
        accepted = Correction.objects.accepted().filter(episode=OuterRef("pk")).order_by().values("episode")
        lines = accepted.annotate(lines=Count("start_ms", distinct=True)).values("lines")
        return self.annotate(corrected_by_listeners=Coalesce(Subquery(lines), 0))


class Episode(models.Model):
    show = models.ForeignKey(Show, models.PROTECT, related_name="episodes", verbose_name=_("show"))
    title = models.CharField(_("title"), max_length=300)
    # Set once at creation: shared links to moments must keep working.
    slug = models.SlugField(_("slug"), max_length=320, unique=True)
    air_date = models.DateField(_("air date"), db_index=True)
    description = models.TextField(_("description"), blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    media_url = models.URLField(
        _("media URL"),
        max_length=1000,
        blank=True,
        help_text=_("An audio or video file, or a YouTube, Dailymotion or Vimeo page."),
    )
    # The broadcaster's page for the episode, offered when there is nothing to play here.
    source_url = models.URLField(
        _("original page"),
        max_length=1000,
        blank=True,
        help_text=_("The episode's page on the broadcaster's site."),
    )
    is_published = models.BooleanField(_("published"), default=False, db_index=True)
    # Tells an unpublished episode (once public) from a draft (never public).
    first_published_at = models.DateTimeField(_("first published"), null=True, blank=True, editable=False)
    source_file = models.FileField(_("original file"), upload_to="transcripts/%Y/%m/", blank=True)
    source_format = models.CharField(
        _("original format"), max_length=20, choices=list(FORMAT_LABELS.items()), blank=True
    )
    source_sha256 = models.CharField(_("original file SHA-256"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = EpisodeQuerySet.as_manager()

    class Meta:
        ordering = ["-air_date", "title"]
        verbose_name = _("episode")
        verbose_name_plural = _("episodes")
        constraints = [
            # A re-import of the same show, day and title replaces the transcript in place.
            models.UniqueConstraint(fields=["show", "air_date", "title"], name="episode_identity"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        if self.is_published and not self.first_published_at:
            self.first_published_at = timezone.now()
            if kwargs.get("update_fields"):
                kwargs["update_fields"] = [*kwargs["update_fields"], "first_published_at"]
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("episodes:detail", args=[self.slug])

    def export_lines(self) -> Iterator[ExportLine]:
        """The current transcript (after staff corrections), line by line, as the exports write it."""
        rows = self.segments.order_by("position").values_list("start_ms", "end_ms", "text", "speaker")
        for start_ms, end_ms, text, speaker in rows.iterator():
            # A line's end before its start cannot be written in JSON; such a line lasts no time.
            yield ExportLine(start_ms, max(end_ms, start_ms), text, speaker)

    def moment_url(self, start_ms: int) -> str:
        return f"{self.get_absolute_url()}?t={start_ms // 1000}"

    @property
    def duration(self) -> str:
        return format_timestamp(self.duration_ms)

    @property
    def status(self) -> str:
        if self.is_published:
            return _("published")
        return _("unpublished") if self.first_published_at else _("draft")


class PersonQuerySet(models.QuerySet):
    def on_air(self) -> "PersonQuerySet":
        """People in at least one published episode, with how many (`episode_count`)."""
        published = models.Q(appearances__episode__is_published=True)
        return self.annotate(
            episode_count=models.Count("appearances__episode", filter=published, distinct=True)
        ).filter(episode_count__gt=0)

    def matching(self, name: str) -> "Person | None":
        """The person known by this name or one of their other spellings."""
        return self.speaking_as([name]).get(name)

    def speaking_as(self, names: Iterable[str]) -> dict[str, "Person"]:
        """The person each of these names stands for (by name, else by another spelling): the
        speakers of lines, the people of an imported file."""
        names = list(names)
        keys = {name_key(name) for name in names if name}
        if not keys:
            return {}
        return people_speaking_as(self.filter(models.Q(name_key__in=keys) | ~models.Q(other_spellings="")), names)


def people_speaking_as(people: Iterable["Person"], names: Iterable[str]) -> dict[str, "Person"]:
    """The person among `people` each of these names stands for (`PersonQuerySet.speaking_as`),
    for a page that has read them already."""
    keys = {name: name_key(name) for name in names if name}
    people = [person for person in people if person.name_key in keys.values() or person.other_spellings]
    # A name first, in the people's order; another's spelling only for a name nobody has.
    by_key: dict[str, Person] = {}
    for person in people:
        by_key.setdefault(person.name_key, person)
    for person in people:
        for key in person.spelling_keys():
            by_key.setdefault(key, person)
    return {name: by_key[key] for name, key in keys.items() if key in by_key}


class Person(models.Model):
    name = models.CharField(_("name"), max_length=200)
    name_key = models.CharField(max_length=200, db_index=True, editable=False)
    slug = models.SlugField(_("slug"), max_length=220, unique=True)
    other_spellings = models.TextField(
        _("other spellings"),
        blank=True,
        help_text=_("One per line: how transcripts misspell the name (“Dorothée Décrope”)."),
    )

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.name_key = name_key(self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("episodes:person", args=[self.slug])

    def spellings(self) -> list[str]:
        return [line.strip() for line in self.other_spellings.splitlines() if line.strip()]

    def spelling_keys(self) -> set[str]:
        return {name_key(spelling) for spelling in self.spellings()}

    def participations(self) -> list["Participation"]:
        """The published episodes this person is in, newest first: named in the description (as
        host or guest, with that episode's title), or speaking in its transcript only."""
        appearances = self.appearances.published().select_related("episode__show")
        found = [Participation(a.episode, a.get_role_display(), a.title, a.organisation) for a in appearances]
        named_in = {a.episode_id for a in appearances}
        speaking = Segment.objects.spoken_by(self).published().order_by().values("episode")
        spoken_only = Episode.objects.filter(pk__in=speaking).exclude(pk__in=named_in).select_related("show")
        found += [Participation(episode, _("speaking"), "", "") for episode in spoken_only]
        return sorted(found, key=lambda found: (found.episode.air_date, found.episode.pk), reverse=True)


class Participation(NamedTuple):
    episode: Episode
    role: str
    title: str
    organisation: str


class AppearanceQuerySet(models.QuerySet):
    def published(self) -> "AppearanceQuerySet":
        """The appearances in published episodes."""
        return self.filter(episode__is_published=True)


class Appearance(models.Model):
    episode = models.ForeignKey(Episode, models.CASCADE, related_name="appearances", verbose_name=_("episode"))
    person = models.ForeignKey(Person, models.PROTECT, related_name="appearances", verbose_name=_("person"))
    role = models.CharField(
        _("role"), max_length=10, choices=[(Role.HOST.value, _("host")), (Role.GUEST.value, _("guest"))]
    )
    title = models.CharField(_("title"), max_length=200, blank=True, help_text=_("As stated in this episode."))
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = AppearanceQuerySet.as_manager()

    class Meta:
        ordering = ["episode", "order"]
        verbose_name = _("appearance")
        verbose_name_plural = _("appearances")
        constraints = [models.UniqueConstraint(fields=["episode", "person", "role"], name="one_role_per_episode")]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_role_display()})"


class SegmentQuerySet(models.QuerySet):
    def published(self) -> "SegmentQuerySet":
        return self.filter(episode__is_published=True)

    def with_next_text(self) -> "SegmentQuerySet":
        """Each line knowing the text of the one after it in its episode (`next_text`, None for
        the last): a search engine's moment holds the next line's first words, for phrases."""
        return self.annotate(
            next_text=Window(Lead("text"), partition_by=[F("episode_id")], order_by=F("position").asc())
        )

    def spoken_by(self, person: "Person") -> "SegmentQuerySet":
        """The lines this person speaks, as the file names the speaker: their name or one of
        their other spellings, compared as `name_key` does (in Python: no database folds accents
        the same way; the distinct speaker names are few)."""
        keys = {person.name_key, *person.spelling_keys()}
        said = self.exclude(speaker="").order_by().values_list("speaker", flat=True).distinct()
        return self.filter(speaker__in=[name for name in said if name_key(name) in keys])


class Segment(StartsAt, models.Model):
    episode = models.ForeignKey(Episode, models.CASCADE, related_name="segments", verbose_name=_("episode"))
    position = models.PositiveIntegerField(_("position"))
    start_ms = models.PositiveIntegerField(_("start (ms)"))
    end_ms = models.PositiveIntegerField(_("end (ms)"))
    text = models.TextField(_("text"))
    speaker = models.CharField(_("speaker"), max_length=200, blank=True)

    objects = SegmentQuerySet.as_manager()

    class Meta:
        ordering = ["episode", "position"]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        indexes = [
            models.Index(fields=["episode", "start_ms"], name="segment_episode_start"),
            # "Said by": the distinct speaker names, then their lines.
            models.Index(fields=["speaker"], name="segment_speaker"),
        ]
        constraints = [models.UniqueConstraint(fields=["episode", "position"], name="segment_position")]

    def __str__(self) -> str:
        return f"{self.timestamp} {self.text[:60]}"

    def get_absolute_url(self) -> str:
        return self.episode.moment_url(self.start_ms)

    @property
    def version(self) -> str:
        """The line as a page shows it, in 16 characters: a form sent twice (a double click on
        « Fusionner ») finds the line changed by the first and is refused, not done again."""
        said = f"{self.start_ms}|{self.end_ms}|{self.speaker}|{self.text}"
        return hashlib.sha256(said.encode()).hexdigest()[:16]


class CorrectionStatus(models.TextChoices):
    PROPOSED = "proposed", _("proposed")
    ACCEPTED = "accepted", _("accepted")
    REJECTED = "rejected", _("rejected")


class CorrectionQuerySet(models.QuerySet):
    def proposed(self) -> "CorrectionQuerySet":
        return self.filter(status=CorrectionStatus.PROPOSED)

    def accepted(self) -> "CorrectionQuerySet":
        return self.filter(status=CorrectionStatus.ACCEPTED)


class Correction(StartsAt, models.Model):
    """A listener's proposed text for one line, public only once staff accept it.

    The line's text and speaker as the listener saw them are kept: staff review against them,
    and a line changed since is not overwritten by an acceptance.
    """

    episode = models.ForeignKey(Episode, models.CASCADE, related_name="corrections", verbose_name=_("episode"))
    # Null once the line is gone (merged, or the transcript imported again).
    segment = models.ForeignKey(
        Segment, models.SET_NULL, null=True, blank=True, related_name="corrections", verbose_name=_("line")
    )
    start_ms = models.PositiveIntegerField(_("start (ms)"))
    speaker = models.CharField(_("speaker"), max_length=200, blank=True)
    original = models.TextField(_("text as shown"))
    text = models.TextField(_("proposed text"))
    status = models.CharField(
        _("status"), max_length=10, choices=CorrectionStatus.choices, default=CorrectionStatus.PROPOSED
    )
    proposed_at = models.DateTimeField(_("proposed"), default=timezone.now)
    # A keyed hash of the sender's address, for the per-address limit: never the address itself.
    sender = models.CharField(_("sender"), max_length=64, editable=False)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )

    objects = CorrectionQuerySet.as_manager()

    class Meta:
        ordering = ["-proposed_at"]
        verbose_name = _("proposed correction")
        verbose_name_plural = _("proposed corrections")
        indexes = [
            models.Index(fields=["sender", "proposed_at"], name="correction_sender"),
            models.Index(fields=["episode", "status"], name="correction_episode_status"),
            models.Index(fields=["status", "proposed_at"], name="correction_status"),
        ]

    def __str__(self) -> str:
        return f"{format_timestamp(self.start_ms)} {self.text[:60]}"


class Chapter(StartsAt, models.Model):
    """Where a part of an episode starts, and its title: suggested from the transcript
    (episodes/chapters.py) until staff edit them, then kept as staff left them."""

    episode = models.ForeignKey(Episode, models.CASCADE, related_name="chapters", verbose_name=_("episode"))
    start_ms = models.PositiveIntegerField(_("start (ms)"))
    title = models.CharField(_("title"), max_length=200)
    suggested = models.BooleanField(_("suggested"), default=True, editable=False)

    class Meta:
        ordering = ["episode", "start_ms"]
        verbose_name = _("chapter")
        verbose_name_plural = _("chapters")
        constraints = [models.UniqueConstraint(fields=["episode", "start_ms"], name="chapter_start")]

    def __str__(self) -> str:
        return f"{self.timestamp} {self.title}"

    def get_absolute_url(self) -> str:
        return f"{self.episode.moment_url(self.start_ms)}#t-{self.start_seconds}"
