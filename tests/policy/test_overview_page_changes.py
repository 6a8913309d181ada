"""The overview's "what changed" and key-indicator selectors, used by the briefing too."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from policy.models import Kpi, KpiValue, Milestone, Project
from policy.selectors.changes import (
    program_changes_since,
    week_start,
)

NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
SINCE = dt.datetime(2026, 11, 20, 0, 0, tzinfo=dt.UTC)


def approved(kpi: Kpi, period: str, *, reviewed_at: dt.datetime | None) -> KpiValue:
    return KpiValue.objects.create(
        kpi=kpi,
        period=period,
        period_end=dt.date(2026, 9, 30),
        value=Decimal(1),
        approved_value=Decimal(1),
        state="approved",
        reviewed_at=reviewed_at,
    )


@time_machine.travel(NOW)
def test_week_start_is_monday_midnight_local_time() -> None:
    start = timezone.localtime(week_start())
    assert start.date() == dt.date(2026, 11, 23)
    assert start.weekday() == 0
    assert (start.hour, start.minute) == (0, 0)


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_only_values_approved_after_since_count(project: Project, official: Any) -> None:
    kpi = Kpi.objects.create(project=project, code="c-kpi", name_zh="指标甲", unit="P")
    approved(kpi, "2026-Q1", reviewed_at=SINCE - dt.timedelta(days=1))
    approved(kpi, "2026-Q2", reviewed_at=SINCE + dt.timedelta(days=1))
    KpiValue.objects.create(
        kpi=kpi, period="2026-Q3", period_end=dt.date(2026, 9, 30), value=Decimal(9)
    )  # a draft is not news
    changes = program_changes_since(official, SINCE)
    assert [c.period for c in changes.kpi_values] == ["2026-Q2"]
    assert changes.kpi_values[0].url == f"/projects/{project.pk}/"


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_milestones_completed_and_newly_overdue_since(project: Project, official: Any) -> None:
    def ms(title: str, due: dt.date, status: str, done: dt.date | None = None) -> None:
        Milestone.objects.create(
            project=project,
            title_zh=title,
            due_date=due,
            status=status,
            completed_on=done,
            percent_complete=100 if done else 0,
        )

    ms("本期完成", dt.date(2026, 12, 1), "done", dt.date(2026, 11, 21))
    ms("上期完成", dt.date(2026, 11, 1), "done", dt.date(2026, 11, 2))
    ms("本期逾期", dt.date(2026, 11, 22), "in_progress")
    ms("早已逾期", dt.date(2026, 10, 1), "in_progress")
    ms("今天到期", dt.date(2026, 11, 25), "in_progress")
    changes = program_changes_since(official, SINCE)
    assert [c.title for c in changes.completed] == ["本期完成"]
    assert [c.title for c in changes.newly_overdue] == ["本期逾期"]
    assert not changes.is_empty


@pytest.mark.django_db
def test_someone_without_a_role_learns_nothing(project: Project, outsider: Any) -> None:
    Milestone.objects.create(
        project=project,
        title_zh="x",
        due_date=dt.date(2020, 1, 1),
        status="done",
        completed_on=dt.date.today(),
        percent_complete=100,
    )
    assert program_changes_since(outsider, SINCE).is_empty


def test_no_template_or_static_file_points_outside() -> None:
    """Intranet rule: no src/href to another host in any template or our static files."""
    import re

    root = Path(__file__).resolve().parents[2]
    files = [*root.glob("templates/**/*.html"), *root.glob("policy/static/policy/**/*.js")]
    files += [*root.glob("policy/static/policy/**/*.css")]
    pattern = re.compile(r"""(?:src|href|url)\s*[=(]\s*["']?\s*(?:https?:)?//""", re.I)
    offenders = [str(f.relative_to(root)) for f in files if pattern.search(f.read_text())]
    assert offenders == []
