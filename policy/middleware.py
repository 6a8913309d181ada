"""Chinese first: the interface is zh-hans unless the user chose another language."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware.gzip import GZipMiddleware


class ChineseFirstMiddleware:
    """Drop the browser's Accept-Language before LocaleMiddleware reads it.

    Intranet PCs often run browsers with an English locale; officials still expect Chinese.
    The language therefore comes only from the user's explicit choice (the language cookie set
    by the switcher in the header) and otherwise falls back to LANGUAGE_CODE (zh-hans).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class PageGZipMiddleware(GZipMiddleware):
    """Django's GZipMiddleware (BREACH-padded) for HTML pages only.

    The map's page carries its shapes (190 KiB uncompressed). API answers and downloads are
    left as they are: clients of the API need not decompress, and PDFs or spreadsheets gain
    nothing from it. Static files never reach it (WhiteNoise answers them first, precompressed).
    """

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        return super().process_response(request, response)
