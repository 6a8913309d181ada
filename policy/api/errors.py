"""One error shape for every API failure: ``{"detail": str, "code": str, "fields": {...}}``.

Endpoints only raise; the handlers registered here turn exceptions into responses.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from ..exceptions import ConflictError, PermissionDeniedError, PolicyError


class ErrorOut(Schema):
    detail: str
    code: str
    fields: dict[str, Any] = {}


def _error(
    api: NinjaAPI, request: HttpRequest, status: int, detail: str, code: str, **fields: Any
) -> HttpResponse:
    return api.create_response(
        request, {"detail": detail, "code": code, "fields": fields}, status=status
    )


def _validation_fields(errors: list[dict[str, Any]]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for error in errors:
        loc = [str(part) for part in error.get("loc", []) if part not in ("query", "path", "body")]
        fields[".".join(loc) or "request"] = str(error.get("msg", "invalid"))
    return fields


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return _error(
            api,
            request,
            401,
            "需要登录或提供有效的接口令牌（Authorization: Bearer <token>）。",
            "unauthenticated",
        )

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return _error(api, request, 403, str(exc) or "无权执行此操作。", "forbidden")

    @api.exception_handler(ObjectDoesNotExist)
    def missing(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
        return _error(api, request, 404, "对象不存在或无权查看。", "not_found")

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return _error(api, request, 404, str(exc) or "对象不存在或无权查看。", "not_found")

    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        fields = _validation_fields(exc.errors)
        summary = "；".join(f"{k}: {v}" for k, v in fields.items())
        return api.create_response(
            request,
            {"detail": f"请求参数有误：{summary}", "code": "invalid_request", "fields": fields},
            status=422,
        )

    @api.exception_handler(PolicyError)
    def domain_error(request: HttpRequest, exc: PolicyError) -> HttpResponse:
        if isinstance(exc, PermissionDeniedError):
            status = 403
        elif isinstance(exc, ConflictError):
            status = 409
        else:
            status = 400
        return _error(api, request, status, exc.message, exc.code, **exc.fields)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return _error(api, request, exc.status_code, str(exc), "http_error")
