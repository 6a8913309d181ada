"""Reads of indicators for pages, charts, briefings and the API.

Every selector runs a fixed number of queries whatever the data size (tests lock the counts)
and returns plain dataclasses, so templates never query. Every value carries its provenance
(source, run, fetch time, confidence) and the staleness of the source that delivered it.

Staleness: a source is stale when its last successful run is older than
``Source.expected_every_days`` (or it never succeeded). A value is stale when its source is.
A derived value has no source of its own: it is stale when an input of the same area and
period comes from a stale source.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, JSONField, Max, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from policy.permissions import user_scope
from policy.types import AnyUser

from .formula import FormulaError, parse_formula
from .models import (
    Category,
    Confidence,
    FlagStatus,
    Frequency,
    Indicator,
    IngestionRun,
    Observation,
    QualityFlag,
    RunStatus,
    Source,
)
from .periods import (
    FREQUENCY_RANK,
    data_overdue,
    data_period_text,
    frequency_expression,
    frequency_of,
    next_period_code,
    period_end,
    period_label,
    time_order,
)
from .progress import RunProgress, run_progress
from .quality import flag_text

# The figures the overview shows first, by category; codes missing from the database are skipped.
KEY_INDICATOR_CODES = (
    "sc-available-compute",
    "cn-total-compute",
    "dc-power-price",
    "power-cost-per-p-month",
    "hbm-market-share",
    "cn-accel-server-market",
)
# Which area's value stands for an indicator when several share its latest period.
PREFERRED_AREAS = ("510000", "510100", "CHN", "WLD")
DERIVED_TRIGGER = "derived"


@dataclass(frozen=True)
class Freshness:
    """Source health by source id; the derived (indicator, area, period) keys that are stale."""

    health: dict[int, SourceHealth]
    stale_derived: frozenset[tuple[int, int, str]] = frozenset()


@dataclass(frozen=True)
class SourceHealth:
    """How fresh a source is: its last run, last good run and whether it is stale."""

    source_id: int
    code: str
    name: str
    kind: str
    enabled: bool
    expected_every_days: int
    last_run_at: dt.datetime | None
    last_status: str
    last_error: str
    last_good_at: dt.datetime | None
    stale: bool

    @property
    def last_status_label(self) -> str:
        return str(RunStatus(self.last_status).label) if self.last_status else ""

    @property
    def age(self) -> dt.timedelta | None:
        """Time since the last successful run."""
        return timezone.now() - self.last_good_at if self.last_good_at else None


@dataclass(frozen=True)
class Provenance:
    """Where one displayed value comes from."""

    # "source" (a configured feed), "import" (a one-off `manage.py ingest --kind ... --file`),
    # "derived" (computed by a formula) or "manual" (seeded or entered without a run)
    kind: str
    source_code: str
    source_name: str
    publisher: str
    citation: str
    run_id: int | None
    run_label: str
    fetched_at: dt.datetime | None
    confidence: str
    confidence_label: str
    confidence_note: str
    note: str
    stale: bool


@dataclass(frozen=True)
class ValueRow:
    """One observation ready to display."""

    area_code: str
    area_name: str
    is_comparison: bool
    period: str
    period_start: dt.date
    dimension: str
    value: float
    provenance: Provenance
    freq: str = "A"
    period_end: dt.date | None = None
    period_label: str = ""
    flag_rule: str = ""
    flag_params: dict[str, object] | None = None

    @property
    def freq_label(self) -> str:
        return frequency_name(self.freq)

    @property
    def doubtful(self) -> bool:
        """A data-quality rule marked this value and nobody has resolved it yet (存疑)."""
        return bool(self.flag_rule)

    @property
    def flag_text(self) -> str:
        """The rule's comparison ("较上期 0.6 增长 100 倍，疑似单位错误（分/元）"), or ""."""
        return flag_text(self.flag_rule, self.flag_params or {}) if self.flag_rule else ""


def frequency_name(freq: str) -> str:
    """The frequency's name in the active language ("年度", "半年", "年内累计", ...)."""
    return str(Frequency(freq).label) if freq in Frequency.values else freq


@dataclass(frozen=True)
class FrequencyCheck:
    """The frequencies an indicator's data holds, checked against the one it is registered with.

    ``observed`` is in drawing order (coarsest first). ``matches`` is true when the data holds
    exactly the stated frequency (or no data yet).
    """

    stated: str
    observed: tuple[str, ...]

    @property
    def matches(self) -> bool:
        return not self.observed or self.observed == (self.stated,)

    @property
    def derived(self) -> str:
        """The frequency the data says, when it holds one only; else the stated one."""
        return self.observed[0] if len(self.observed) == 1 else self.stated

    @property
    def observed_labels(self) -> list[str]:
        return [frequency_name(f) for f in self.observed]

    @property
    def observed_text(self) -> str:
        """The data's frequencies as a list in words ("年度、半年" / "Annual, Half-yearly")."""
        return _("、").join(self.observed_labels)

    @property
    def message(self) -> str:
        """Why the stated frequency is not the whole truth ("" when it is)."""
        if self.matches:
            return ""
        names = self.observed_text
        if len(self.observed) > 1:
            return _(
                "登记频率为“%(stated)s”，但数据含 %(n)s 种频率（%(names)s）：各频率分别成线，"
                "不相互连接或比较。"
            ) % {"stated": frequency_name(self.stated), "n": len(self.observed), "names": names}
        return _("登记频率为“%(stated)s”，但数据的频率是“%(names)s”：请在管理后台改正。") % {
            "stated": frequency_name(self.stated),
            "names": names,
        }


def frequency_check(indicator: Indicator, rows: Iterable[ValueRow]) -> FrequencyCheck:
    observed = sorted({row.freq for row in rows}, key=lambda f: FREQUENCY_RANK.get(f, 99))
    return FrequencyCheck(indicator.frequency, tuple(observed))


@dataclass
class IndicatorSummary:
    """An indicator with its latest value(s) for the catalogue and the overview."""

    indicator: Indicator
    name: str
    n_obs: int
    latest: list[ValueRow] = field(default_factory=list)
    url: str = ""

    @property
    def headline(self) -> ValueRow | None:
        return _headline(self.latest)

    @property
    def stale(self) -> bool:
        return any(row.provenance.stale for row in self.latest)


@dataclass
class CategoryGroup:
    code: str
    label: str
    indicators: list[IndicatorSummary]


@dataclass(frozen=True)
class KeyFigure:
    """One headline figure for the overview page (see ``key_indicator_figures``)."""

    code: str
    name: str
    category: str
    category_label: str
    value: float
    decimals: int
    unit: str
    qualifier: str
    period: str
    area_code: str
    area_name: str
    dimension: str
    age: dt.timedelta | None
    stale: bool
    provenance: Provenance
    others: list[ValueRow]
    url: str
    flag_text: str = ""
    # What the figure is about, said before the fetch age ("2023 年数据"), and whether the
    # next period should have been published by now (the indicator's publication lag).
    data_text: str = ""
    overdue: bool = False
    lag_days: int = 0
    expected_text: str = ""


@dataclass
class IndicatorDetail:
    indicator: Indicator
    name: str
    rows: list[ValueRow]
    sources: list[SourceHealth]

    @property
    def stale(self) -> bool:
        return any(s.stale for s in self.sources)

    @property
    def frequencies(self) -> FrequencyCheck:
        return frequency_check(self.indicator, self.rows)


# -- sources ---------------------------------------------------------------------------------


def source_health_list(user: AnyUser) -> list[SourceHealth]:
    """Every source with its last run, last good run and stale flag. One query."""
    if not user_scope(user).can_read:
        return []
    return list(_source_health().values())


def _source_health() -> dict[int, SourceHealth]:
    last = IngestionRun.objects.filter(source=OuterRef("pk")).order_by("-started_at")
    rows = Source.objects.annotate(
        last_run_at=Max("runs__started_at"),
        last_good_at=Max("runs__finished_at", filter=Q(runs__status=RunStatus.SUCCEEDED)),
        last_status=Subquery(last.values("status")[:1]),
        last_error=Subquery(last.values("error")[:1]),
    )
    now = timezone.now()
    return {
        s.pk: SourceHealth(
            source_id=s.pk,
            code=s.code,
            name=s.name,
            kind=s.kind,
            enabled=s.enabled,
            expected_every_days=s.expected_every_days,
            last_run_at=s.last_run_at,
            last_status=s.last_status or "",
            last_error=s.last_error or "",
            last_good_at=s.last_good_at,
            stale=s.last_good_at is None or now - s.last_good_at > s.expected_every,
        )
        for s in rows
    }


# -- provenance ------------------------------------------------------------------------------


def indicator_freshness(indicators: Iterable[Indicator]) -> Freshness:
    """Source health (one query) plus, when derived indicators are among ``indicators``, which
    derived values rest on a stale input (one more query)."""
    health = _source_health()
    inputs: dict[int, set[str]] = {}
    for indicator in indicators:
        if indicator.formula:
            try:
                names = set(parse_formula(indicator.formula).names)
            except FormulaError:
                continue
            inputs[indicator.pk] = names | {n.replace("_", "-") for n in names}
    if not inputs:
        return Freshness(health)
    stale_sources = {pk for pk, h in health.items() if h.stale}
    stale_inputs: dict[str, set[tuple[int, str]]] = defaultdict(set)
    codes = set().union(*inputs.values())
    # Filter on the indicator ids through a subquery and without ordering: joined on the code,
    # PostgreSQL estimated a fraction of all observations (a million at provincial scale),
    # chose a parallel sequential scan and JIT-compiled it (0.4 s on every cold overview).
    ids = Indicator.objects.filter(code__in=codes).values("pk")
    for code, area_id, period, source_id in (
        Observation.objects.filter(indicator_id__in=ids, dimension="")
        .order_by()
        .values_list("indicator__code", "area_id", "period", "run__source_id")
    ):
        if source_id in stale_sources:
            stale_inputs[code].add((area_id, period))
    stale = {
        (indicator_id, area_id, period)
        for indicator_id, names in inputs.items()
        for name in names
        for area_id, period in stale_inputs.get(name, ())
    }
    return Freshness(health, frozenset(stale))


def _provenance(obs: Observation, fresh: Freshness) -> Provenance:
    run, indicator = obs.run, obs.indicator
    source = run.source if run else None
    confidence = source.confidence if source else indicator.confidence
    kind = "manual"
    if source is not None:
        kind = "source"
    elif run is not None and run.trigger == DERIVED_TRIGGER:
        kind = "derived"
    elif run is not None:
        kind = "import"
    return Provenance(
        kind=kind,
        source_code=source.code if source else "",
        source_name=source.name if source else "",
        publisher=source.publisher if source else "",
        citation=source.citation if source else "",
        run_id=run.pk if run else None,
        run_label=run.label if run else "",
        fetched_at=(run.finished_at or run.started_at) if run else None,
        confidence=confidence,
        confidence_label=str(Confidence(confidence).label)
        if confidence in Confidence.values
        else confidence,
        confidence_note=(source.confidence_note if source else "") or indicator.confidence_note,
        note=obs.note,
        stale=_is_stale(obs, source, kind, fresh),
    )


def _is_stale(obs: Observation, source: Source | None, kind: str, fresh: Freshness) -> bool:
    if kind == "derived":
        return (obs.indicator_id, obs.area_id, obs.period) in fresh.stale_derived
    health = fresh.health.get(source.pk) if source else None
    return bool(health and health.stale)


def with_flags(observations: QuerySet[Observation]) -> QuerySet[Observation]:
    """Each observation with its open data-quality flag's rule and comparison (the first, if
    several rules flagged it): two subqueries, no extra query."""
    open_flags = QualityFlag.objects.filter(
        observation=OuterRef("pk"), status=FlagStatus.OPEN
    ).order_by("pk")
    return observations.annotate(
        flag_rule=Subquery(open_flags.values("rule")[:1]),
        flag_params=Subquery(open_flags.values("params")[:1], output_field=JSONField()),
    )


def value_row_for(obs: Observation, fresh: Freshness) -> ValueRow:
    return ValueRow(
        flag_rule=getattr(obs, "flag_rule", None) or "",
        flag_params=getattr(obs, "flag_params", None),
        freq=frequency_of(obs.period),
        period_end=period_end(obs.period),
        period_label=period_label(obs.period),
        area_code=obs.area.code,
        area_name=obs.area.display_name(),
        is_comparison=obs.area.is_comparison,
        period=obs.period,
        period_start=obs.period_start,
        dimension=obs.dimension,
        value=obs.value,
        provenance=_provenance(obs, fresh),
    )


def _headline(rows: list[ValueRow]) -> ValueRow | None:
    if not rows:
        return None

    def rank(row: ValueRow) -> tuple[int, float]:
        area = (
            PREFERRED_AREAS.index(row.area_code)
            if row.area_code in PREFERRED_AREAS
            else len(PREFERRED_AREAS)
        )
        return (area, -row.value)

    return min(rows, key=rank)


# -- catalogue and key figures -----------------------------------------------------------------


def _observations() -> QuerySet[Observation]:
    return with_flags(
        Observation.objects.select_related("area", "run", "run__source", "indicator")
    )


def _latest_rows(indicator_ids: list[int] | None, fresh: Freshness) -> dict[int, list[ValueRow]]:
    """Observations at each indicator's latest period. One query."""
    latest = (
        Observation.objects.annotate(fq=frequency_expression())
        .filter(indicator=OuterRef("indicator"), fq=OuterRef("fq"))
        .order_by("-period_start")
        .values("period_start")[:1]
    )
    query = (
        _observations().annotate(fq=frequency_expression()).filter(period_start=Subquery(latest))
    )
    if indicator_ids is not None:
        query = query.filter(indicator_id__in=indicator_ids)
    by_frequency: dict[int, list[ValueRow]] = defaultdict(list)
    stated: dict[int, str] = {}
    for obs in query.order_by("indicator_id", "area__order", "area__code", "dimension"):
        by_frequency[obs.indicator_id].append(value_row_for(obs, fresh))
        stated[obs.indicator_id] = obs.indicator.frequency
    return {pk: one_frequency(rows, stated[pk]) for pk, rows in by_frequency.items()}


def one_frequency(rows: list[ValueRow], stated: str) -> list[ValueRow]:
    """The latest rows of one frequency only, so a card never sets a half-year beside a year:
    the stated frequency when the data has it, else the one whose latest period ends last
    (the coarser on a tie). Within it, the latest period (a cumulative period restarts each
    January, so its latest is the one ending last)."""
    if not rows:
        return rows
    freqs = {row.freq for row in rows}
    if stated in freqs:
        chosen = stated
    else:
        last = max(rows, key=lambda r: (r.period_end or dt.date.min, -FREQUENCY_RANK[r.freq]))
        chosen = last.freq
    same = [row for row in rows if row.freq == chosen]
    end = max(row.period_end or dt.date.min for row in same)
    return [row for row in same if (row.period_end or dt.date.min) == end]


def indicator_catalogue(user: AnyUser) -> list[CategoryGroup]:
    """Indicators by category with counts, latest values, provenance and stale flags.

    Three queries after the user's scope (indicators, latest observations, source health),
    plus one when there are derived indicators (their inputs' freshness).
    """
    if not user_scope(user).can_read:
        return []
    indicators = list(Indicator.objects.annotate(n_obs=Count("observations")))
    latest = _latest_rows(None, indicator_freshness(indicators))
    groups: dict[str, list[IndicatorSummary]] = defaultdict(list)
    for indicator in indicators:
        groups[indicator.category].append(
            IndicatorSummary(
                indicator=indicator,
                name=indicator.display_name(),
                n_obs=indicator.n_obs,
                latest=latest.get(indicator.pk, []),
                url=reverse("indicators:detail", args=[indicator.code]),
            )
        )
    return [
        CategoryGroup(c.value, str(c.label), groups[c.value]) for c in Category if groups[c.value]
    ]


def key_indicator_figures(user: AnyUser) -> list[KeyFigure]:
    """Headline capacity, power-price and supply-chain figures for the overview. Four queries.

    One ``KeyFigure`` per indicator of ``KEY_INDICATOR_CODES`` that has data, in that order:
    the latest period's value for the preferred area (Sichuan, Chengdu, China, world; for
    dimensions such as suppliers, the largest), with ``others`` holding the other values of the
    same period (Shenyang beside Chengdu, Samsung beside SK hynix). ``age`` is the time since
    the delivering source's last good run (since the derivation for derived values).
    """
    if not user_scope(user).can_read:
        return []
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=KEY_INDICATOR_CODES)}
    fresh = indicator_freshness(indicators.values())
    latest = _latest_rows([i.pk for i in indicators.values()], fresh)
    figures = []
    for code in KEY_INDICATOR_CODES:
        indicator = indicators.get(code)
        rows = latest.get(indicator.pk, []) if indicator else []
        head = _headline(rows)
        if indicator is None or head is None:
            continue
        figures.append(_key_figure(indicator, head, rows))
    return figures


def _key_figure(indicator: Indicator, head: ValueRow, rows: list[ValueRow]) -> KeyFigure:
    fetched = head.provenance.fetched_at
    overdue = data_overdue(head.period, indicator.publication_lag_days, timezone.localdate())
    return KeyFigure(
        data_text=data_period_text(head.period),
        overdue=overdue,
        lag_days=indicator.publication_lag_days,
        expected_text=data_period_text(next_period_code(head.period)) if overdue else "",
        code=indicator.code,
        name=indicator.display_name(),
        category=indicator.category,
        category_label=str(Category(indicator.category).label),
        value=head.value,
        decimals=indicator.decimals,
        unit=indicator.unit,
        qualifier=indicator.qualifier,
        period=head.period,
        area_code=head.area_code,
        area_name=head.area_name,
        dimension=head.dimension,
        age=timezone.now() - fetched if fetched else None,
        stale=head.provenance.stale or overdue,
        provenance=head.provenance,
        others=[row for row in rows if row is not head],
        url=reverse("indicators:detail", args=[indicator.code]),
        flag_text=head.flag_text,
    )


# -- one indicator -----------------------------------------------------------------------------


def indicator_detail(user: AnyUser, code: str) -> IndicatorDetail | None:
    """One indicator's whole series with provenance per value.

    Three queries after the scope (four for a derived indicator: its inputs' freshness).

    Returns ``None`` when the indicator does not exist or the user may not read.
    """
    if not user_scope(user).can_read:
        return None
    indicator = Indicator.objects.filter(code=code).first()
    if indicator is None:
        return None
    fresh = indicator_freshness([indicator])
    rows = [
        value_row_for(obs, fresh)
        for obs in _observations()
        .filter(indicator=indicator)
        .order_by("area__order", "area__code", "dimension", "period_start")
    ]
    # Per area and dimension, each frequency apart (coarsest first), in true time order.
    areas = {code: i for i, code in enumerate(dict.fromkeys(r.area_code for r in rows))}
    rows.sort(
        key=lambda r: (
            areas[r.area_code],
            r.dimension,
            FREQUENCY_RANK.get(r.freq, 99),
            time_order(r.period),
        )
    )
    source_codes = {row.provenance.source_code for row in rows if row.provenance.source_code}
    return IndicatorDetail(
        indicator=indicator,
        name=indicator.display_name(),
        rows=rows,
        sources=[h for h in fresh.health.values() if h.code in source_codes],
    )


def ingestion_run_list(
    user: AnyUser, *, limit: int = 50, status: str | None = None
) -> list[IngestionRun]:
    """The latest runs (of one status if given) with their sources, newest first. Admins only;
    one query."""
    if not user_scope(user).is_admin:
        return []
    runs = IngestionRun.objects.select_related("source").order_by("-started_at")
    if status is not None:
        runs = runs.filter(status=status)
    return list(runs[:limit])


def ingestion_run_progress(user: AnyUser, runs: Iterable[IngestionRun]) -> dict[int, RunProgress]:
    """How far each running run of ``runs`` has got (from the cache; see indicators.progress)."""
    if not user_scope(user).is_admin:
        return {}
    return run_progress(run.pk for run in runs if run.status == RunStatus.RUNNING)


def ingestion_run_get_for_download(user: AnyUser, run_id: int) -> IngestionRun | None:
    """The run whose raw payload an admin may download; ``None`` for anyone else."""
    if not user_scope(user).is_admin:
        return None
    return IngestionRun.objects.filter(pk=run_id).exclude(payload="").first()


def provenance_text(p: Provenance) -> str:
    """One line for CSV/Excel exports: source, run, fetch time, confidence."""
    if p.kind == "derived":
        where = _("派生：%(label)s") % {"label": p.run_label}
    elif p.kind == "import":
        where = _("一次性导入：%(label)s") % {"label": p.run_label}
    elif p.kind == "source":
        where = p.source_name
    else:
        where = _("直接录入")
    parts = [where]
    if p.run_id:
        parts.append(_("采集记录 #%(id)s") % {"id": p.run_id})
    if p.fetched_at:
        parts.append(timezone.localtime(p.fetched_at).strftime("%Y-%m-%d %H:%M"))
    return " · ".join(parts)


# -- API reads ---------------------------------------------------------------------------------

SERIES_MAX_POINTS = 20_000


def indicator_get(user: AnyUser, code: str) -> Indicator:
    """One indicator by code: 404 when there is none or the user may read nothing."""
    indicator = Indicator.objects.filter(code=code).first() if user_scope(user).can_read else None
    if indicator is None:
        raise Http404(_("指标不存在。"))
    return indicator


def indicator_search(user: AnyUser, *, category: str | None = None) -> QuerySet[Indicator]:
    """Indicators for the API, in catalogue order (a lazy queryset; the caller pages it)."""
    if not user_scope(user).can_read:
        return Indicator.objects.none()
    qs = Indicator.objects.order_by("category", "order", "code")
    return qs.filter(category=category) if category else qs


def observation_search(
    user: AnyUser,
    *,
    indicator: str | None = None,
    areas: Iterable[str] = (),
    period_from: dt.date | None = None,
    period_to: dt.date | None = None,
) -> QuerySet[Observation]:
    """Observations with indicator, area and run joined (one query a page), oldest first."""
    if not user_scope(user).can_read:
        return Observation.objects.none()
    qs = with_flags(
        Observation.objects.select_related("indicator", "area", "run", "run__source")
    ).order_by("indicator__code", "area__code", "period_start", "dimension")
    if indicator:
        qs = qs.filter(indicator__code=indicator)
    areas = [a for a in areas if a]
    if areas:
        qs = qs.filter(area__code__in=areas)
    if period_from:
        qs = qs.filter(period_start__gte=period_from)
    if period_to:
        qs = qs.filter(period_start__lte=period_to)
    return qs


def ingestion_run_search(
    user: AnyUser, *, source: str | None = None, status: str | None = None
) -> QuerySet[IngestionRun]:
    """Run metadata (never the payload) for provenance: every role may read it."""
    if not user_scope(user).can_read:
        return IngestionRun.objects.none()
    qs = IngestionRun.objects.select_related("source").order_by("-started_at", "-pk")
    if source:
        qs = qs.filter(source__code=source)
    if status:
        qs = qs.filter(status=status)
    return qs
