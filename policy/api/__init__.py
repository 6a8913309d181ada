"""The one NinjaAPI of the project, mounted at /api/v1/ (STYLE.md §7).

Closed by default: every operation needs a bearer token or a signed-in session (CSRF checked
on writes). Each area contributes a router; errors share one shape (see errors.py).
"""

from __future__ import annotations

from indicators.analytics.api import router as analytics_router
from indicators.api import router as indicators_router

from ..briefings.api import router as briefings_router
from ..notifications.api import router as notifications_router
from .auth import API_AUTH
from .errors import ShapedNinjaAPI, install_error_handlers
from .investment import router as investment_router
from .parser import StrictParser
from .program import router as program_router
from .throttling import WriteThrottle
from .work import router as work_router

api = ShapedNinjaAPI(
    title="四个大后方+一个创新探索 · 数据接口",
    version="1.0.0",
    description=(
        "四川省人工智能一号创新工程进展数据。认证：浏览器会话（写操作需 CSRF），"
        "或 `Authorization: Bearer <token>`（管理后台或 `manage.py create_api_token` 创建）。"
        "错误统一为 `{detail, code, fields}`。"
    ),
    auth=API_AUTH,
    urls_namespace="api-v1",
    parser=StrictParser(),
    throttle=[WriteThrottle()],
)
install_error_handlers(api)

# One place mounts every area's router (STYLE.md §7).
ROUTERS = {
    "program": program_router,
    "updates": work_router,
    "investment": investment_router,
    "briefings": briefings_router,
    "analytics": analytics_router,
    "notifications": notifications_router,
}
for _router in ROUTERS.values():
    api.add_router("/", _router)
api.add_router("/", indicators_router)
