"""Read endpoints of the indicators: catalogue, series (JSON and CSV), observations, runs."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from policy.api.errors import ONE_ERRORS, READ_ERRORS, ApiError
from policy.api.pagination import PageIn, page_of
from policy.api.schemas import NO_NUL, IsoDate
from policy.revision import cached_fragment
from policy.types import ApiRequest

from .models import (
    Category,
    Confidence,
    Frequency,
    Indicator,
    IngestionRun,
    Observation,
    RunStatus,
)
from .periods import FREQUENCY_RANK, frequency_of, period_end, period_label, time_order
from .quality import flag_text
from .selectors import (
    SERIES_MAX_POINTS,
    indicator_get,
    indicator_search,
    ingestion_run_search,
    observation_search,
)

router = Router(tags=["indicators"])


class IndicatorOut(Schema):
    code: str
    name_zh: str
    name_en: str
    unit: str
    category: Category
    frequency: Frequency
    qualifier: str = Field(description="限定（如 FP16 / FP64）：不同限定的数值不可相加")
    definition: str
    confidence: Confidence
    confidence_note: str
    formula: str = Field(description="派生指标的公式；非派生为空")


class IndicatorPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[IndicatorOut]


class IndicatorFilter(Schema):
    category: Category | None = Field(None, description="类别")


class ObservationOut(Schema):
    indicator: str
    area: str
    area_name_zh: str
    period: str
    period_label: str = Field(description="期间的显示文字：年内累计期间写作“2023年1-6月（累计）”")
    frequency: Frequency = Field(
        description="该值的期间频率（由期间推出）：不同频率的值不可连成一条线或直接比较"
    )
    period_start: dt.date
    period_end: dt.date
    dimension: str
    value: float
    run_id: int | None = Field(description="写入该值的采集记录（来源与时间可查）")
    source: str | None = Field(description="数据来源代码；派生或直接录入时为空")
    fetched_at: dt.datetime | None = Field(description="采集时间")
    quality: str | None = Field(
        None,
        description="数据质量规则把该值标为存疑时的说明（保留但不应当作事实引用）；无则为空",
    )


class ObservationPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ObservationOut]


class SeriesFilter(Schema):
    areas: str | None = Field(
        None, max_length=400, pattern=r"^[A-Za-z0-9_,.\-]*$", description="地区代码，逗号分隔"
    )
    period_from: IsoDate | None = None
    period_to: IsoDate | None = None


class ObservationFilter(SeriesFilter):
    indicator: str | None = Field(None, max_length=80, pattern=NO_NUL)


class FrequencyCount(Schema):
    frequency: Frequency
    count: int


class SeriesOut(Schema):
    indicator: IndicatorOut
    count: int
    frequencies: list[FrequencyCount] = Field(
        description="数据中的频率及各自的值数（粗到细）；points 按频率分组，每组内按时间先后"
    )
    frequency_matches: bool = Field(description="数据的频率是否恰为指标登记的频率")
    points: list[ObservationOut]


class RunOut(Schema):
    id: int
    source: str | None
    label: str
    trigger: str
    status: RunStatus
    started_at: dt.datetime
    finished_at: dt.datetime | None
    duration_ms: int | None
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    error: str
    sha256: str


class RunPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[RunOut]


class RunFilter(Schema):
    source: str | None = Field(None, max_length=60, pattern=NO_NUL)
    status: RunStatus | None = None


def _indicator_out(indicator: Indicator) -> dict[str, Any]:
    return {
        f: getattr(indicator, f)
        for f in (
            "code",
            "name_zh",
            "name_en",
            "unit",
            "category",
            "frequency",
            "qualifier",
            "definition",
            "confidence",
            "confidence_note",
            "formula",
        )
    }


def _observation_out(obs: Observation) -> dict[str, Any]:
    run = obs.run
    return {
        "indicator": obs.indicator.code,
        "area": obs.area.code,
        "area_name_zh": obs.area.name_zh,
        "period": obs.period,
        "period_label": period_label(obs.period),
        "frequency": frequency_of(obs.period),
        "period_start": obs.period_start,
        "period_end": period_end(obs.period) or obs.period_start,
        "dimension": obs.dimension,
        "value": obs.value,
        "run_id": run.pk if run else None,
        "source": run.source.code if run and run.source else None,
        "fetched_at": run.started_at if run else None,
        "quality": _quality(obs),
    }


def _quality(obs: Observation) -> str | None:
    """The open flag's comparison (``with_flags`` annotates it), or None."""
    rule = getattr(obs, "flag_rule", None)
    return flag_text(rule, getattr(obs, "flag_params", None) or {}) if rule else None


def _areas(raw: str | None) -> list[str]:
    return [a.strip() for a in (raw or "").split(",") if a.strip()]


@router.get(
    "/indicators",
    response={200: IndicatorPage, **READ_ERRORS},
    operation_id="list_indicators",
    summary="外部指标目录（算力、电价、供应链）",
)
def list_indicators(
    request: ApiRequest, filters: Query[IndicatorFilter], page: Query[PageIn]
) -> dict[str, Any]:
    result = page_of(indicator_search(request.auth, category=filters.category), page)
    result["items"] = [_indicator_out(i) for i in result["items"]]
    return result


@router.get(
    "/indicators/{code}",
    response={200: IndicatorOut, **ONE_ERRORS},
    operation_id="get_indicator",
    summary="一个指标的定义、单位、限定与可信度",
)
def get_indicator(request: ApiRequest, code: str) -> dict[str, Any]:
    return _indicator_out(indicator_get(request.auth, code))


def _series(
    request: ApiRequest, code: str, filters: SeriesFilter
) -> tuple[Indicator, list[Observation]]:
    indicator = indicator_get(request.auth, code)
    qs = observation_search(
        request.auth,
        indicator=code,
        areas=_areas(filters.areas),
        period_from=filters.period_from,
        period_to=filters.period_to,
    )
    points = list(qs[: SERIES_MAX_POINTS + 1])
    if len(points) > SERIES_MAX_POINTS:
        raise ApiError(
            422,
            _("该序列超过 %(max)s 个数值：请用 areas 或 period_from/period_to 缩小范围。")
            % {"max": SERIES_MAX_POINTS},
            "too_many_points",
        )
    # Each frequency apart (coarsest first), then area and dimension, in true time order.
    points.sort(
        key=lambda o: (
            FREQUENCY_RANK[frequency_of(o.period)],
            o.area.code,
            o.dimension,
            time_order(o.period),
        )
    )
    return indicator, points


@router.get(
    "/indicators/{code}/series",
    response={200: SeriesOut, **ONE_ERRORS},
    operation_id="get_indicator_series",
    summary="一个指标的时间序列：按地区与期间筛选，每个值带采集来源",
)
def get_indicator_series(
    request: ApiRequest, code: str, filters: Query[SeriesFilter]
) -> HttpResponse:

    def build() -> str:
        indicator, points = _series(request, code, filters)
        counts = Counter(frequency_of(o.period) for o in points)
        body = {
            "indicator": _indicator_out(indicator),
            "count": len(points),
            "frequencies": [
                {"frequency": f, "count": n}
                for f, n in sorted(counts.items(), key=lambda item: FREQUENCY_RANK[item[0]])
            ],
            "frequency_matches": not counts or set(counts) == {indicator.frequency},
            "points": [_observation_out(o) for o in points],
        }
        return SeriesOut.model_validate(body).model_dump_json()

    # Every role reads the same series: serialized once per data revision and query.
    key = json.dumps(filters.dict(), default=str, sort_keys=True)
    content = cached_fragment("api-series", code, key, build=build)
    return HttpResponse(content, content_type="application/json; charset=utf-8")


CSV_COLUMNS = list(ObservationOut.model_fields)


def _csv_header() -> dict[str, str]:
    """Column titles in the request's language (Chinese by default), same order as the JSON."""
    return {
        "indicator": _("指标代码"),
        "area": _("地区代码"),
        "area_name_zh": _("地区"),
        "period": _("期间"),
        "period_label": _("期间（显示）"),
        "frequency": _("频率"),
        "period_start": _("期初日期"),
        "period_end": _("期末日期"),
        "dimension": _("维度"),
        "value": _("数值"),
        "run_id": _("采集记录"),
        "source": _("来源"),
        "fetched_at": _("采集时间"),
        "quality": _("数据质量"),
    }


@router.get(
    "/indicators/{code}/series.csv",
    response={200: str, **ONE_ERRORS},
    operation_id="get_indicator_series_csv",
    summary="同上，CSV（UTF-8 带 BOM，中文列名，Excel 直接打开不乱码）",
    openapi_extra={
        "responses": {
            200: {
                "description": "CSV",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    },
)
def get_indicator_series_csv(
    request: ApiRequest, code: str, filters: Query[SeriesFilter]
) -> HttpResponse:
    _indicator_row, points = _series(request, code, filters)
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS)
    writer.writerow(_csv_header())
    for obs in points:
        writer.writerow(_observation_out(obs))
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{code}.csv"'
    return response


@router.get(
    "/observations",
    response={200: ObservationPage, **READ_ERRORS},
    operation_id="list_observations",
    summary="观测值：按指标、地区、期间筛选（分页）",
)
def list_observations(
    request: ApiRequest, filters: Query[ObservationFilter], page: Query[PageIn]
) -> dict[str, Any]:
    qs = observation_search(
        request.auth,
        indicator=filters.indicator,
        areas=_areas(filters.areas),
        period_from=filters.period_from,
        period_to=filters.period_to,
    )
    result = page_of(qs, page)
    result["items"] = [_observation_out(o) for o in result["items"]]
    return result


def _run_out(run: IngestionRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "source": run.source.code if run.source else None,
        "label": run.label,
        "trigger": run.trigger,
        "status": run.status,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "duration_ms": run.duration_ms,
        "inserted": run.inserted,
        "updated": run.updated,
        "unchanged": run.unchanged,
        "rejected": run.rejected,
        "error": run.error,
        "sha256": run.sha256,
    }


@router.get(
    "/ingestion-runs",
    response={200: RunPage, **READ_ERRORS},
    operation_id="list_ingestion_runs",
    summary="采集记录：每次采集的时间、结果、计数与原始数据校验和",
)
def list_ingestion_runs(
    request: ApiRequest, filters: Query[RunFilter], page: Query[PageIn]
) -> dict[str, Any]:
    result = page_of(ingestion_run_search(request.auth, **filters.dict()), page)
    result["items"] = [_run_out(r) for r in result["items"]]
    return result
