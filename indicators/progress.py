"""How far a running ingestion has got, readable by other processes while it runs.

An ingestion writes in one transaction, so nothing it does is visible in the database until
it commits; its progress goes to the cache instead (shared by the web processes and the
workers: Redis, or the file cache by default), keyed by run. Writing progress never touches the
ingestion's transaction, and a cache that is down only means no progress is shown.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

# (rows done, rows in all, stage): what the ``ingest`` command shows.
Forward = Callable[[int, int, str], None]
KEY = "indicators:run-progress:{run}"
TIMEOUT = 30 * 60  # as long as a run may claim its source (services.RUN_CLAIM_TIMEOUT)
EVERY = 0.5  # seconds between two writes to the cache


@dataclass(frozen=True)
class RunProgress:
    """Rows done of rows to write, and how fast; ``stage`` says what the run is doing."""

    done: int
    total: int
    stage: str
    rows_per_s: int
    seconds: float

    @property
    def percent(self) -> int:
        return self.done * 100 // self.total if self.total else 0

    @property
    def summary(self) -> str:
        """ "暂存 420,000/1,000,000 行（42%），150,000 行/秒" in the active language."""
        text = _("%(stage)s %(done)s/%(total)s 行（%(percent)s%%），%(rate)s 行/秒") % {
            "stage": self.stage_label,
            "done": f"{self.done:,}",
            "total": f"{self.total:,}",
            "percent": self.percent,
            "rate": f"{self.rows_per_s:,}",
        }
        return str(text)

    @property
    def stage_label(self) -> str:
        return str(STAGES.get(self.stage, self.stage))


STAGES = {
    "read": _("读取与校验"),
    "stage": _("暂存"),
    "write": _("比对并写入"),
    "done": _("已写入"),
}


class Reporter:
    """Publishes a run's progress (throttled) and passes it on to ``forward`` (the command).

    Called with ``(done, total)`` for rows of the current stage; ``stage()`` starts a stage.
    """

    def __init__(self, run_id: int | None, forward: Forward | None) -> None:
        self.run_id = run_id
        self.forward = forward
        self.started = time.monotonic()
        self.last = 0.0
        self.current = "read"

    def stage(self, stage: str, done: int = 0, total: int = 0) -> None:
        self.current = stage
        if self.forward and total:
            self.forward(done, total, stage)
        self._publish(done, total, force=True)

    def __call__(self, done: int, total: int) -> None:
        if self.current == "read":
            self.current = "stage"
        if self.forward:
            self.forward(done, total, self.current)
        self._publish(done, total)

    def _publish(self, done: int, total: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if self.run_id is None or (not force and now - self.last < EVERY):
            return
        self.last = now
        seconds = now - self.started
        rate = int(done / seconds) if seconds >= 0.1 else 0
        progress = RunProgress(done, total, self.current, rate, round(seconds, 1))
        try:
            cache.set(KEY.format(run=self.run_id), asdict(progress), TIMEOUT)
        except Exception:  # the cache is an aid: a run never fails because it is down
            logger.warning("run progress not published (cache unavailable)", exc_info=True)

    def clear(self) -> None:
        if self.run_id is None:
            return
        try:
            cache.delete(KEY.format(run=self.run_id))
        except Exception:
            logger.warning("run progress not cleared (cache unavailable)", exc_info=True)


def run_progress(run_ids: Iterable[int]) -> dict[int, RunProgress]:
    """The published progress of these runs (those that publish none are left out)."""
    keys = {KEY.format(run=pk): pk for pk in run_ids}
    if not keys:
        return {}
    try:
        found = cache.get_many(list(keys))
    except Exception:
        logger.warning("run progress not read (cache unavailable)", exc_info=True)
        return {}
    return {keys[key]: RunProgress(**value) for key, value in found.items()}
