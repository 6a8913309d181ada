"""A briefing's PDF as a download: one answer for the page and the API."""

from __future__ import annotations

from django.http import Http404, HttpResponseBase
from django.utils.translation import gettext as _

from ..downloads import private_file_response
from .models import Briefing


def briefing_pdf_response(briefing: Briefing) -> HttpResponseBase:
    """The PDF as an attachment; a 404 that says why when it has not been generated yet, or
    when the file was removed from storage behind the app's back (then: regenerate it)."""
    if not briefing.file:
        raise Http404(_("这份简报还没有 PDF。"))
    return private_file_response(
        briefing.file,
        filename=briefing.download_name,
        content_type="application/pdf",
        missing=_("这份简报的 PDF 文件不在存储中，请重新生成。"),
    )
