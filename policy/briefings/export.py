"""Plotly figures to SVG through kaleido, with one warm browser per worker process.

Starting Chromium costs about 2 s; a chart in a warm browser about 0.13 s. So each process
keeps one kaleido browser, started on first use on a private event loop thread, and reuses
it for every chart. After a fork (Celery's prefork pool) the child starts its own: the pid
is checked on every call. The page kaleido renders in loads plotly.js from the installed
plotly package, MathJax is off, and the browser gets an unroutable proxy, so nothing is
fetched from outside even if a figure asked for it (intranet rule).
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import plotly
import plotly.graph_objects as go
from celery.signals import worker_process_shutdown
from django.conf import settings
from django.utils.translation import gettext as _

from .exceptions import ChartExportError

logger = logging.getLogger(__name__)

# Tabs the warm browser keeps: a briefing's charts are exported two at a time. Each export
# costs ~0.2 s of browser CPU even for a trivial figure, so the two tabs use both cores of a
# small worker (monthly demo briefing, 11 charts, busy 2-core box: 2.7-3.0 s instead of
# 3.4 s one by one); more tabs would only contend for the same cores.
TABS = 2

# Chromium sends every non-file request through this proxy; nothing listens on port 9
# (discard), so an outside fetch fails at once instead of leaking to the network.
BLACKHOLE_PROXY = "127.0.0.1:9"


def _plotly_js() -> Path:
    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


class WarmBrowser:
    """One kaleido browser on its own event-loop thread, owned by one process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._kaleido: Any = None

    @property
    def is_running(self) -> bool:
        return self._pid == os.getpid() and self._kaleido is not None

    def _start(self) -> None:
        # Imported here, on the first export: only a process that draws PDF charts loads
        # kaleido and its browser driver; web processes never pay for it.
        import kaleido

        path = settings.BRIEFING_CHROMIUM_PATH
        if not Path(path).is_file():
            raise ChartExportError(
                _(
                    "找不到浏览器 %(path)s：请安装 Debian 的 chromium（scripts/sysdeps.sh run），"
                    "或用 BRIEFING_CHROMIUM_PATH 指定其路径。"
                )
                % {"path": path}
            )
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="kaleido", daemon=True)
        thread.start()
        try:
            browser = kaleido.Kaleido(
                n=TABS,
                path=path,
                mathjax=False,
                plotlyjs=str(_plotly_js()),
                proxy_server=BLACKHOLE_PROXY,
                enable_extensions=False,
                timeout=settings.BRIEFING_CHART_TIMEOUT,
            )
            asyncio.run_coroutine_threadsafe(browser.open(), loop).result(
                timeout=settings.BRIEFING_CHART_TIMEOUT
            )
        except Exception as exc:  # ChromeNotFoundError, a crash, a timeout: same for us
            loop.call_soon_threadsafe(loop.stop)
            raise ChartExportError(
                _("浏览器 %(path)s 未能启动：%(why)s") % {"path": path, "why": exc}
            ) from exc
        self._loop, self._kaleido, self._pid = loop, browser, os.getpid()

    def stop(self) -> None:
        """Close the browser if this process started it (a forked child must not)."""
        with self._lock:
            if self._loop is None:
                return
            if self._pid == os.getpid() and self._kaleido is not None:
                future = asyncio.run_coroutine_threadsafe(self._kaleido.close(), self._loop)
                try:
                    future.result(timeout=10)
                except Exception:  # closing a browser that already died is not an error
                    logger.debug("kaleido browser was already gone", exc_info=True)
                self._loop.call_soon_threadsafe(self._loop.stop)
            self._loop, self._kaleido, self._pid = None, None, None

    def svgs(self, items: Sequence[tuple[go.Figure, int, int]]) -> list[bytes]:
        """Each (figure, width, height) as SVG bytes, in order, spread over the open tabs."""
        with self._lock:
            if not self.is_running:
                self._loop, self._kaleido, self._pid = None, None, None
                self._start()
            loop = self._loop
            if loop is None:  # pragma: no cover — _start either sets it or raises
                raise ChartExportError(_("图表导出浏览器未运行。"))
            browser = self._kaleido

            async def export_all() -> list[bytes]:
                return list(
                    await asyncio.gather(
                        *(
                            browser.calc_fig(fig, opts={"format": "svg", "width": w, "height": h})
                            for fig, w, h in items
                        )
                    )
                )

            rounds = -(-len(items) // TABS)  # each tab renders its share one after another
            future = asyncio.run_coroutine_threadsafe(export_all(), loop)
            try:
                return future.result(timeout=settings.BRIEFING_CHART_TIMEOUT * rounds + 5)
            except Exception as exc:
                future.cancel()
                self._kaleido = None  # start a fresh browser next time
                asyncio.run_coroutine_threadsafe(browser.close(), loop)
                raise ChartExportError(
                    _("浏览器未能导出图表（%(type)s）：%(why)s")
                    % {"type": type(exc).__name__, "why": exc or _("超时")}
                ) from exc


_browser = WarmBrowser()
atexit.register(_browser.stop)


@worker_process_shutdown.connect
def _close_with_worker_process(**_: object) -> None:
    # A prefork child leaves through os._exit, skipping atexit: close its browser here. The
    # receiver exists only in processes that imported this module, the only ones with a browser.
    _browser.stop()


def _text(data: bytes | str) -> str:
    text = data.decode("utf-8") if isinstance(data, bytes) else str(data)
    if "<svg" not in text[:200]:
        raise ChartExportError(_("浏览器返回的内容不是 SVG 图像。"))
    return text


def figures_to_svg(items: Sequence[tuple[go.Figure, int, int]]) -> list[str]:
    """Each (figure, width, height) as an SVG document, in order; one warm browser, all tabs.

    The figures are exported as they would be drawn on the web page; only the size is fixed.
    Raises ChartExportError with the cause if any one fails (the others are then discarded).
    """
    if not items:
        return []
    started = time.perf_counter()
    svgs = [_text(data) for data in _browser.svgs(items)]
    logger.debug("%d charts exported in %.3f s", len(items), time.perf_counter() - started)
    return svgs


def figure_to_svg(figure: go.Figure, *, width: int = 720, height: int = 320) -> str:
    """One figure as an SVG document (text). Raises ChartExportError with the cause."""
    return figures_to_svg([(figure, width, height)])[0]


def stop_browser() -> None:
    """Close this process's warm browser (tests and worker shutdown)."""
    _browser.stop()
