"""The admin's import: upload one or many files, preview what was understood, confirm or cancel.

Confirming is all or nothing: every file ticked is stored in one transaction, or none is and
the preview comes back with the error on the file concerned, its upload still waiting.
"""

from dataclasses import dataclass, field

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, TooManyFieldsSent, TooManyFilesSent
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import defaults

from episodes.forms import (
    MAX_FILES,
    BaseConfirmFileFormSet,
    ConfirmFileForm,
    ConfirmFileFormSet,
    UploadForm,
    flag_missing,
)
from episodes.messages import located
from episodes.models import FORMAT_LABELS, Episode
from episodes.parsing import TranscriptError
from episodes.services import ImportResult, import_transcript
from episodes.uploads import (
    Pending,
    Preview,
    episode_identity,
    keep_pending,
    pending_from_token,
    people_from_rows,
    preview,
    same_episodes,
)


@dataclass
class FileBlock:
    """One file on the preview page: what was understood, and the form to correct it."""

    preview: Preview
    form: ConfirmFileForm | None = None
    # The other files of this upload that would be the same episode.
    same_as: list[str] = field(default_factory=list)

    @property
    def format_label(self) -> str:
        transcript = self.preview.transcript
        return FORMAT_LABELS[transcript.format] if transcript else ""


class FileFailed(Exception):
    """One file of a confirmed batch could not be stored; the whole batch is rolled back."""

    def __init__(self, form: ConfirmFileForm, message: str) -> None:
        super().__init__(message)
        self.form = form
        self.message = message


def import_view(model_admin: admin.ModelAdmin, request: HttpRequest) -> HttpResponse:
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    step = request.POST.get("step", "")
    if step == "cancel":
        return _cancel(request)
    if step == "confirm":
        return _confirm(model_admin, request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        return _upload(model_admin, request, form.cleaned_data)
    context = {"form": form, "title": _("Import transcripts"), "max_files": MAX_FILES}
    return _render(model_admin, request, "import.html", context)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 400 page, except for the import's own limits: there, say which and what to do.

    Django refuses too many files or fields while reading the request, before any view runs
    (CSRF checking reads it first), so this is the only place that can answer with a message.
    """
    if request.path != reverse("admin:episodes_episode_import") or not hasattr(request, "_messages"):
        return defaults.bad_request(request, exception)
    if isinstance(exception, TooManyFilesSent):
        message = _("At most %(count)d files can be sent at once: nothing was stored. Send them in several uploads.")
        messages.error(request, message % {"count": MAX_FILES})
        return redirect("admin:episodes_episode_import")
    if isinstance(exception, TooManyFieldsSent):
        message = _("The confirmation sent too many fields: nothing was stored. Upload fewer files at a time.")
        messages.error(request, message)
        return redirect("admin:episodes_episode_import")
    return defaults.bad_request(request, exception)


def _upload(model_admin: admin.ModelAdmin, request: HttpRequest, overrides: dict) -> HttpResponse:
    previews = [_preview_upload(upload, overrides) for upload in overrides["files"]]
    readable = [seen for seen in previews if seen.transcript]
    files = ConfirmFileFormSet(
        initial=[_initial(seen, overrides["media_url"]) for seen in readable],
        people=[_people_rows(seen) for seen in readable],
    )
    for form in files.forms:
        flag_missing(form)  # a show or date the file does not give is asked for now, at its field
    forms = iter(files.forms)
    blocks = [FileBlock(preview=seen, form=next(forms) if seen.transcript else None) for seen in previews]
    identities = [_identity(seen) for seen in previews]
    for block, others in zip(blocks, same_episodes(identities), strict=True):
        block.same_as = [previews[other].pending.filename for other in others]
    return _render_preview(model_admin, request, files, blocks)


def _preview_upload(upload: UploadedFile, overrides: dict) -> Preview:
    pending = keep_pending(upload.read(), upload.name)
    seen = preview(pending, show=overrides["show"], title=overrides["title"], air_date=overrides["air_date"])
    if not seen.transcript:
        pending.discard()  # a file that cannot be read has nothing to confirm
    return seen


def _initial(seen: Preview, media_url: str) -> dict:
    transcript = seen.transcript
    return {
        "token": seen.pending.token,
        "include": True,
        "show": transcript.show,
        "title": transcript.title,
        "air_date": transcript.air_date,
        "media_url": media_url,
        "state": "published",
    }


def _people_rows(seen: Preview) -> list[dict]:
    return [
        {"name": p.name, "role": p.role.value, "title": p.title, "organisation": p.organisation}
        for p in seen.transcript.people
    ]


def _identity(seen: Preview) -> tuple | None:
    transcript = seen.transcript
    return episode_identity(transcript.show, transcript.air_date, transcript.title) if transcript else None


def _confirm(model_admin: admin.ModelAdmin, request: HttpRequest) -> HttpResponse:
    files = ConfirmFileFormSet(request.POST)
    problems = _form_problems(files)
    if problems:
        message = _("The confirmation form was incomplete or altered (%(problems)s): nothing was stored.")
        messages.error(request, message % {"problems": " ".join(problems)})
        return redirect("admin:episodes_episode_import")
    pendings = [form.pending for form in files.forms]
    gone = [pending for pending in pendings if not pending.exists()]
    if gone:
        return _already_done(request, gone)
    if not files.is_valid():
        return _render_preview(model_admin, request, files, _blocks(files))
    chosen = [form for form in files.forms if form.cleaned_data["include"]]
    try:
        results = _import_all(model_admin, request, chosen)
    except FileFailed as failure:
        failure.form.add_error(None, failure.message)
        note = _("Nothing was stored: %(file)s could not be imported. Untick it to import the other files.")
        note %= {"file": failure.form.pending.filename}
        return _render_preview(model_admin, request, files, _blocks(files), note=note)
    for pending in pendings:
        pending.discard()
    return _done(request, results)


def _form_problems(files: BaseConfirmFileFormSet) -> list[str]:
    """What is wrong with the page's hidden bookkeeping; a browser never sends such a form."""
    if not files.management_form.is_valid():
        return list(files.non_form_errors())
    total = files.management_form.cleaned_data["TOTAL_FORMS"]
    if not 1 <= total <= MAX_FILES:
        message = _("%(field)s must be between 1 and %(max)d.")
        return [message % {"field": files.management_form.add_prefix("TOTAL_FORMS"), "max": MAX_FILES}]
    problems = []
    for form in files.forms:
        if not form.people.management_form.is_valid():
            problems += form.people.non_form_errors()
        # A forged or expired token names no file to show again.
        problems += [f"{form.add_prefix('token')}: {error}" for error in form.errors.get("token", [])]
    return problems


def _already_done(request: HttpRequest, gone: list[Pending]) -> HttpResponse:
    """A second confirm (back button, double click): its uploads were imported or cancelled."""
    for pending in gone:
        episode = Episode.objects.filter(source_sha256=pending.sha256).order_by("-updated_at").first()
        if episode:
            message = _("Already imported: %(file)s (%(episode)s); nothing was imported again.")
            messages.warning(request, message % {"file": pending.filename, "episode": episode})
        else:
            message = _(
                "No longer waiting: %(file)s (imported, cancelled, or uploaded over a day ago); upload it again."
            )
            messages.error(request, message % {"file": pending.filename})
    return redirect("admin:episodes_episode_changelist")


def _blocks(files: BaseConfirmFileFormSet) -> list[FileBlock]:
    """The preview again, for a confirm that was refused, from what staff sent."""
    blocks = []
    for form in files.forms:
        data = form.cleaned_data
        seen = preview(
            form.pending, show=data.get("show", ""), title=data.get("title", ""), air_date=data.get("air_date")
        )
        blocks.append(FileBlock(preview=seen, form=form))
    return blocks


def _import_all(
    model_admin: admin.ModelAdmin, request: HttpRequest, forms: list[ConfirmFileForm]
) -> list[tuple[Episode, str, int]]:
    """Store every file or none: each episode with the message to show once it is committed,
    and its number of lines."""
    results: list[ImportResult] = []
    done = []
    try:
        with transaction.atomic():
            for form in forms:
                result = _import(form)
                results.append(result)
                done.append((result.episode, _log(model_admin, request, form.pending, result), result.segment_count))
    except FileFailed:
        # The rows are rolled back; the originals stored for them must go too.
        for result in results:
            default_storage.delete(result.episode.source_file.name)
        raise
    return done


def _import(form: ConfirmFileForm) -> ImportResult:
    data, pending = form.cleaned_data, form.pending
    try:
        return import_transcript(
            data=pending.read(),
            filename=pending.filename,
            show=data["show"],
            title=data["title"],
            air_date=data["air_date"],
            media_url=data["media_url"],
            published=data["state"] == "published",
            people=people_from_rows(form.people.cleaned_data),
        )
    except TranscriptError as error:
        raise FileFailed(form, located(pending.filename, error)) from error
    except (DatabaseError, OverflowError) as error:
        # A value the parser let through but the database cannot hold (a time past its integers).
        message = _("%(file)s: the database refused a value of this file (%(error)s).")
        raise FileFailed(form, message % {"file": pending.filename, "error": error}) from error


def _log(model_admin: admin.ModelAdmin, request: HttpRequest, pending: Pending, result: ImportResult) -> str:
    text = (
        _("Imported: %(episode)s (%(count)d segments)")
        if result.created
        else _("Replaced: %(episode)s (%(count)d segments)")
    )
    text = text % {"episode": result.episode, "count": result.segment_count}
    log = model_admin.log_addition if result.created else model_admin.log_change
    log(request, result.episode, f"{text} — {pending.filename} (sha256 {pending.sha256[:12]})")
    return text


def _done(request: HttpRequest, done: list[tuple[Episode, str, int]]) -> HttpResponse:
    for _episode, text, _lines in done:
        messages.success(request, text)
    if done:
        lines = sum(count for _episode, _text, count in done)
        summary = ngettext(
            "%(files)d file imported, %(lines)s lines in all.",
            "%(files)d files imported, %(lines)s lines in all.",
            len(done),
        )
        messages.success(request, summary % {"files": len(done), "lines": number_format(lines, force_grouping=True)})
    if not done:
        messages.info(request, _("No file was ticked: nothing was stored."))
    if len(done) == 1:
        return redirect("admin:episodes_episode_change", done[0][0].pk)
    return redirect("admin:episodes_episode_changelist")


def _cancel(request: HttpRequest) -> HttpResponse:
    for key, token in request.POST.items():
        if key.endswith("-token"):
            try:
                pending_from_token(token).discard()
            except TranscriptError:
                continue
    messages.info(request, _("Import cancelled: nothing was stored."))
    return redirect("admin:episodes_episode_changelist")


def _render_preview(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    files: BaseConfirmFileFormSet,
    blocks: list[FileBlock],
    note: str = "",
) -> HttpResponse:
    context = {"files": files, "blocks": blocks, "note": note, "title": _("Check before importing")}
    context["importable"] = any(block.form for block in blocks)
    return _render(model_admin, request, "import_preview.html", context)


def _render(model_admin: admin.ModelAdmin, request: HttpRequest, template: str, context: dict) -> HttpResponse:
    full = {**model_admin.admin_site.each_context(request), "opts": model_admin.model._meta, **context}
    return TemplateResponse(request, f"admin/episodes/episode/{template}", full)
