"""Every write of the indicators app: ingestion runs, observation upserts, derived figures.

One code path for the Celery task, the ``ingest`` command, the admin's "run now" and the demo
seed (STYLE.md section 2):

    fetch (or read the file) -> keep the raw payload (SHA-256, private storage)
    -> connector.parse -> validate (codes, units, ranges, duplicate keys)
    -> upsert in ONE transaction -> recompute derived indicators -> record the run

Bad input never writes a single observation: validation happens before the transaction and
any error inside it rolls the whole transaction back. The run row itself is written outside
that transaction, so a failure stays on record with a message a person can act on.
Re-running the same payload writes nothing (every row counts as "unchanged").

The Celery tasks are defined right below the services that queue them (see policy.celery).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

import pandas as pd
from celery import shared_task
from celery.contrib.django.task import DjangoTask
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from policy.models import Region, RegionLevel
from policy.queue import enqueue_on_commit
from policy.revision import program_changed
from policy.types import User

from .connectors import ParseResult, get_connector
from .exceptions import ConnectorError, IngestionError, TransientFetchError
from .fetch import Fetcher, display_url
from .formula import Formula, FormulaError, code_to_name, parse_formula
from .models import Category, Indicator, IngestionRun, Observation, RunStatus, Source
from .runs import run_failed_alert, run_heartbeat, runs_reap, worker_identity

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
BATCH = 1000
MAX_PROBLEMS_LISTED = 5
# A run still "running" after this long was killed (worker lost); a new run may start.
RUN_CLAIM_TIMEOUT = dt.timedelta(minutes=30)
DERIVED_TRIGGER = "derived"
PAYLOAD_SUFFIX = {"excel": "xlsx", "json": "json", "worldbank": "json", "nbs": "json"}
KEY = ["indicator", "area", "period", "dimension"]


class SourceBusy(IngestionError):
    """Another run of the same source is in progress."""

    code = "source_busy"


@dataclass
class IngestRequest:
    """What to ingest: a kind and options plus either a URL, a source's file, or bytes."""

    kind: str
    options: dict[str, Any]
    label: str
    url: str = ""
    payload: bytes | None = None
    source: Source | None = None
    trigger: str = "schedule"
    triggered_by: User | None = None
    create_missing: bool = False
    dry_run: bool = False
    keep_failed_run: bool = True
    progress: Progress | None = None
    fetcher: Fetcher | None = None


@dataclass
class _Rows:
    """Validated rows ready to upsert, with the codes that must be created first."""

    frame: pd.DataFrame
    new_indicators: dict[str, dict[str, str]] = field(default_factory=dict)
    new_areas: dict[str, str] = field(default_factory=dict)


# -- public services ---------------------------------------------------------------------------


def source_ingest(
    *,
    source: Source,
    trigger: str = "schedule",
    triggered_by: User | None = None,
    fetcher: Fetcher | None = None,
    keep_failed_run: bool = True,
    dry_run: bool = False,
    create_missing: bool = False,
    progress: Progress | None = None,
) -> IngestionRun:
    """Fetch (or read the uploaded file of) ``source`` and ingest it; returns the run.

    Raises the ``IngestionError`` that failed the run after recording it (the task retries
    only ``TransientFetchError``); raises ``SourceBusy`` without a run when another run of the
    source started less than ``RUN_CLAIM_TIMEOUT`` ago.
    """
    request = IngestRequest(
        kind=source.kind,
        options=dict(source.options),
        label=source.code,
        url=source.url,
        source=source,
        trigger=trigger,
        triggered_by=triggered_by,
        fetcher=fetcher,
        keep_failed_run=keep_failed_run,
        dry_run=dry_run,
        create_missing=create_missing,
        progress=progress,
    )
    if not source.url and source.file:
        try:
            with source.file.open("rb") as fh:
                request.payload = fh.read()
        except FileNotFoundError:
            request.payload = None  # reported, with the run recorded, by _payload
    return ingest(request)


def ingest(request: IngestRequest) -> IngestionRun:
    """Run one ingestion as described by ``request``; see the module docstring.

    With ``dry_run`` nothing is kept (no run, no payload, no observation) and the returned run
    is unsaved, carrying the counts the import would have had.
    """
    run = _run_start(request)
    started = time.monotonic()
    try:
        with run_heartbeat(run):  # lets another process tell this run from a dead one
            payload = _payload(request)
            _keep_payload(run, request, payload)
            result = get_connector(request.kind, request.options).parse(payload)
            rows = _validate(result, create_missing=request.create_missing)
            run.missing = result.missing
            with transaction.atomic():
                _create_missing(rows)
                _upsert(run, rows.frame, request.progress)
                if not request.dry_run:
                    derived_recompute(changed=set(rows.frame["indicator"]))
                if request.dry_run:
                    transaction.set_rollback(True)
    except Exception as exc:
        _run_fail(run, request, exc, started)
        raise
    _run_finish(run, request, RunStatus.SUCCEEDED, "", started)
    return run


def source_run_enqueue(*, source: Source, user: User) -> None:
    """Queue a run of ``source`` once the current transaction commits ("run now").

    A run whose process died is reaped first, so it does not block this one. Raises
    ``SourceBusy`` while a live run is in progress (the task would skip it) and
    ``QueueUnavailable`` when the broker cannot be reached.
    """
    runs_reap(source_id=source.pk)
    running = (
        IngestionRun.objects.filter(
            source=source,
            status=RunStatus.RUNNING,
            started_at__gt=timezone.now() - RUN_CLAIM_TIMEOUT,
        )
        .order_by("-started_at")
        .first()
    )
    if running is not None:
        raise SourceBusy(
            _("来源“%(name)s”正在采集中（%(time)s 开始），本次没有排队；请等它完成后再运行。")
            % {"name": source.name, "time": f"{timezone.localtime(running.started_at):%H:%M}"}
        )
    enqueue_on_commit(ingest_source_task, source.pk, trigger="manual", user_id=user.pk)


def due_sources_enqueue(*, now: dt.datetime | None = None) -> list[int]:
    """Queue a run for every enabled source whose cron schedule fired since its last run.

    A source without a schedule runs only by hand. Returns the ids queued.
    """
    now = now or timezone.now()
    runs_reap(now=now)  # so the sources page stops showing dead runs as running
    due = []
    for source in Source.objects.filter(enabled=True, schedule__isnull=False).select_related(
        "schedule"
    ):
        last = source.runs.order_by("-started_at").values_list("started_at", flat=True).first()
        if last is None or source.schedule.schedule.is_due(last).is_due:  # type: ignore[union-attr]
            due.append(source.pk)
    for pk in due:
        ingest_source_task.delay_on_commit(pk)
    return due


@shared_task(
    base=DjangoTask,
    name="indicators.tasks.ingest_source_task",
    bind=True,
    acks_late=True,
    autoretry_for=(TransientFetchError,),
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=getattr(settings, "INDICATORS_TASK_SOFT_TIME_LIMIT", 600),
)
def ingest_source_task(
    self: DjangoTask[Any, Any],
    source_id: int,
    trigger: str = "schedule",
    user_id: int | None = None,
) -> dict[str, Any]:
    """Ingest one source. Safe to run twice: the second run of the same payload changes nothing.

    Only ``TransientFetchError`` (timeout, 429, 5xx) is retried, with exponential backoff; every
    attempt leaves its own run in the log. Permanent failures are recorded on the run and end
    the task; a disabled or deleted source, or one already running, is skipped.
    """
    source = Source.objects.filter(pk=source_id, enabled=True).first()
    if source is None:
        return {"source": source_id, "status": "skipped", "reason": "missing or disabled"}
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    try:
        run = source_ingest(source=source, trigger=trigger, triggered_by=user)
    except SourceBusy:
        return {"source": source_id, "status": "skipped", "reason": "already running"}
    except TransientFetchError:
        raise
    except IngestionError as exc:
        return {"source": source_id, "status": "failed", "error": exc.message}
    return {
        "source": source_id,
        "run": run.pk,
        "status": run.status,
        "inserted": run.inserted,
        "updated": run.updated,
        "unchanged": run.unchanged,
    }


@shared_task(base=DjangoTask, name="indicators.tasks.ingest_due_sources_task", soft_time_limit=60)
def ingest_due_sources_task() -> dict[str, Any]:
    """Beat fan-out: queue ``ingest_source_task`` for each source whose schedule is due."""
    return {"queued": due_sources_enqueue()}


def indicator_formula_check(*, formula: str) -> Formula:
    """Parse ``formula`` and check that every name is an existing indicator's code."""
    parsed = parse_formula(formula)
    known = {code_to_name(c) for c in Indicator.objects.values_list("code", flat=True)}
    unknown = sorted(parsed.names - known)
    if unknown:
        raise FormulaError(
            _("The formula uses unknown indicator(s): %(names)s. Write codes with _ for -.")
            % {"names": ", ".join(unknown)}
        )
    return parsed


# -- run lifecycle -----------------------------------------------------------------------------


def _run_start(request: IngestRequest) -> IngestionRun:
    run = IngestionRun(
        source=request.source,
        label=request.label[:300],
        trigger=request.trigger,
        triggered_by=request.triggered_by,
        started_at=timezone.now(),
        worker=worker_identity(),
    )
    run.heartbeat_at = run.started_at
    if request.dry_run:
        return run
    if request.source is None:
        run.save()
        return run
    with transaction.atomic():
        # The row lock serialises two workers claiming the same source at once.
        Source.objects.select_for_update().filter(pk=request.source.pk).first()
        # A run whose process died is marked failed first, so it no longer blocks this one.
        runs_reap(source_id=request.source.pk, now=run.started_at)
        busy = IngestionRun.objects.filter(
            source=request.source,
            status=RunStatus.RUNNING,
            started_at__gt=run.started_at - RUN_CLAIM_TIMEOUT,
        ).exists()
        if busy:
            raise SourceBusy(
                _(
                    'Source "%(code)s" is already being ingested; wait for that run to finish '
                    "(see the run log)."
                )
                % {"code": request.source.code}
            )
        run.save()
    return run


def _run_finish(
    run: IngestionRun, request: IngestRequest, status: str, error: str, started: float
) -> None:
    run.status = status
    run.error = error
    run.finished_at = timezone.now()
    run.duration_ms = int((time.monotonic() - started) * 1000)
    if run.pk:
        run.save()


def _run_fail(run: IngestionRun, request: IngestRequest, exc: Exception, started: float) -> None:
    if isinstance(exc, IngestionError):
        message = exc.message
        run.rejected = int(exc.fields.get("rejected", run.rejected or 0))
    elif isinstance(exc, SoftTimeLimitExceeded):
        message = _(
            "The ingestion took longer than the task time limit (INDICATORS_TASK_SOFT_TIME_LIMIT"
            " = %(limit)s s) and was stopped; nothing was imported. Narrow the query (fewer "
            "years or areas) or ask an administrator to raise the limit."
        ) % {"limit": getattr(settings, "INDICATORS_TASK_SOFT_TIME_LIMIT", "?")}
    else:
        logger.exception("ingestion of %s crashed", request.label)
        message = _("Internal error (%(type)s): %(error)s. Tell the system administrator.") % {
            "type": type(exc).__name__,
            "error": exc,
        }
    run.inserted = run.updated = run.unchanged = 0
    if run.pk and not request.keep_failed_run:
        if run.payload:
            run.payload.delete(save=False)
        run.delete()
        return
    _run_finish(run, request, RunStatus.FAILED, message, started)
    run_failed_alert(run)


def _payload(request: IngestRequest) -> bytes:
    if request.payload is not None:
        return request.payload
    if not request.url:
        raise ConnectorError(
            _(
                'Source "%(code)s" has neither a URL nor a readable uploaded file; set one in '
                "the admin."
            )
            % {"code": request.label}
        )
    connector = get_connector(request.kind, request.options)
    return connector.fetch(request.url, request.fetcher or Fetcher())


def _keep_payload(run: IngestionRun, request: IngestRequest, payload: bytes) -> None:
    """Checksum and keep the raw payload for audit (private storage, never served by URL)."""
    run.sha256 = hashlib.sha256(payload).hexdigest()
    run.payload_bytes = len(payload)
    if not run.pk:
        return
    suffix = PAYLOAD_SUFFIX.get(request.kind, "csv")
    run.payload.save(f"run-{run.pk}-{run.sha256[:12]}.{suffix}", ContentFile(payload), save=False)
    run.save(update_fields=["sha256", "payload_bytes", "payload"])


# -- validation --------------------------------------------------------------------------------


def _validate(result: ParseResult, *, create_missing: bool) -> _Rows:
    """Check every row; raise one ``ConnectorError`` listing the problems, or return the rows.

    Checks: the payload holds observations, no two rows share a key, indicator and area codes
    are known (or may be created), units agree with the indicator's, values lie within the
    indicator's plausible range.
    """
    frame = result.frame
    if frame.empty:
        if result.missing:
            return _Rows(frame)
        raise ConnectorError(
            _("The payload holds no observations. Check the URL, the file or the column mapping.")
        )
    _check_duplicates(frame)
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=set(frame["indicator"]))}
    areas = set(Region.objects.filter(code__in=set(frame["area"])).values_list("code", flat=True))
    rows = _Rows(frame)
    problems: list[str] = []
    bad_rows: set[int] = set()
    unknown_ind = sorted(set(frame["indicator"]) - set(indicators))
    unknown_area = sorted(set(frame["area"]) - areas)
    if create_missing:
        _check_code_lengths(unknown_ind, unknown_area)
        rows.new_indicators = {
            code: {
                "label": result.labels["indicator"].get(code, ""),
                "unit": result.units.get(code) or _first_unit(frame, code),
            }
            for code in unknown_ind
        }
        rows.new_areas = {code: result.labels["area"].get(code, "") for code in unknown_area}
    else:
        for column, codes, hint in (
            ("indicator", unknown_ind, _("add it in the admin or map it with indicator_map")),
            ("area", unknown_area, _("map it with area_map or add the region")),
        ):
            for code in codes:
                mask = frame[column] == code
                bad_rows.update(frame.index[mask])
                problems.append(
                    _('unknown %(column)s code "%(code)s" (%(where)s): %(hint)s')
                    % {"column": column, "code": code, "where": _where(frame, mask), "hint": hint}
                )
    _check_values(frame, indicators, problems, bad_rows)
    if problems:
        if unknown_ind or unknown_area:
            problems.append(_("or pass --create-missing to create unknown codes"))
        raise _rejection(problems, len(bad_rows))
    return rows


def _check_code_lengths(indicators: list[str], areas: list[str]) -> None:
    limits = (
        (indicators, Indicator._meta.get_field("code").max_length, "indicator"),
        (areas, Region._meta.get_field("code").max_length, "area"),
    )
    for codes, limit, column in limits:
        too_long = [code for code in codes if len(code) > (limit or 0)]
        if too_long:
            raise ConnectorError(
                _(
                    'The %(column)s code "%(code)s" is longer than %(limit)s characters and '
                    "cannot be created; map it to a shorter code with %(column)s_map."
                )
                % {"column": column, "code": too_long[0], "limit": limit}
            )


def _check_duplicates(frame: pd.DataFrame) -> None:
    dup = frame.duplicated(subset=KEY, keep=False)
    if not dup.any():
        return
    first = frame[dup].iloc[0]
    same = dup & (frame[KEY] == first[KEY]).all(axis=1)
    raise ConnectorError(
        _(
            "%(n)s rows share a key with another row, e.g. %(key)s at %(where)s. Each indicator, "
            "area, period (and dimension) may appear once: remove the duplicates or map the "
            "column that tells them apart as the dimension."
        )
        % {
            "n": int(dup.sum()),
            "key": " / ".join(str(first[k]) for k in KEY if first[k]),
            "where": _where(frame, same),
        },
        fields={"rejected": int(dup.sum())},
    )


def _check_values(
    frame: pd.DataFrame, indicators: dict[str, Indicator], problems: list[str], bad: set[int]
) -> None:
    for code, indicator in indicators.items():
        rows = frame[frame["indicator"] == code]
        units = rows["unit"]
        wrong_unit = rows[(units != "") & (units != indicator.unit)]
        if not wrong_unit.empty:
            bad.update(wrong_unit.index)
            problems.append(
                _(
                    'unit "%(unit)s" where indicator "%(code)s" is in "%(expected)s" (%(where)s): '
                    'convert with "scale" and rename with "unit_map" in the source options'
                )
                % {
                    "unit": wrong_unit["unit"].iloc[0],
                    "code": code,
                    "expected": indicator.unit,
                    "where": _where(frame, frame.index.isin(wrong_unit.index)),
                }
            )
        low, high = indicator.min_value, indicator.max_value
        values = rows["value"]
        outside = pd.Series(False, index=rows.index)
        if low is not None:
            outside |= values < low
        if high is not None:
            outside |= values > high
        out = rows[outside]
        if not out.empty:
            bad.update(out.index)
            problems.append(
                _('value %(value)s of "%(code)s" outside %(low)s … %(high)s (%(where)s)')
                % {
                    "value": f"{out['value'].iloc[0]:g}",
                    "code": code,
                    "low": "" if low is None else f"{low:g}",
                    "high": "" if high is None else f"{high:g}",
                    "where": _where(frame, frame.index.isin(out.index)),
                }
            )


def _where(frame: pd.DataFrame, mask: Any) -> str:
    locators = list(frame.loc[mask, "locator"])
    shown = ", ".join(locators[:3])
    return shown + (_(" and %(n)s more") % {"n": len(locators) - 3} if len(locators) > 3 else "")


def _rejection(problems: list[str], rejected: int) -> ConnectorError:
    listed = problems[:MAX_PROBLEMS_LISTED]
    more = len(problems) - len(listed)
    text = "; ".join(listed) + (_("; and %(n)s more problems") % {"n": more} if more else "")
    return ConnectorError(
        _("Nothing was imported: %(n)s rows are invalid. %(problems)s.")
        % {"n": rejected, "problems": text},
        fields={"rejected": rejected},
    )


def _first_unit(frame: pd.DataFrame, code: str) -> str:
    units = frame.loc[(frame["indicator"] == code) & (frame["unit"] != ""), "unit"]
    return str(units.iloc[0]) if not units.empty else ""


def _create_missing(rows: _Rows) -> None:
    for code, info in rows.new_indicators.items():
        Indicator.objects.create(
            code=code,
            name_zh=(info["label"] or code)[:150],
            name_en=(info["label"] or code)[:200],
            unit=info["unit"][:40],
            category=Category.OTHER,
            confidence_note=_("created by an import from the publisher's codes"),
        )
    for code, label in rows.new_areas.items():
        Region.objects.create(
            code=code,
            name_zh=(label or code)[:100],
            name_en=(label or code)[:120],
            level=_guess_level(code),
        )


def _guess_level(code: str) -> str:
    if code.isdigit() and len(code) == 6:
        return RegionLevel.PROVINCE if code.endswith("0000") else RegionLevel.PREFECTURE
    return RegionLevel.COUNTRY


# -- upsert ------------------------------------------------------------------------------------


class _FrameRow(Protocol):
    """A row of the canonical frame (connectors.CANONICAL_COLUMNS) after validation."""

    indicator: str
    area: str
    period: str
    period_start: dt.date
    dimension: str
    value: float
    note: str


def _upsert(run: IngestionRun, frame: pd.DataFrame, progress: Progress | None) -> None:
    """Insert new keys, update changed values, count the rest as unchanged; sets run counts."""
    run.inserted = run.updated = run.unchanged = 0
    if frame.empty:
        return
    indicators = dict(
        Indicator.objects.filter(code__in=set(frame["indicator"])).values_list("code", "pk")
    )
    areas = dict(Region.objects.filter(code__in=set(frame["area"])).values_list("code", "pk"))
    existing = {
        (i, a, p, d): (v, s, n)
        for i, a, p, d, v, s, n in Observation.objects.filter(
            indicator_id__in=indicators.values(), area_id__in=areas.values()
        ).values_list(
            "indicator_id", "area_id", "period", "dimension", "value", "period_start", "note"
        )
    }
    changed: list[tuple[Any, ...]] = []
    run_id = run.pk if run.pk else None
    rows = cast(Iterable[_FrameRow], frame.itertuples(index=False))
    for row in rows:
        key = (indicators[row.indicator], areas[row.area], row.period, row.dimension)
        old = existing.get(key)
        if (
            old is not None
            and _same(old[0], row.value)
            and old[1:] == (row.period_start, row.note)
        ):
            run.unchanged += 1
            continue
        if old is None:
            run.inserted += 1
        else:
            run.updated += 1
        changed.append(
            (*key[:3], row.period_start, row.dimension, float(row.value), row.note, run_id)
        )
    _write(changed, progress, total=len(frame))


def _same(old: float, new: float) -> bool:
    return math.isclose(old, new, rel_tol=1e-12, abs_tol=1e-12)


ROW_FIELDS = ("indicator_id", "area_id", "period", "period_start", "dimension", "value", "note")


def _write(rows: list[tuple[Any, ...]], progress: Progress | None, *, total: int) -> None:
    """Upsert rows of (indicator_id, area_id, period, period_start, dimension, value, note,
    run_id): on PostgreSQL one COPY into a temporary table and one INSERT … ON CONFLICT (no
    model instances: a million rows in seconds), elsewhere bulk_create in batches."""
    done = total - len(rows)

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, total)

    if rows:
        program_changed()  # bulk upserts send no signals: tell the page caches ourselves
        if connection.vendor == "postgresql":
            _write_copy(rows, advance)
        else:
            for start in range(0, len(rows), BATCH):
                batch = rows[start : start + BATCH]
                _write_orm(batch)
                advance(len(batch))
    elif progress:
        progress(total, total)


def _write_orm(rows: list[tuple[Any, ...]]) -> None:
    Observation.objects.bulk_create(
        [Observation(**dict(zip((*ROW_FIELDS, "run_id"), row, strict=True))) for row in rows],
        update_conflicts=True,
        unique_fields=KEY,
        update_fields=["value", "period_start", "run", "note", "updated_at"],
    )


def _write_copy(rows: list[tuple[Any, ...]], advance: Callable[[int], None]) -> None:
    table = Observation._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS ingest_rows "
            "(indicator_id bigint, area_id bigint, period varchar(10), period_start date, "
            "dimension varchar(80), value double precision, note varchar(300), run_id bigint) "
            "ON COMMIT DELETE ROWS"
        )
        cursor.execute("TRUNCATE ingest_rows")
        with cursor.copy("COPY ingest_rows FROM STDIN") as copy:
            for start in range(0, len(rows), BATCH):
                batch = rows[start : start + BATCH]
                for row in batch:
                    copy.write_row(row)
                advance(len(batch))
        # The table and columns are fixed names of our own, not user input.
        cursor.execute(
            f'INSERT INTO "{table}" (indicator_id, area_id, period, period_start, dimension, '  # noqa: S608
            "value, note, run_id, updated_at) "
            "SELECT indicator_id, area_id, period, period_start, dimension, value, note, "
            "run_id, %s FROM ingest_rows "
            "ON CONFLICT (indicator_id, area_id, period, dimension) DO UPDATE SET "
            "value = EXCLUDED.value, period_start = EXCLUDED.period_start, "
            "note = EXCLUDED.note, run_id = EXCLUDED.run_id, updated_at = EXCLUDED.updated_at",
            [timezone.now()],
        )


# -- derived indicators ------------------------------------------------------------------------


def derived_recompute(*, changed: Iterable[str] | None = None) -> dict[str, int]:
    """Recompute derived indicators whose inputs include ``changed`` codes (None: all).

    A derived value exists for every area and period where all inputs (without dimension)
    have a value. It is written by its own run (trigger "derived", label naming the formula)
    with a note showing the inputs, so it has provenance like any ingested figure. A value
    ingested or quoted from a publisher for the same key is never overwritten. Values whose
    inputs disappeared are removed. Returns counts; writes a run only when something changed.
    """
    names = {code_to_name(c) for c in changed} if changed is not None else None
    totals = {"inserted": 0, "updated": 0, "unchanged": 0, "deleted": 0}
    by_name = {code_to_name(i.code): i for i in Indicator.objects.all()}
    for target in [i for i in by_name.values() if i.formula]:
        try:
            formula = parse_formula(target.formula)
        except FormulaError as exc:
            logger.warning("derived indicator %s skipped: %s", target.code, exc.message)
            continue
        if names is not None and not (formula.names & names):
            continue
        if not formula.names <= set(by_name):
            logger.warning("derived indicator %s uses unknown inputs", target.code)
            continue
        counts = _derive_one(target, formula, {n: by_name[n] for n in formula.names})
        for key, value in counts.items():
            totals[key] += value
    return totals


def _derive_one(
    target: Indicator, formula: Formula, inputs: dict[str, Indicator]
) -> dict[str, int]:
    values: dict[tuple[int, str], dict[str, float]] = {}
    starts: dict[tuple[int, str], dt.date] = {}
    name_of = {i.pk: n for n, i in inputs.items()}
    for ind_id, area_id, period, start, value in Observation.objects.filter(
        indicator_id__in=name_of, dimension=""
    ).values_list("indicator_id", "area_id", "period", "period_start", "value"):
        values.setdefault((area_id, period), {})[name_of[ind_id]] = value
        starts[(area_id, period)] = start
    computed: dict[tuple[int, str], tuple[float, str]] = {}
    for key, found in values.items():
        if set(found) == formula.names:
            try:
                computed[key] = (formula.evaluate(found), _derivation_note(formula, found))
            except FormulaError as exc:
                logger.warning("%s for %s: %s", target.code, key, exc.message)
    return _store_derived(target, formula, computed, starts)


def _derivation_note(formula: Formula, found: dict[str, float]) -> str:
    inputs = ", ".join(f"{name}={found[name]:g}" for name in sorted(found))
    return f"= {formula.text}; {inputs}"[:300]


def _store_derived(
    target: Indicator,
    formula: Formula,
    computed: dict[tuple[int, str], tuple[float, str]],
    starts: dict[tuple[int, str], dt.date],
) -> dict[str, int]:
    counts = {"inserted": 0, "updated": 0, "unchanged": 0, "deleted": 0}
    existing = {
        (o.area_id, o.period): o
        for o in Observation.objects.filter(indicator=target, dimension="").select_related("run")
    }
    writes: list[Observation] = []
    for key, (value, note) in computed.items():
        old = existing.get(key)
        if old is not None and (old.run is None or old.run.trigger != DERIVED_TRIGGER):
            continue  # a publisher's figure for the same key wins over our derivation
        if old is not None and _same(old.value, value) and old.note == note:
            counts["unchanged"] += 1
            continue
        counts["updated" if old else "inserted"] += 1
        writes.append(
            Observation(
                indicator=target,
                area_id=key[0],
                period=key[1],
                period_start=starts[key],
                dimension="",
                value=value,
                note=note,
            )
        )
    stale = [
        o.pk
        for key, o in existing.items()
        if key not in computed and o.run is not None and o.run.trigger == DERIVED_TRIGGER
    ]
    counts["deleted"] = Observation.objects.filter(pk__in=stale).delete()[0] if stale else 0
    if writes:
        run = _derived_run(target, formula, counts)
        for obs in writes:
            obs.run = run
        program_changed()
        Observation.objects.bulk_create(
            writes,
            update_conflicts=True,
            unique_fields=KEY,
            update_fields=["value", "period_start", "run", "note", "updated_at"],
        )
    return counts


def _derived_run(target: Indicator, formula: Formula, counts: dict[str, int]) -> IngestionRun:
    now = timezone.now()
    return IngestionRun.objects.create(
        source=None,
        # Stored text, so not translated; the "derived" trigger says what kind of run it is.
        label=f"{target.code} = {formula.text}"[:300],
        trigger=DERIVED_TRIGGER,
        status=RunStatus.SUCCEEDED,
        started_at=now,
        finished_at=now,
        duration_ms=0,
        inserted=counts["inserted"],
        updated=counts["updated"],
        unchanged=counts["unchanged"],
    )


__all__ = [
    "IngestRequest",
    "SourceBusy",
    "derived_recompute",
    "display_url",
    "due_sources_enqueue",
    "indicator_formula_check",
    "ingest",
    "ingest_due_sources_task",
    "ingest_source_task",
    "source_ingest",
    "source_run_enqueue",
]
