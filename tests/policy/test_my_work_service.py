"""The my-work selector: what waits for an owner or a lead, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache

from policy.models import Kpi, Milestone, Project
from policy.selectors.work import my_work, pending_by_project
from policy.services.kpis import kpi_value_record
from policy.services.milestones import milestone_record_progress, milestone_update_return

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 5, 20)


def _ms(project, title, due, status="in_progress"):
    return Milestone.objects.create(
        project=project, title_zh=title, due_date=due, status=status, percent_complete=10
    )


def _submit(owner, m, pct):
    return milestone_record_progress(
        actor=owner,
        milestone_id=m.pk,
        expected_version=m.version,
        status="in_progress",
        percent_complete=pct,
        completed_on=None,
        narrative="",
        today=TODAY,
    ).update


def test_owner_sees_overdue_due_soon_returned_and_kpis(owner, lead, project, other_project):
    late = _ms(project, "逾期事项", TODAY - dt.timedelta(days=3))
    _ms(project, "下周到期", TODAY + dt.timedelta(days=6))
    _ms(project, "下月到期", TODAY + dt.timedelta(days=40))
    _ms(other_project, "别人的", TODAY - dt.timedelta(days=3))
    Kpi.objects.create(project=project, code="k1", name_zh="上线算力", unit="P", frequency="Q")
    update = _submit(owner, late, 30)
    milestone_update_return(actor=lead, update_id=update.pk, reason="请补充材料")
    work = my_work(owner, today=TODAY)
    assert [p.pk for p in work.projects] == [project.pk]
    assert [m.title_zh for m in work.overdue] == ["逾期事项"]
    assert [m.title_zh for m in work.due_soon] == ["下周到期"]
    assert [(k.kpi.code, k.period) for k in work.kpis_to_report] == [("k1", "2026-Q2")]
    assert [u.review_note for u in work.returned_updates] == ["请补充材料"]
    assert work.pending_updates == []  # owners do not review


def test_a_resubmission_clears_the_returned_item(owner, lead, project):
    m = _ms(project, "逾期事项", TODAY - dt.timedelta(days=3))
    update = _submit(owner, m, 30)
    milestone_update_return(actor=lead, update_id=update.pk, reason="补充")
    m.refresh_from_db()
    _submit(owner, m, 35)
    assert my_work(owner, today=TODAY).returned_updates == []


def test_lead_sees_pending_reviews_of_their_initiative_only(
    owner, owner2, lead, project, other_project
):
    _submit(owner, _ms(project, "甲", TODAY), 20)
    _submit(owner2, _ms(other_project, "乙", TODAY), 20)
    kpi = Kpi.objects.create(project=project, code="k1", name_zh="算力", unit="P")
    kpi_value_record(actor=owner, kpi_id=kpi.pk, period="2025", value=5, today=TODAY)
    work = my_work(lead, today=TODAY)
    assert [u.milestone.title_zh for u in work.pending_updates] == ["甲"]
    assert [v.kpi.code for v in work.pending_values] == ["k1"]
    assert pending_by_project([project.pk, other_project.pk])[project.pk].total == 2


def test_query_count_is_fixed(owner, lead, project, initiative, django_assert_num_queries):
    def grow(n):
        for i in range(n):
            p = Project.objects.create(
                initiative=initiative, code=f"p{n}-{i}", name_zh=f"项目{i}", owner_org="x"
            )
            _ms(p, "m", TODAY - dt.timedelta(days=1))
            Kpi.objects.create(project=p, code=f"k{n}-{i}", name_zh="k", unit="P")

    grow(2)
    lead._policy_scope = None
    cache.clear()  # the role scope is loaded from the database, not the shared cache
    with django_assert_num_queries(16) as small:  # +2: investment reports returned, to review
        my_work(lead, today=TODAY)
    grow(6)
    lead._policy_scope = None
    cache.clear()
    with django_assert_num_queries(len(small.captured_queries)):
        my_work(lead, today=TODAY)
