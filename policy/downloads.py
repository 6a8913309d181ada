"""Serving private files (evidence, briefing PDFs, raw payloads) after the permission check.

The view decides who may download; the bytes come either from the app (a streamed
FileResponse, the default) or, with ``X_ACCEL_REDIRECT_PREFIX`` set, from nginx: the app answers
with an empty response whose ``X-Accel-Redirect`` header names the file under an ``internal``
location that maps PRIVATE_MEDIA_ROOT (deploy/nginx.conf), so a 10 MB evidence file or a PDF
never ties up a web worker. The headers that matter (type, attachment name, nosniff, no-store)
are set by the app either way; nginx keeps them.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _


def private_file_response(
    file: FieldFile, *, filename: str, content_type: str, missing: str = ""
) -> HttpResponseBase:
    """The file as an attachment; 404 with ``missing`` (or a general message) when it is gone."""
    prefix = getattr(settings, "X_ACCEL_REDIRECT_PREFIX", "")
    not_found = missing or _("文件不在存储中。")
    if prefix:
        path = Path(file.path)
        if not path.is_file():
            raise Http404(not_found)
        relative = path.relative_to(Path(settings.PRIVATE_MEDIA_ROOT).resolve())
        response: HttpResponseBase = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(relative.as_posix())
    else:
        try:
            handle = file.open("rb")
        except FileNotFoundError:
            raise Http404(not_found) from None
        response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
