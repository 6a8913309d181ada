"""The inbox: who is told what in the review workflow, the unread count in every role's
navigation, mark-read, and the per-person e-mail opt-out."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from policy.models import Kpi, Milestone
from policy.notifications.models import Notification, NotificationKind
from policy.notifications.services import notification_email_set, notification_send
from policy.services.kpis import kpi_value_approve, kpi_value_record, kpi_value_return
from policy.services.milestones import (
    milestone_record_progress,
    milestone_update_approve,
    milestone_update_return,
)
from policy.services.reminders import reminders_send
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def kpi(project: Any) -> Kpi:
    return Kpi.objects.create(
        project=project, code="test-icc-pflops", name_zh="智算规模", unit="P", frequency="A"
    )


def _submit_progress(owner: Any, milestone: Milestone) -> Any:
    return milestone_record_progress(
        actor=owner,
        milestone_id=milestone.pk,
        expected_version=milestone.version,
        status="in_progress",
        percent_complete=70,
        completed_on=None,
        narrative="主体结构封顶",
    ).update


def test_a_submission_tells_the_initiatives_leads_only(
    owner: Any, lead: Any, other_lead: Any, milestone: Milestone, kpi: Kpi, admin_user: Any
) -> None:
    _submit_progress(owner, milestone)
    kpi_value_record(actor=owner, kpi_id=kpi.pk, period="2025", value=Decimal("130"))

    told = Notification.objects.filter(kind=NotificationKind.SUBMITTED)
    assert {n.recipient.username for n in told} == {"lead"}
    titles = sorted(n.title for n in told)
    assert titles[0].startswith("待审核：owner 提交了")
    assert any("一期上线" in t for t in titles)
    assert any("智算规模 2025" in t for t in titles)
    progress = told.get(title__contains="一期上线")
    assert "完成百分比：40% → 70%" in progress.body
    assert progress.link == reverse(
        "policy:milestone-update-review", args=[milestone.updates.get().pk]
    )


def test_a_leads_direct_edit_tells_nobody(lead: Any, milestone: Milestone) -> None:
    milestone_record_progress(
        actor=lead,
        milestone_id=milestone.pk,
        expected_version=milestone.version,
        status="in_progress",
        percent_complete=90,
        completed_on=None,
        narrative="",
    )
    assert not Notification.objects.exists()


def test_the_owner_hears_of_a_return_with_the_reason_and_a_link_to_rework_it(
    owner: Any, lead: Any, kpi: Kpi, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        row = kpi_value_record(actor=owner, kpi_id=kpi.pk, period="2025", value=Decimal("130"))
        kpi_value_return(actor=lead, value_id=row.pk, reason="口径与年报不一致")

    returned = Notification.objects.get(recipient=owner)
    assert returned.kind == NotificationKind.RETURNED
    assert "口径与年报不一致" in returned.body
    assert returned.link == reverse("policy:kpi-value-edit", args=[kpi.pk]) + "?period=2025"
    # The link opens the form starting from the returned proposal.
    form = client_for(owner).get(returned.link).content.decode()
    assert 'value="130"' in form  # as entered, not the column's 130.0000
    # The owner got an e-mail of it too (the lead one of the submission).
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert "被退回" in subjects["owner@example.invalid"]
    assert "待审核" in subjects["lead@example.invalid"]


def test_the_owner_hears_of_an_approval(owner: Any, lead: Any, milestone: Milestone) -> None:
    update = _submit_progress(owner, milestone)
    milestone_update_approve(actor=lead, update_id=update.pk, note="同意")
    approved = Notification.objects.get(recipient=owner)
    assert approved.kind == NotificationKind.APPROVED
    assert "同意" in approved.body
    assert approved.link == reverse("policy:milestone-detail", args=[milestone.pk])


def test_a_returned_milestone_links_to_the_form_that_starts_from_the_returned_update(
    owner: Any, lead: Any, milestone: Milestone
) -> None:
    update = _submit_progress(owner, milestone)
    milestone_update_return(actor=lead, update_id=update.pk, reason="请补充照片")
    returned = Notification.objects.get(recipient=owner)
    assert returned.link == reverse("policy:milestone-edit", args=[milestone.pk])
    form = client_for(owner).get(returned.link).content.decode()
    assert "主体结构封顶" in form
    assert 'value="70"' in form


def test_approving_a_kpi_value_tells_who_entered_it(owner: Any, lead: Any, kpi: Kpi) -> None:
    row = kpi_value_record(actor=owner, kpi_id=kpi.pk, period="2025", value=Decimal("130"))
    kpi_value_approve(actor=lead, value_id=row.pk)
    assert Notification.objects.get(recipient=owner).kind == NotificationKind.APPROVED


@pytest.mark.parametrize("who", ["official", "owner", "lead", "admin_user"])
def test_every_role_sees_the_unread_count_in_the_navigation(
    who: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(who)
    client = client_for(user)
    page = client.get(reverse("policy:overview")).content.decode()
    assert 'class="nav-count"' not in page
    notification_send(recipients=[user], kind=NotificationKind.OVERDUE, title="甲")
    notification_send(recipients=[user], kind=NotificationKind.OVERDUE, title="乙")
    page = client.get(reverse("policy:overview")).content.decode()
    assert 'data-unread="2"' in page
    assert "（2 条未读）" in page


def test_opening_a_notification_marks_it_read_and_follows_its_link(owner: Any) -> None:
    [first] = notification_send(
        recipients=[owner], kind=NotificationKind.APPROVED, title="已审核通过：一期", link="/work/"
    )
    notification_send(recipients=[owner], kind=NotificationKind.APPROVED, title="已审核通过：二期")
    client = client_for(owner)
    response = client.get(reverse("notifications:open", args=[first.pk]))
    assert response.status_code == 302
    assert response["Location"] == "/work/"
    first.refresh_from_db()
    assert first.is_read
    assert 'data-unread="1"' in client.get(reverse("policy:overview")).content.decode()


def test_the_inbox_lists_unread_first_and_marks_all_read(owner: Any) -> None:
    [old] = notification_send(recipients=[owner], kind=NotificationKind.APPROVED, title="旧的")
    notification_send(recipients=[owner], kind=NotificationKind.APPROVED, title="新的已读")
    Notification.objects.filter(title="新的已读").update(read_at=dt.datetime.now(dt.UTC))
    client = client_for(owner)
    html = client.get(reverse("notifications:list")).content.decode()
    assert html.index("旧的") < html.index("新的已读")
    client.post(reverse("notifications:mark-read"))
    old.refresh_from_db()
    assert old.is_read


def test_nobody_opens_or_marks_someone_elses_notification(owner: Any, lead: Any) -> None:
    [theirs] = notification_send(recipients=[lead], kind=NotificationKind.SUBMITTED, title="x")
    client = client_for(owner)
    assert client.get(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    client.post(reverse("notifications:mark-read"), {"id": theirs.pk})
    theirs.refresh_from_db()
    assert not theirs.is_read


def test_a_link_to_another_site_is_not_followed(owner: Any) -> None:
    [n] = notification_send(
        recipients=[owner], kind=NotificationKind.APPROVED, title="x", link="//evil.example/"
    )
    response = client_for(owner).get(reverse("notifications:open", args=[n.pk]))
    assert response["Location"] == reverse("notifications:list")


def test_email_opt_out_keeps_the_inbox_and_drops_the_mail(
    owner: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(owner)
    client.post(reverse("notifications:settings"), {})  # checkbox unticked: e-mail off
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(recipients=[owner], kind=NotificationKind.APPROVED, title="已审核通过")
    assert Notification.objects.filter(recipient=owner).count() == 1
    assert mail.outbox == []
    html = client.get(reverse("notifications:list")).content.decode()
    assert 'name="email" checked' not in html

    client.post(reverse("notifications:settings"), {"email": "on"})
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(recipients=[owner], kind=NotificationKind.APPROVED, title="再次通过")
    assert len(mail.outbox) == 1


def test_opted_out_people_get_no_reminder_mail(owner: Any, milestone: Milestone) -> None:
    notification_email_set(user=owner, enabled=False)
    reminders_send(today=milestone.due_date + dt.timedelta(days=3))
    assert mail.outbox == []


def test_leads_are_told_in_the_app_of_overdue_items_once_a_day(
    lead: Any, other_lead: Any, milestone: Milestone
) -> None:
    today = milestone.due_date + dt.timedelta(days=3)
    reminders_send(today=today)
    reminders_send(today=today)
    [told] = Notification.objects.filter(kind=NotificationKind.OVERDUE)
    assert told.recipient == lead
    assert "1 个逾期里程碑" in told.title
    assert "一期上线：已逾期 3 天" in told.body


def test_the_inbox_reads_in_the_readers_language(
    owner: Any, lead: Any, kpi: Kpi, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        row = kpi_value_record(actor=owner, kpi_id=kpi.pk, period="2025", value=Decimal("130"))
        kpi_value_return(actor=lead, value_id=row.pk, reason="口径与年报不一致")
    returned = Notification.objects.get(recipient=owner)
    assert returned.title == "被退回：智算规模 2025"  # stored and mailed in Chinese
    assert "被退回" in next(m.subject for m in mail.outbox if m.to == ["owner@example.invalid"])
    client = client_for(owner)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get(reverse("notifications:list")).content.decode()
    assert "Returned: 智算规模 2025" in html
    assert "Reason: 口径与年报不一致" in html  # the reason is data: as the lead wrote it
    assert "被退回" not in html
