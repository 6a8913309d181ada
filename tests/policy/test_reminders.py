"""The daily reminder job: who gets which email, in Chinese, once a day."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django_celery_beat.models import PeriodicTask

from policy.models import Milestone, ReminderSent
from policy.services.reminders import reminders_send_task
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 1)


@pytest.fixture
def milestones(project, other_project):
    def ms(p, title, due, status="in_progress"):
        return Milestone.objects.create(
            project=p, title_zh=title, due_date=due, status=status, percent_complete=10
        )

    return {
        "overdue": ms(project, "机房封顶", TODAY - dt.timedelta(days=12)),
        "soon": ms(project, "设备到货", TODAY + dt.timedelta(days=5)),
        "later": ms(project, "二期开工", TODAY + dt.timedelta(days=30)),
        "done": Milestone.objects.create(
            project=project,
            title_zh="早已完成",
            due_date=TODAY - dt.timedelta(days=40),
            status="done",
            percent_complete=100,
            completed_on=TODAY - dt.timedelta(days=41),
        ),
        "other_soon": ms(other_project, "模型试点", TODAY + dt.timedelta(days=2)),
    }


def run(day: dt.date = TODAY) -> dict:
    return reminders_send_task.apply(args=[day.isoformat()]).get()


def by_recipient() -> dict[str, mail.EmailMessage]:
    return {m.to[0].split("@")[0]: m for m in mail.outbox}


def test_owners_hear_about_due_soon_and_overdue_milestones(
    milestones, owner, owner2, lead, other_lead, official
) -> None:
    result = run()
    emails = by_recipient()
    assert set(emails) == {"owner", "owner2", "lead"}  # lead2's initiative has nothing overdue
    body = emails["owner"].body
    assert "机房封顶" in body
    assert "已逾期 12 天" in body
    assert "设备到货" in body
    assert "还剩 5 天" in body
    assert "二期开工" not in body  # not due within 7 days
    assert "早已完成" not in body
    assert "模型试点" not in body  # someone else's project
    assert "/milestones/" in body
    assert "模型试点" in emails["owner2"].body
    assert result == {"sent": 3, "skipped": 0}


def test_leads_get_a_digest_of_overdue_items_only(milestones, lead, owner) -> None:
    run()
    digest = by_recipient()["lead"]
    assert "逾期" in digest.subject
    assert "机房封顶" in digest.body
    assert "测试智算中心" in digest.body
    assert "设备到货" not in digest.body


def test_the_emails_are_chinese_even_with_english_active(milestones, owner) -> None:
    from django.utils import translation

    with translation.override("en"):
        run()
    assert "您好" in mail.outbox[0].body
    assert mail.outbox[0].subject.startswith("【4+1】")


def test_running_twice_a_day_sends_once(milestones, owner, lead) -> None:
    run()
    assert len(mail.outbox) == 2
    assert run() == {"sent": 0, "skipped": 2}
    assert len(mail.outbox) == 2
    run(TODAY + dt.timedelta(days=1))
    assert len(mail.outbox) == 4
    assert ReminderSent.objects.exclude(kind="lead_inbox").count() == 4


def test_people_without_email_or_inactive_are_skipped(milestones, project) -> None:
    from policy.models import Membership, Role

    silent = make_user("silent", "owner")
    silent.email = ""
    silent.save()
    gone = make_user("gone", "owner", is_active=False)
    for user in (silent, gone):
        Membership.objects.create(user=user, role=Role.OWNER, project=project)
    run()
    assert mail.outbox == []


def test_nothing_due_means_no_email(project, owner, lead) -> None:
    run()
    assert mail.outbox == []


def test_the_job_is_on_the_beat_schedule_daily() -> None:
    entry = PeriodicTask.objects.select_related("crontab").get(name="milestone-reminders")
    assert entry.task == "policy.tasks.reminders_send_task"
    assert entry.crontab.schedule.hour == {8}
    assert entry.crontab.schedule.minute == {0}
