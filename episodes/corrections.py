"""Listeners' corrections: proposed by anyone for one line, public only once staff accept them.

A proposal is cleaned as a staff edit is (episodes.services.edit_segment checks it again when
it is accepted), and limited per sender: a keyed hash of their address, counted in the
database so that every server of a deployment counts the same proposals.
"""

import difflib
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from episodes.models import Correction, CorrectionStatus, Episode, Segment
from episodes.parsing.limits import MAX_LINES, MAX_MS
from episodes.parsing.types import N_, Quantity, TranscriptError, TranslatableError
from episodes.services import EditError, edit_segment, line_text
from search.models import GlossaryEntry

# A line is a sentence or a few: a proposal longer than this is not a correction of it.
MAX_CORRECTION_CHARS = 1000
# A glossary spelling is a word or a name, not a sentence.
MAX_FORM_WORDS = 4
WORD = re.compile(r"\w[\w'’-]*", re.UNICODE)


class CorrectionError(TranslatableError):
    """A proposal or a review refused; the message says why (episodes.messages.translated)."""


class TooManyCorrections(CorrectionError):
    """The sender reached the per-hour limit."""


@dataclass(frozen=True)
class DiffPart:
    """A run of words of the old and new text: the same, removed, added, or one replacing the other."""

    kind: str  # "same", "removed", "added" or "replaced"
    old: str
    new: str


def sender_key(address: str) -> str:
    """The address as stored: a keyed hash, enough to count a sender's proposals and no more."""
    return hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()


def line_asked(episode: Episode, second: object, nth: object = None) -> Segment | None:
    """The line a link or form names (`t=32&n=2`: the second line said in second 32, as the page's
    `t-32-2` id counts them); else the line being said at that second; else the first line."""
    try:
        second, nth = min(max(int(second or 0), 0), MAX_MS // 1000), min(max(int(nth or 1), 1), MAX_LINES)
    except (TypeError, ValueError):
        second, nth = 0, 1
    lines = episode.segments.order_by("position")
    in_second = lines.filter(start_ms__gte=second * 1000, start_ms__lt=(second + 1) * 1000)
    return (
        in_second[nth - 1 : nth].first()
        or lines.filter(start_ms__lte=second * 1000).order_by("-position").first()
        or lines.first()
    )


def line_place(segment: Segment) -> tuple[int, int]:
    """The line's second, and its order among the lines said in that second (1 for the first)."""
    second = segment.start_seconds
    earlier = Segment.objects.filter(
        episode_id=segment.episode_id, start_ms__gte=second * 1000, position__lt=segment.position
    )
    return second, 1 + earlier.count()


def lines_around(episode: Episode, segment: Segment | None, start_ms: int, count: int = 2) -> tuple[list, list]:
    """The `count` lines before and after a line, for a listener and a reviewer to read it in
    context; around its time when the line is gone."""
    lines = episode.segments.order_by("position")
    if segment is not None:
        before, after = lines.filter(position__lt=segment.position), lines.filter(position__gt=segment.position)
    else:
        before, after = lines.filter(start_ms__lt=start_ms), lines.filter(start_ms__gt=start_ms)
    return list(before.reverse()[:count])[::-1], list(after[:count])


def cleaned_text(text: str) -> str:
    """The proposal as a staff edit would store it, or a CorrectionError saying why not."""
    try:
        text = line_text(text)
    except TranscriptError as error:
        raise CorrectionError(error.template, **error.params) from None
    if not text:
        raise CorrectionError(N_("write the line as it should read"))
    if len(text) > MAX_CORRECTION_CHARS:
        raise CorrectionError(
            N_("too long: %(length)s characters (at most %(max)s for one line)"),
            length=Quantity(len(text)),
            max=Quantity(MAX_CORRECTION_CHARS),
        )
    return text


@transaction.atomic
def propose_correction(*, segment: Segment, text: str, address: str) -> Correction:
    """Record a listener's text for `segment`; nothing public changes."""
    text = cleaned_text(text)
    if text == segment.text:
        raise CorrectionError(N_("this is the line as it already reads: change what is wrong in it"))
    sender = sender_key(address)
    mine = Correction.objects.filter(sender=sender)
    if mine.proposed().filter(segment=segment, text=text).exists():
        raise CorrectionError(N_("you already proposed this correction; it awaits review"))
    limit = settings.ARCHIVE_CORRECTIONS_PER_HOUR
    if mine.filter(proposed_at__gte=timezone.now() - timedelta(hours=1)).count() >= limit:
        raise TooManyCorrections(N_("at most %(limit)s proposals an hour: please try again later"), limit=limit)
    return Correction.objects.create(
        episode_id=segment.episode_id,
        segment=segment,
        start_ms=segment.start_ms,
        speaker=segment.speaker,
        original=segment.text,
        text=text,
        sender=sender,
    )


@transaction.atomic
def accept_correction(*, correction: Correction, user) -> Segment:
    """Put the proposed text in the line, through the staff editor's own service (reindexed)."""
    correction = _for_review(correction)
    segment = Segment.objects.select_for_update().filter(pk=correction.segment_id).first()
    if segment is None:
        raise CorrectionError(N_("the line is no longer in the transcript"))
    if segment.text != correction.original:
        raise CorrectionError(N_("the line changed since it was proposed: correct it in the transcript editor"))
    try:
        segment = edit_segment(segment=segment, text=correction.text, speaker=segment.speaker)
    except EditError as error:
        raise CorrectionError(error.template, **error.params) from None
    _reviewed(correction, CorrectionStatus.ACCEPTED, user)
    return segment


@transaction.atomic
def reject_correction(*, correction: Correction, user) -> None:
    """Keep the proposal, marked rejected: the line is left as it is."""
    _reviewed(_for_review(correction), CorrectionStatus.REJECTED, user)


def _for_review(correction: Correction) -> Correction:
    correction = Correction.objects.select_for_update().get(pk=correction.pk)
    if correction.status != CorrectionStatus.PROPOSED:
        raise CorrectionError(N_("this proposal was already reviewed"))
    return correction


def _reviewed(correction: Correction, status: str, user) -> None:
    correction.status, correction.reviewed_at, correction.reviewed_by = status, timezone.now(), user
    correction.save(update_fields=["status", "reviewed_at", "reviewed_by"])


def word_diff(old: str, new: str) -> list[DiffPart]:
    """The two texts as runs of words kept, removed, added or replaced, in order."""
    before, after = old.split(), new.split()
    parts = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        kind = {"equal": "same", "delete": "removed", "insert": "added", "replace": "replaced"}[tag]
        parts.append(DiffPart(kind, " ".join(before[i1:i2]), " ".join(after[j1:j2])))
    return parts


def replaced_form(old: str, new: str) -> tuple[str, str] | None:
    """`("Nice 2", "NIS2")` when the only change is a few words written another way, so that the
    new spelling can join the glossary with the old one as its variant; else None."""
    changed = [part for part in word_diff(old, new) if part.kind != "same"]
    if len(changed) != 1 or changed[0].kind != "replaced":
        return None
    heard, meant = (_bare(text) for text in (changed[0].old, changed[0].new))
    if not heard or not meant or heard.casefold() == meant.casefold():
        return None
    if max(len(heard.split()), len(meant.split())) > MAX_FORM_WORDS:
        return None
    return heard, meant


def _bare(text: str) -> str:
    """The words without the punctuation around them (« Nice 2, » is the form « Nice 2 »)."""
    words = WORD.findall(text)
    return " ".join(words)


def glossary_has(heard: str, meant: str) -> bool:
    """Whether the glossary already searches `heard` as a spelling of `meant`."""
    return _spells(GlossaryEntry.objects.filter(term__iexact=meant).first(), heard)


def _spells(entry: GlossaryEntry | None, heard: str) -> bool:
    return entry is not None and heard.casefold() in {form.casefold() for form in entry.forms()}


@transaction.atomic
def add_to_glossary(correction: Correction) -> tuple[GlossaryEntry, str, str]:
    """The accepted correction's new spelling as a glossary term, its old one a variant."""
    if correction.status != CorrectionStatus.ACCEPTED:
        raise CorrectionError(N_("only an accepted correction can teach the glossary"))
    forms = replaced_form(correction.original, correction.text)
    if forms is None:
        raise CorrectionError(N_("this correction does not replace one spelling by another"))
    heard, meant = forms
    entry = GlossaryEntry.objects.select_for_update().filter(term__iexact=meant).first()
    if entry is None:
        entry = GlossaryEntry.objects.create(term=meant, variants=heard)
    elif not _spells(entry, heard):
        entry.variants = "\n".join([*entry.variant_list(), heard])
        entry.save(update_fields=["variants"])
    return entry, heard, meant
