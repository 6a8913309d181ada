"""Every write of the indicators app: ingestion runs, observation upserts, derived figures.

One code path for the Celery task, the ``ingest`` command, the admin's "run now" and the demo
seed (STYLE.md section 2):

    fetch (or read the file) -> keep the raw payload (SHA-256, private storage)
    -> connector.parse (whole columns: connectors/frame.py)
    -> area names to region codes (areas.py)
    -> validate (codes, units, ranges, duplicate keys: validation.py)
    -> write in ONE transaction, only rows that differ (staging.py)
    -> recompute derived indicators -> record the run
    (progress goes to the cache meanwhile: progress.py)

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
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from policy.exceptions import PermissionDeniedError, ValidationFailed
from policy.models import Region, RegionLevel
from policy.queue import enqueue_on_commit
from policy.readmodel import refresh_for_indicators
from policy.revision import program_changed
from policy.types import User

from .areas import area_names_resolve
from .connectors import get_connector
from .dataquality import can_review, consistency_evaluate, flags_record
from .exceptions import ConnectorError, IngestionError, TransientFetchError
from .fetch import Fetcher, display_url
from .formula import Formula, FormulaError, code_to_name, parse_formula
from .models import (
    Category,
    FlagStatus,
    Indicator,
    IngestionRun,
    Observation,
    QualityFlag,
    RunStatus,
    Source,
)
from .progress import Forward, Reporter
from .runs import run_failed_alert, run_heartbeat, runs_reap, worker_identity
from .staging import same_value, upsert
from .validation import present, validate

logger = logging.getLogger(__name__)

BATCH = 1000
MAX_PROBLEMS_LISTED = 5
# A run still "running" after this long was killed (worker lost); a new run may start.
RUN_CLAIM_TIMEOUT = dt.timedelta(minutes=30)
DERIVED_TRIGGER = "derived"
PAYLOAD_SUFFIX = {
    "excel": "xlsx",
    "json": "json",
    "worldbank": "json",
    "nbs": "json",
    "sdmx-json": "json",
}
KEY = ["indicator", "area", "period", "dimension"]
NOTE_MAX_LENGTH = 500


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
    progress: Forward | None = None
    fetcher: Fetcher | None = None
    # Data-quality rules that refuse the payload instead of marking values (Source.refuse_rules)
    refuse: frozenset[str] = frozenset()


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
    progress: Forward | None = None,
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
        refuse=frozenset(str(r) for r in (source.refuse_rules or [])),
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
    reporter = Reporter(run.pk, request.progress)
    try:
        with run_heartbeat(run):  # lets another process tell this run from a dead one
            reporter.stage("read")
            payload = _payload(request)
            _keep_payload(run, request, payload)
            result = get_connector(request.kind, request.options).parse(payload)
            area_names_resolve(result)
            validated = validate(
                result, create_missing=request.create_missing, refuse=request.refuse
            )
            run.missing = result.missing
            with transaction.atomic():
                _create_missing_codes(validated.new_indicators, validated.new_areas)
                reporter.stage("stage", 0, len(validated.rows))
                counts = upsert(
                    validated.rows, run_id=run.pk, progress=reporter, dry_run=request.dry_run
                )
                run.inserted, run.updated, run.unchanged = (
                    counts.inserted,
                    counts.updated,
                    counts.unchanged,
                )
                run.flagged = validated.flagged
                if not request.dry_run:
                    changed = present(validated.rows["indicator"])
                    # Doubtful values are kept and marked (the rules ran on the columns
                    # above); the rules between series run on what is now stored.
                    flagged = flags_record(validated, run if run.pk else None)
                    flagged += consistency_evaluate(changed, run if run.pk else None)
                    run.flagged = flagged
                    derived_recompute(changed=changed)
                    # KPIs that follow these indicators: their statuses, in the same transaction.
                    refresh_for_indicators(changed)
                if request.dry_run:
                    transaction.set_rollback(True)
    except Exception as exc:
        _run_fail(run, request, exc, started)
        raise
    finally:
        reporter.clear()
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
        "flagged": run.flagged,
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
            _("公式使用了未知指标：%(names)s。指标代码中的 - 请写作 _。")
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
                _("来源“%(code)s”正在采集中；请等待该次运行结束（见运行记录）。")
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
            "采集超过任务时限（INDICATORS_TASK_SOFT_TIME_LIMIT = %(limit)s 秒）被中止，未导入任"
            "何数据。请缩小查询范围（减少年份或地区），或在服务器环境变量中调高 INDICATORS_TASK_"
            "SOFT_TIME_LIMIT 并重启 worker。"
        ) % {"limit": getattr(settings, "INDICATORS_TASK_SOFT_TIME_LIMIT", "?")}
    else:
        logger.exception("ingestion of %s crashed", request.label)
        message = _(
            "内部错误（%(type)s）：%(error)s。未导入任何数据；详细信息在 worker 日志中（按本次运"
            "行的来源代码或文件名搜索）。"
        ) % {
            "type": type(exc).__name__,
            "error": exc,
        }
    run.inserted = run.updated = run.unchanged = run.flagged = 0
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
            _("来源“%(code)s”既没有地址，也没有可读取的上传文件；请在管理后台填写地址或上传文件。")
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


# -- codes created on request ----------------------------------------------------------------


def _create_missing_codes(
    new_indicators: dict[str, dict[str, str]], new_areas: dict[str, str]
) -> None:
    for code, info in new_indicators.items():
        Indicator.objects.create(
            code=code,
            name_zh=(info["label"] or code)[:150],
            name_en=(info["label"] or code)[:200],
            unit=info["unit"][:40],
            category=Category.OTHER,
            confidence_note=_("由导入按发布方代码自动创建"),
        )
    for code, label in new_areas.items():
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
        if old is not None and same_value(old.value, value) and old.note == note:
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


# -- doubtful values (data quality) ------------------------------------------------------------


def _resolution_errors(action: str, note: str, value: float | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not note:
        errors["note"] = [_("请写明理由（例如核对了哪份原始资料）。")]
    elif len(note) > NOTE_MAX_LENGTH:
        errors["note"] = [_("理由过长：最多 %(n)s 个字符。") % {"n": NOTE_MAX_LENGTH}]
    if action not in ("confirm", "correct"):
        errors["action"] = [_("请选择“确认无误”或“更正数值”。")]
    if action == "correct" and value is None:
        errors["value"] = [_("更正数值时请填写正确的数值。")]
    return errors


def quality_flag_resolve(
    *, actor: User, flag_id: int, action: str, note: str, value: float | None = None
) -> QualityFlag:
    """Confirm a flagged value as right, or correct it; records who, when and why.

    A correction writes the new value into the observation (its note says it was corrected
    and from what), recomputes what derives from it and the KPIs that follow it.
    """
    if not can_review(actor):
        raise PermissionDeniedError(_("只有管理员和任务方向负责人可以处理存疑数值。"))
    note = (note or "").strip()
    errors = _resolution_errors(action, note, value)
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], fields=errors)
    with transaction.atomic():
        flag = (
            QualityFlag.objects.select_for_update(of=("self",))
            .select_related("observation__indicator")
            .filter(pk=flag_id)
            .first()
        )
        if flag is None:
            raise ValidationFailed(_("没有这条存疑记录（可能已因数值更新而消除）；请刷新页面。"))
        if flag.status != FlagStatus.OPEN:
            raise ValidationFailed(
                _("该存疑数值已处理（%(state)s），无需再次处理。")
                % {"state": flag.get_status_display()}
            )
        obs = flag.observation
        flag.resolved_by = actor
        flag.resolved_at = timezone.now()
        flag.resolution_note = note
        if action == "confirm":
            flag.status = FlagStatus.CONFIRMED
            flag.save()
            program_changed()
            return flag
        if value is None:  # pragma: no cover — refused above
            raise ValidationFailed(_("更正数值时请填写正确的数值。"))
        flag.status = FlagStatus.CORRECTED
        flag.corrected_from = obs.value
        flag.save()
        who = actor.get_full_name() or actor.username
        obs.note = (
            _("%(who)s 更正（原值 %(old)s）：%(note)s")
            % {"who": who, "old": f"{obs.value:g}", "note": note}
        )[:300]
        obs.value = float(value)
        obs.save(update_fields=["value", "note", "updated_at"])
        # Other open flags of this value judged the old number: they no longer apply.
        QualityFlag.objects.filter(observation=obs, status=FlagStatus.OPEN).delete()
        code = obs.indicator.code
        derived_recompute(changed=[code])
        refresh_for_indicators([code])
        program_changed()
        return flag


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
    "quality_flag_resolve",
    "source_ingest",
    "source_run_enqueue",
]
