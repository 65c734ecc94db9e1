"""An episode's original file, for staff only: drafts' originals are stored beside the others, so
no public address ever serves the upload folder.

Django sends the file itself; behind nginx, `ARCHIVE_ORIGINALS_ACCEL_REDIRECT` (a location marked
`internal`) lets nginx send it once this view has checked the user (docs/operations.md).
"""

import mimetypes
from pathlib import PurePosixPath
from urllib.parse import quote

from django.conf import settings
from django.contrib import admin
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from episodes.admin_transcript import staff_episode


def original_view(model_admin: admin.ModelAdmin, request: HttpRequest, object_id: str) -> HttpResponse:
    episode = staff_episode(model_admin, request, object_id, model_admin.has_view_permission)
    stored = episode.source_file
    if not stored or not stored.storage.exists(stored.name):
        raise Http404(_("This episode's original file is not in the media folder."))
    filename = PurePosixPath(stored.name).name
    prefix = settings.ARCHIVE_ORIGINALS_ACCEL_REDIRECT
    if prefix:
        response = HttpResponse(content_type=mimetypes.guess_type(filename)[0] or "application/octet-stream")
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(stored.name)
        response["Content-Disposition"] = content_disposition_header(True, filename)
    else:
        response = FileResponse(stored.open("rb"), as_attachment=True, filename=filename)
    response["Cache-Control"] = "private, no-store"
    return response
