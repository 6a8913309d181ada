"""briefing_facts: what a briefing states, as of its period end, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from policy.briefings.content import executive_summary
from policy.briefings.periods import parse_period
from policy.briefings.selectors import BRIEFING_READER, briefing_facts, briefing_list
from policy.models import Kpi, KpiTarget, KpiValue, Milestone, Project


@pytest.fixture
def kpi(project: Project) -> Kpi:
    kpi = Kpi.objects.create(
        project=project, code="t-cap", name_zh="测试算力", unit="P", is_headline=True
    )
    KpiTarget.objects.create(kpi=kpi, target_date=dt.date(2026, 12, 31), value=1000)
    for period, end, value in [("2024", "2024-12-31", 300), ("2025", "2025-12-31", 500)]:
        KpiValue.objects.create(
            kpi=kpi,
            period=period,
            period_end=dt.date.fromisoformat(end),
            value=value,
            approved_value=value,
            state="approved",
        )
    # Entered after the period: must not appear in a briefing about October 2026.
    KpiValue.objects.create(
        kpi=kpi,
        period="2026-11",
        period_end=dt.date(2026, 11, 30),
        value=900,
        approved_value=900,
        state="approved",
    )
    # An initiative-level KPI too, so every prefetch of the overview runs.
    own = Kpi.objects.create(
        initiative=project.initiative, code="t-share", name_zh="测试占比", unit="%"
    )
    KpiTarget.objects.create(kpi=own, target_date=dt.date(2027, 12, 31), value=60)
    return kpi


@pytest.mark.django_db
def test_facts_are_as_of_the_period_end(milestone: Milestone, owner: Any, kpi: Kpi) -> None:
    Milestone.objects.create(
        project=milestone.project,
        title_zh="十月完成的里程碑",
        due_date=dt.date(2026, 10, 15),
        completed_on=dt.date(2026, 10, 10),
        status="done",
        percent_complete=100,
    )
    facts = briefing_facts(parse_period("monthly", "2026-10"))
    assert facts.as_of == dt.date(2026, 10, 31)
    section = next(s for s in facts.initiatives if s.initiative.code == "inference-compute")
    line = next(k for k in section.kpis if k.code == "t-cap")
    assert (line.latest, line.latest_date, line.target) == (500, dt.date(2025, 12, 31), 1000)
    assert line.attainment_pct == pytest.approx(50)
    assert [m.title for m in section.completed] == ["十月完成的里程碑"]
    late = section.overdue[0]
    assert (late.title, late.days_overdue) == ("一期上线", 123)  # due 30 June
    assert late.owners == "owner"
    assert late.owner_org == "测试单位"
    assert [s.initiative.order for s in facts.initiatives] == [1, 2, 3, 4, 5]
    summary = executive_summary(facts)
    assert "本期完成里程碑 1 个；逾期未完成 1 个，其中逾期超过 30 天的 1 个。" in summary


@pytest.mark.django_db
def test_facts_take_a_fixed_number_of_queries(
    milestone: Milestone, owner: Any, kpi: Kpi, django_assert_num_queries: Any
) -> None:
    # 19: the initiatives with their rows, their recorded statuses on the cut-off, where the
    # history starts and the colour changes since the previous briefing (4); KPIs, targets,
    # values and their recorded figures (4); milestones and owners (2); the indicators take
    # five (last two values per series, their indicators and areas, the value at the end of
    # the previous period, source health; their runs too when any has one), the database
    # picking the rows; the sources (1); +1: the monthly compute–power section looks for the
    # cost indicator (none configured here); +1: the projects' stored investment (five more
    # would derive it for a cut-off before the stored rows' day; none are stored here); +1: the
    # approved monthly reports still marked 存疑 (owner-entry data quality). One
    # series exists from the start: with none, its related rows need no query at all.
    _series(["2026-09"], [1.0], code="m-0")
    period = parse_period("monthly", "2026-10")
    with django_assert_num_queries(19):
        briefing_facts(period)
    for n in range(5):
        Milestone.objects.create(
            project=milestone.project, title_zh=f"逾期 {n}", due_date=dt.date(2026, 1, n + 1)
        )
    _series(["2026-08", "2026-09", "2026-10"], [1.0, 2.0, 3.0], code="m-a")
    _series(["2024", "2025"], [1.0, 2.0], code="a-b")
    with django_assert_num_queries(19):
        facts = briefing_facts(period)
    assert len(facts.indicators) == 3


@pytest.mark.django_db
def test_the_archive_is_empty_for_a_user_without_a_role(outsider: Any, official: Any) -> None:
    assert briefing_list(outsider).count() == 0
    assert briefing_list(official).model.__name__ == "Briefing"


def _series(
    periods: list[str], values: list[float], *, code: str, source: Any = None, freq: str = "M"
) -> Any:
    """An indicator for Sichuan with one observation per period, delivered by `source`."""
    from indicators.models import Indicator, IngestionRun, Observation, RunStatus
    from indicators.periods import parse_period as parse_indicator_period
    from policy.models import Region

    indicator = Indicator.objects.create(
        code=code, name_zh=f"指标{code}", unit="元", frequency=freq
    )
    run = None
    if source is not None:
        now = timezone.now()
        run = IngestionRun.objects.create(
            source=source, status=RunStatus.SUCCEEDED, started_at=now, finished_at=now
        )
    area = Region.objects.get(code="510000")
    for period, value in zip(periods, values, strict=True):
        parsed = parse_indicator_period(period)
        Observation.objects.create(
            indicator=indicator,
            area=area,
            period=parsed.code,
            period_start=parsed.start,
            value=value,
            run=run,
        )
    return indicator


@pytest.mark.django_db
def test_change_is_against_the_value_at_the_previous_briefing_period() -> None:
    _series(["2026-08", "2026-09", "2026-10", "2026-11"], [10.0, 12.0, 15.0, 99.0], code="m")
    _series(["2024", "2025"], [100.0, 120.0], code="a", freq="A")
    _series(["2026-10"], [7.0], code="new")
    facts = briefing_facts(parse_period("monthly", "2026-10"))
    lines = {i.code: i for i in facts.indicators}
    monthly = lines["m"]
    assert (monthly.period, monthly.value) == ("2026-10", 15.0)  # November is after the end
    assert (monthly.previous_period, monthly.previous_value) == ("2026-09", 12.0)
    assert monthly.is_new
    assert monthly.change == pytest.approx(3.0)
    assert monthly.change_pct == pytest.approx(25.0)
    annual = lines["a"]
    # The September briefing showed the same 2025 release: no new data, no invented change.
    assert (annual.previous_period, annual.is_new, annual.change) == ("2025", False, None)
    assert annual.prior_period == "2024"
    assert annual.prior_change_pct == pytest.approx(20.0)
    first = lines["new"]
    assert (first.has_previous, first.change, first.change_pct) == (False, None, None)
    summary = executive_summary(facts)
    assert any("较上期简报有新数据的 1 个" in line for line in summary)


@pytest.mark.django_db
def test_provenance_and_staleness_come_from_the_indicators_app() -> None:
    from indicators.models import Source
    from indicators.selectors import indicator_detail

    fresh = Source.objects.create(
        code="fresh", name="新鲜来源", kind="csv", confidence="high", expected_every_days=35
    )
    old = Source.objects.create(code="old", name="过期来源", kind="csv", expected_every_days=1)
    _series(["2026-09", "2026-10"], [1.0, 2.0], code="f", source=fresh)
    _series(["2026-09", "2026-10"], [1.0, 2.0], code="o", source=old)
    with time_machine.travel(timezone.now() + dt.timedelta(days=3)):
        facts = briefing_facts(parse_period("monthly", "2026-10"))
        web = indicator_detail(BRIEFING_READER, "o")
    lines = {i.code: i for i in facts.indicators}
    assert lines["f"].provenance.source_name == "新鲜来源"
    assert lines["f"].provenance.confidence_label == "高"
    assert lines["f"].provenance.run_id is not None
    assert lines["f"].provenance.fetched_at is not None
    assert lines["f"].is_stale is False
    assert lines["o"].is_stale is True
    assert web is not None
    assert web.rows[-1].provenance.stale is True
    assert [i.code for i in facts.stale_indicators] == ["o"]
    assert [s.name for s in facts.stale_sources] == ["过期来源"]


@pytest.mark.django_db
def test_a_source_without_a_recent_success_is_listed_as_stale() -> None:
    from indicators.models import IngestionRun, RunStatus, Source

    fresh = Source.objects.create(
        code="fresh", name="新鲜来源", kind="csv", expected_every_days=35
    )
    old = Source.objects.create(code="old", name="过期来源", kind="csv", expected_every_days=35)
    Source.objects.create(code="never", name="从未运行", kind="csv")
    now = timezone.now()
    when = now - dt.timedelta(days=5)
    IngestionRun.objects.create(
        source=fresh, status=RunStatus.SUCCEEDED, started_at=when, finished_at=when
    )
    long_ago = now - dt.timedelta(days=90)
    IngestionRun.objects.create(
        source=old, status=RunStatus.SUCCEEDED, started_at=long_ago, finished_at=long_ago
    )
    IngestionRun.objects.create(source=old, status=RunStatus.FAILED, started_at=when)
    facts = briefing_facts(parse_period("monthly", "2026-10"))
    assert [s.name for s in facts.stale_sources] == ["从未运行", "过期来源"]  # by code
    by_name = {s.name: s for s in facts.sources}
    assert by_name["过期来源"].health.last_status == "failed"
    assert by_name["过期来源"].health.last_good_at == long_ago
    assert by_name["过期来源"].health.last_run_at == when
    assert by_name["新鲜来源"].is_stale is False


@pytest.mark.django_db
def test_a_figure_whose_next_period_is_overdue_by_the_publication_lag_is_stale() -> None:
    """Staleness of the data, not only of the source: judged on the cut-off with the
    indicator's own publication lag (issue 15)."""
    from indicators.models import Indicator

    _series(["2026-05", "2026-06"], [1.0, 2.0], code="late")
    _series(["2026-05", "2026-06"], [1.0, 2.0], code="slow")
    Indicator.objects.filter(code="late").update(publication_lag_days=30)
    Indicator.objects.filter(code="slow").update(publication_lag_days=120)
    october = {i.code: i for i in briefing_facts(parse_period("monthly", "2026-10")).indicators}
    # July 2026 ended on 31 July: due by 30 August with a 30-day lag, by 28 November with 120.
    assert (october["late"].overdue, october["late"].is_stale) == (True, True)
    assert october["late"].source_stale is False
    assert october["late"].expected_text == "2026 年 7 月数据"
    assert october["slow"].overdue is False
    # The same figure was not yet overdue at the end of July (judged on the cut-off).
    july = {i.code: i for i in briefing_facts(parse_period("monthly", "2026-07")).indicators}
    assert july["late"].overdue is False
    summary = executive_summary(briefing_facts(parse_period("monthly", "2026-10")))
    assert any("来源过期或数据滞后的 1 个" in line for line in summary)


@pytest.mark.django_db
def test_the_briefing_says_which_release_is_overdue() -> None:
    from django.template.loader import render_to_string

    from indicators.models import Indicator
    from policy.briefings.render import TEMPLATE, briefing_context

    _series(["2026-05", "2026-06"], [1.0, 2.0], code="late")
    Indicator.objects.filter(code="late").update(publication_lag_days=30)
    facts = briefing_facts(parse_period("monthly", "2026-10"))
    html = render_to_string(TEMPLATE, briefing_context(facts, issued_on=dt.date(2026, 11, 2)))
    assert "数据滞后" in html
    assert "按发布滞后 30 天计，应已有 2026 年 7 月数据" in html
