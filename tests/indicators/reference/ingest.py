"""Validation and upsert as they were: per-row Python over the whole frame (see __init__).

``ingest(request)`` is the old ``indicators.services.ingest`` body with the old stages; the run
lifecycle (claim, payload, failure record) is production's, shared by both paths.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators import services
from indicators.areas import area_names_resolve
from indicators.connectors import ParseResult
from indicators.exceptions import ConnectorError
from indicators.models import Indicator, IngestionRun, Observation, RunStatus
from indicators.services import IngestRequest
from indicators.validation import check_code_lengths
from policy.models import Region
from policy.revision import program_changed
from tests.indicators.reference import rowwise

Progress = Callable[[int, int], None]
BATCH = 1000
MAX_PROBLEMS_LISTED = 5
KEY = ["indicator", "area", "period", "dimension"]


@dataclass
class _Rows:
    frame: pd.DataFrame
    new_indicators: dict[str, dict[str, str]] = field(default_factory=dict)
    new_areas: dict[str, str] = field(default_factory=dict)


def ingest(request: IngestRequest) -> IngestionRun:
    run = services._run_start(request)
    started = time.monotonic()
    try:
        payload = services._payload(request)
        services._keep_payload(run, request, payload)
        result = rowwise.parse(request.kind, request.options, payload)
        area_names_resolve(result)  # a new stage, the same for both paths
        rows = _validate(result, create_missing=request.create_missing)
        run.missing = result.missing
        with transaction.atomic():
            services._create_missing_codes(rows.new_indicators, rows.new_areas)
            _upsert(run, rows.frame, request.progress)
            if not request.dry_run:
                services.derived_recompute(changed=set(rows.frame["indicator"]))
            if request.dry_run:
                transaction.set_rollback(True)
    except Exception as exc:
        services._run_fail(run, request, exc, started)
        raise
    services._run_finish(run, request, RunStatus.SUCCEEDED, "", started)
    return run


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
        raise ConnectorError(_("数据中没有任何观测值。请检查地址、文件或列映射。"))
    _check_duplicates(frame)
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=set(frame["indicator"]))}
    areas = set(Region.objects.filter(code__in=set(frame["area"])).values_list("code", flat=True))
    rows = _Rows(frame)
    problems: list[str] = []
    bad_rows: set[int] = set()
    unknown_ind = sorted(set(frame["indicator"]) - set(indicators))
    unknown_area = sorted(set(frame["area"]) - areas)
    if create_missing:
        check_code_lengths(unknown_ind, unknown_area)  # unchanged: shared
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
            ("indicator", unknown_ind, _("请在管理后台添加，或用 indicator_map 映射")),
            ("area", unknown_area, _("请用 area_map 映射，或先添加该地区")),
        ):
            for code in codes:
                mask = frame[column] == code
                bad_rows.update(frame.index[mask])
                problems.append(
                    _("未知 %(column)s 代码“%(code)s”（%(where)s）：%(hint)s")
                    % {"column": column, "code": code, "where": _where(frame, mask), "hint": hint}
                )
    _check_values(frame, indicators, problems, bad_rows)
    if problems:
        if unknown_ind or unknown_area:
            problems.append(_("或使用 --create-missing 自动创建未知代码"))
        raise _rejection(problems, len(bad_rows))
    return rows


def _check_duplicates(frame: pd.DataFrame) -> None:
    dup = frame.duplicated(subset=KEY, keep=False)
    if not dup.any():
        return
    first = frame[dup].iloc[0]
    same = dup & (frame[KEY] == first[KEY]).all(axis=1)
    raise ConnectorError(
        _(
            "%(n)s 行与其他行的键重复，例如 %(key)s，位于 %(where)s。每个指标、地区、期间（及维"
            "度）只能出现一次：请删除重复行，或把区分它们的列映射为维度（dimension）。"
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
                    "单位“%(unit)s”与指标“%(code)s”的单位“%(expected)s”不符（%(where)s）：请在来"
                    "源选项中用“scale”换算、用“unit_map”改名"
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
                _("“%(code)s”的数值 %(value)s 超出合理范围 %(low)s … %(high)s（%(where)s）")
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
    shown = _("、").join(locators[:3])  # the one message change made to both paths
    return shown + (
        _(" 等，另有 %(n)s 处") % {"n": len(locators) - 3} if len(locators) > 3 else ""
    )


def _rejection(problems: list[str], rejected: int) -> ConnectorError:
    listed = problems[:MAX_PROBLEMS_LISTED]
    more = len(problems) - len(listed)
    text = "; ".join(listed) + (_("；另有 %(n)s 个问题") % {"n": more} if more else "")
    return ConnectorError(
        _("未导入任何数据：%(n)s 行无效。%(problems)s。") % {"n": rejected, "problems": text},
        fields={"rejected": rejected},
    )


def _first_unit(frame: pd.DataFrame, code: str) -> str:
    units = frame.loc[(frame["indicator"] == code) & (frame["unit"] != ""), "unit"]
    return str(units.iloc[0]) if not units.empty else ""


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
    for row in frame.itertuples(index=False):
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
