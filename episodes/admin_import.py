"""The admin's import: upload one or many files, preview what was understood, confirm or cancel."""

from dataclasses import dataclass

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from episodes.forms import ConfirmFileForm, PeopleFormSet, UploadForm
from episodes.models import Episode
from episodes.parsing import TranscriptError
from episodes.services import import_transcript
from episodes.uploads import Preview, keep_pending, pending_from_token, people_from_rows, preview


@dataclass
class FileBlock:
    """One file on the preview page: what was understood, and the forms to correct it."""

    preview: Preview
    form: ConfirmFileForm | None = None
    people: PeopleFormSet | None = None


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
        blocks = [_block(upload, form.cleaned_data, index) for index, upload in enumerate(form.cleaned_data["files"])]
        return _render_preview(model_admin, request, blocks)
    return _render(model_admin, request, "import.html", {"form": form, "title": _("Import transcripts")})


def _block(upload, overrides: dict, index: int) -> FileBlock:
    pending = keep_pending(upload.read(), upload.name)
    seen = preview(pending, show=overrides["show"], title=overrides["title"], air_date=overrides["air_date"])
    block = FileBlock(preview=seen)
    if seen.transcript:
        transcript = seen.transcript
        initial = {
            "token": pending.token,
            "include": True,
            "show": transcript.show,
            "title": transcript.title,
            "air_date": transcript.air_date,
            "media_url": overrides["media_url"],
            "state": "published",
        }
        block.form = ConfirmFileForm(initial=initial, prefix=f"f{index}")
        rows = [
            {"name": p.name, "role": p.role.value, "title": p.title, "organisation": p.organisation}
            for p in transcript.people
        ]
        block.people = PeopleFormSet(initial=rows, prefix=f"f{index}-people")
    else:
        pending.discard()
    return block


def _confirm(model_admin: admin.ModelAdmin, request: HttpRequest) -> HttpResponse:
    count = int(request.POST.get("files", "0") or 0)
    blocks = []
    for index in range(min(count, 100)):
        token = request.POST.get(f"f{index}-token", "")
        if not token:
            continue  # a file that could not be read has nothing to confirm
        form = ConfirmFileForm(request.POST, prefix=f"f{index}")
        people = PeopleFormSet(request.POST, prefix=f"f{index}-people")
        try:
            pending = pending_from_token(token)
        except TranscriptError as error:
            messages.error(request, str(error))
            return redirect("admin:episodes_episode_import")
        block = FileBlock(preview=Preview(pending=pending), form=form, people=people)
        blocks.append(block)
    if not all(block.form.is_valid() and block.people.is_valid() for block in blocks):
        for block in blocks:
            block.preview = preview(block.preview.pending)
        return _render_preview(model_admin, request, blocks)
    episodes = [_import(model_admin, request, block) for block in blocks if block.form.cleaned_data["include"]]
    for block in blocks:
        block.preview.pending.discard()
    episodes = [episode for episode in episodes if episode]
    if len(episodes) == 1:
        return redirect("admin:episodes_episode_change", episodes[0].pk)
    return redirect("admin:episodes_episode_changelist")


def _import(model_admin: admin.ModelAdmin, request: HttpRequest, block: FileBlock) -> Episode | None:
    data, pending = block.form.cleaned_data, block.preview.pending
    try:
        result = import_transcript(
            data=pending.read(),
            filename=pending.filename,
            show=data["show"],
            title=data["title"],
            air_date=data["air_date"],
            media_url=data["media_url"],
            published=data["state"] == "published",
            people=people_from_rows(block.people.cleaned_data),
        )
    except TranscriptError as error:
        messages.error(request, f"{pending.filename}: {error}")
        return None
    text = (
        _("Imported: %(episode)s (%(count)d segments)")
        if result.created
        else _("Replaced: %(episode)s (%(count)d segments)")
    )
    text = text % {"episode": result.episode, "count": result.episode.segments.count()}
    log = model_admin.log_addition if result.created else model_admin.log_change
    log(request, result.episode, f"{text} — {pending.filename} (sha256 {pending.sha256[:12]})")
    messages.success(request, text)
    return result.episode


def _cancel(request: HttpRequest) -> HttpResponse:
    for key, token in request.POST.items():
        if key.endswith("-token"):
            try:
                pending_from_token(token).discard()
            except TranscriptError:
                continue
    messages.info(request, _("Import cancelled: nothing was stored."))
    return redirect("admin:episodes_episode_changelist")


def _render_preview(model_admin: admin.ModelAdmin, request: HttpRequest, blocks: list[FileBlock]) -> HttpResponse:
    context = {"blocks": blocks, "files": len(blocks), "title": _("Check before importing")}
    context["importable"] = any(block.form for block in blocks)
    return _render(model_admin, request, "import_preview.html", context)


def _render(model_admin: admin.ModelAdmin, request: HttpRequest, template: str, context: dict) -> HttpResponse:
    full = {**model_admin.admin_site.each_context(request), "opts": model_admin.model._meta, **context}
    return TemplateResponse(request, f"admin/episodes/episode/{template}", full)
