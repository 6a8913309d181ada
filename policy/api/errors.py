"""One error shape for every API failure: ``{"detail": str, "code": str, "fields": {...}}``.

Endpoints only raise; the handlers registered here turn exceptions into responses.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import URLPattern, URLResolver, re_path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from ..exceptions import ConflictError, PermissionDeniedError, PolicyError
from ..permissions import user_scope

# ninja's wording for a body that is not JSON at all.
NINJA_PARSE_ERROR = "Cannot parse request body"


class ErrorOut(Schema):
    detail: str
    code: str
    fields: dict[str, Any] = {}


Problem = tuple[int, str, str, dict[str, Any]]  # status, detail, code, fields

# The error statuses each kind of operation declares, for `response={200: ..., **READ_ERRORS}`.
# 429: too many bad tokens from the address (any operation) or too many writes by the user.
READ_ERRORS: dict[int, type[Schema]] = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut, 429: ErrorOut}
ONE_ERRORS: dict[int, type[Schema]] = {**READ_ERRORS, 404: ErrorOut}
WRITE_ERRORS: dict[int, type[Schema]] = {
    status: ErrorOut for status in (400, 401, 403, 404, 409, 422, 429)
}


def _validation_fields(errors: list[dict[str, Any]]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for error in errors:
        loc = [str(part) for part in error.get("loc", [])]
        if loc[:1] == ["body"]:
            loc = loc[2:]  # ("body", <the view's parameter name>, field, ...): name the field
        loc = [part for part in loc if part not in ("query", "path", "body")]
        fields[".".join(loc) or "request"] = str(error.get("msg", "invalid"))
    return fields


def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> Problem:
    detail = _("需要登录或提供有效的接口令牌（Authorization: Bearer <token>）。")
    return 401, detail, "unauthenticated", {}


def forbidden(request: HttpRequest, exc: PermissionDenied) -> Problem:
    code = getattr(exc, "code", "forbidden")
    if code == "forbidden" and not user_scope(getattr(request, "auth", None)).can_read:
        detail = _("您的账号尚未分配角色，不能读取数据：请联系管理员分配角色。")
    else:
        detail = str(exc) or _("无权执行此操作。")
    return 403, detail, code, {}


def missing(request: HttpRequest, exc: ObjectDoesNotExist) -> Problem:
    return 404, _("对象不存在或无权查看。"), "not_found", {}


def not_found(request: HttpRequest, exc: Http404) -> Problem:
    return 404, str(exc) or _("对象不存在或无权查看。"), "not_found", {}


def invalid(request: HttpRequest, exc: ValidationError) -> Problem:
    fields = _validation_fields(exc.errors)
    summary = "；".join(f"{k}: {v}" for k, v in fields.items())
    return 422, _("请求参数有误：%(summary)s") % {"summary": summary}, "invalid_request", fields


def domain_error(request: HttpRequest, exc: PolicyError) -> Problem:
    if isinstance(exc, PermissionDeniedError):
        status = 403
    elif isinstance(exc, ConflictError):
        status = 409
    else:
        status = 400
    return status, exc.message, exc.code, exc.fields


def throttled(request: HttpRequest, exc: Throttled) -> Problem:
    detail = _("请求过于频繁，已暂时限制：请在 %(n)s 秒后再试。") % {"n": exc.wait or 60}
    return 429, detail, "throttled", {"retry_after": exc.wait or 60}


def http_error(request: HttpRequest, exc: HttpError) -> Problem:
    if exc.status_code == 400 and str(exc).startswith(NINJA_PARSE_ERROR):
        detail = _("请求体不是有效的 JSON：请以 Content-Type: application/json 发送 JSON 对象。")
        return 400, detail, "invalid_json", {}
    return exc.status_code, str(exc), getattr(exc, "code", "http_error"), {}


HANDLERS: dict[type[Exception], Callable[[HttpRequest, Any], Problem]] = {
    AuthenticationError: unauthenticated,
    PermissionDenied: forbidden,
    ObjectDoesNotExist: missing,
    Http404: not_found,
    ValidationError: invalid,
    PolicyError: domain_error,
    Throttled: throttled,
    HttpError: http_error,
}


def install_error_handlers(api: NinjaAPI) -> None:
    """Register every handler; each returns (status, detail, code, fields) for one shape."""

    def register(exc_class: type[Exception], problem: Callable[..., Problem]) -> None:
        # ninja types a handler's exception as "an instance or its class"; it passes instances.
        def handler(request: HttpRequest, exc: Exception | type[Exception]) -> HttpResponse:
            status, detail, code, fields = problem(request, exc)
            body = {"detail": detail, "code": code, "fields": fields}
            response = api.create_response(request, body, status=status)
            if isinstance(exc, Throttled):
                response["Retry-After"] = str(fields["retry_after"])
            return response

        api.add_exception_handler(exc_class, handler)

    for exc_class, problem in HANDLERS.items():
        register(exc_class, problem)


class ApiError(HttpError):
    """An HTTP error raised by an endpoint with its own stable code (e.g. ``too_many_points``)."""

    def __init__(self, status_code: int, message: str, code: str) -> None:
        super().__init__(status_code, message)
        self.code = code


def _error_response(
    api: NinjaAPI, request: HttpRequest, status: int, detail: str, code: str
) -> HttpResponse:
    body = {"detail": detail, "code": code, "fields": {}}
    return api.create_response(request, body, status=status)


def _unknown_path(request: HttpRequest, *args: Any, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
    docs = reverse(f"{api.urls_namespace}:openapi-view")
    detail = _("没有这个接口地址：%(path)s。可用的接口见 %(docs)s。") % {
        "path": request.path,
        "docs": docs,
    }
    return _error_response(api, request, 404, detail, "not_found")


def _shaped(pattern: URLPattern, api: NinjaAPI) -> URLPattern:
    """The same view, but ninja's bare-text 405 comes back in the one error shape."""
    view = pattern.callback

    def shaped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response: HttpResponse = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            detail = _("此地址不支持 %(method)s 方法，只支持：%(allowed)s。") % {
                "method": request.method,
                "allowed": allowed,
            }
            response = _error_response(api, request, 405, detail, "method_not_allowed")
            response["Allow"] = allowed
        return response

    shaped.csrf_exempt = getattr(view, "csrf_exempt", False)  # type: ignore[attr-defined]
    return URLPattern(pattern.pattern, shaped, pattern.default_args, pattern.name)


class ShapedNinjaAPI(NinjaAPI):
    """A NinjaAPI whose every answer under its prefix is JSON in the one error shape.

    ninja answers a wrong method with a text/html 405 and leaves unknown paths to Django's
    HTML 404 page; here a wrong method is a 405 ``method_not_allowed`` (with ``Allow``) and an
    unknown path, including the bare root, a 404 ``not_found`` that points at the docs.
    """

    def _get_urls(self) -> list[URLPattern | URLResolver]:
        urls: list[URLPattern | URLResolver] = []
        # Exempt from CSRF: it changes nothing, and a POST to an unknown path (say an id that
        # is not a number) must be the JSON 404, not Django's HTML CSRF page.
        unknown = csrf_exempt(partial(_unknown_path, api=self))
        for pattern in super()._get_urls():
            if isinstance(pattern, URLPattern) and pattern.name == "api-root":
                pattern = URLPattern(pattern.pattern, unknown, name=pattern.name)
            elif isinstance(pattern, URLPattern):
                pattern = _shaped(pattern, self)
            urls.append(pattern)
        # Any path, a newline in it too ("." would not match one: Django's HTML 404 answered).
        urls.append(re_path(r"^[\s\S]+$", unknown, name="api-unknown"))
        return urls
