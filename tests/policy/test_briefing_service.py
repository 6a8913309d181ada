"""Briefing service: regenerate replaces the file, the schedule is idempotent, mail goes once."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
from django.core import mail

from policy.briefings import services as service
from policy.briefings.exceptions import BriefingError
from policy.briefings.models import Briefing, BriefingStatus, BriefingSubscription
from policy.briefings.render import RenderedBriefing
from policy.briefings.services import briefing_generate_task
from policy.exceptions import PermissionDeniedError, ValidationFailed
from tests.conftest import make_user, work_callbacks


@pytest.fixture
def fake_render(monkeypatch: pytest.MonkeyPatch, private_media: Path) -> list[int]:
    """Render a tiny numbered "PDF" instead of the real one (the storage logic is under test)."""
    calls: list[int] = []

    def render(briefing: Briefing) -> RenderedBriefing:
        calls.append(briefing.pk)
        body = f"%PDF-1.7 render {len(calls)}\n".encode()
        summary = {
            "as_of": briefing.period_end.isoformat(),
            "executive_summary": ["本期完成里程碑 2 个。"],
        }
        return RenderedBriefing(body, 3, summary)

    monkeypatch.setattr(service, "briefing_render", render)
    return calls


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.mark.django_db
def test_regenerating_a_period_replaces_its_file_and_keeps_one_row(
    fake_render: list[int], private_media: Path
) -> None:
    first = service.briefing_request(kind="monthly", period="2026-10", enqueue=False)
    service.briefing_generate(briefing_id=first.pk)
    old_path = Path(Briefing.objects.get(pk=first.pk).file.path)
    again = service.briefing_request(kind="monthly", period="2026-10", enqueue=False)
    assert again.pk == first.pk
    assert again.status == BriefingStatus.PENDING
    done = service.briefing_generate(briefing_id=first.pk)
    assert done is not None
    assert done.status == BriefingStatus.READY
    assert Path(done.file.path).read_bytes() == b"%PDF-1.7 render 2\n"
    assert not old_path.exists()
    assert _files(private_media) == [Path(done.file.path)]  # no temp files left over
    assert Briefing.objects.count() == 1
    assert done.page_count == 3
    assert done.size_bytes == len(b"%PDF-1.7 render 2\n")


@pytest.mark.django_db
def test_generation_runs_once_even_if_the_task_is_delivered_twice(fake_render: list[int]) -> None:
    briefing = service.briefing_request(kind="monthly", period="2026-10", enqueue=False)
    assert service.briefing_generate(briefing_id=briefing.pk) is not None
    assert service.briefing_generate(briefing_id=briefing.pk) is None
    assert fake_render == [briefing.pk]


@pytest.mark.django_db
def test_a_failed_store_leaves_no_new_file(
    fake_render: list[int], private_media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    briefing = service.briefing_request(kind="weekly", period="2026-W40", enqueue=False)

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(BriefingError) as caught:
        service.briefing_generate(briefing_id=briefing.pk)
    assert "No space left on device" in str(caught.value)
    briefing.refresh_from_db()
    assert briefing.status == BriefingStatus.FAILED
    assert "OSError" in briefing.error
    assert not briefing.file
    assert _files(private_media) == []


@pytest.mark.django_db
def test_requests_are_checked_with_actionable_messages(official: Any, lead: Any) -> None:
    with pytest.raises(PermissionDeniedError):
        service.briefing_request(kind="monthly", period="2026-10", user=official, enqueue=False)
    with pytest.raises(ValidationFailed) as caught:
        service.briefing_request(kind="monthly", period="2099-01", user=lead, enqueue=False)
    assert "尚未开始" in caught.value.message
    with pytest.raises(ValidationFailed) as caught:
        service.briefing_request(
            kind="monthly", period="2026-10", language="fr", user=lead, enqueue=False
        )
    assert "zh-hans 或 en" in caught.value.message
    made = service.briefing_request(kind="monthly", period="2026-10", user=lead, enqueue=False)
    assert made.requested_by == lead
    assert made.trigger == "manual"


@pytest.mark.django_db
def test_a_request_enqueues_generation_after_commit(
    lead: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        service.briefing_request(kind="monthly", period="2026-10", user=lead)
    assert len(work_callbacks(callbacks)) == 1


@pytest.mark.django_db
def test_the_schedule_queues_last_period_per_language_once(
    fake_render: list[int], official: Any, django_capture_on_commit_callbacks: Any
) -> None:
    BriefingSubscription.objects.create(user=official, weekly=True, language="en")
    today = dt.date(2026, 11, 25)
    with django_capture_on_commit_callbacks(execute=True):
        ids = service.briefing_schedule(kind="weekly", today=today)
    rows = Briefing.objects.filter(pk__in=ids).order_by("language")
    assert [(b.period, b.language, b.trigger) for b in rows] == [
        ("2026-W47", "en", "schedule"),
        ("2026-W47", "zh-hans", "schedule"),
    ]
    assert all(b.status == BriefingStatus.READY for b in rows)
    assert service.briefing_schedule(kind="weekly", today=today) == []
    assert len(fake_render) == 2


@pytest.mark.django_db
def test_subscribers_get_the_pdf_once_in_their_language(
    fake_render: list[int],
    official: Any,
    lead: Any,
    outsider: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    BriefingSubscription.objects.create(user=official, monthly=True, language="zh-hans")
    BriefingSubscription.objects.create(user=lead, weekly=True, language="zh-hans")  # not monthly
    BriefingSubscription.objects.create(user=outsider, monthly=True)  # no role: never mailed
    english = make_user("reader-en", "official")
    BriefingSubscription.objects.create(user=english, monthly=True, language="en")
    briefing = service.briefing_request(kind="monthly", period="2026-10", enqueue=False)
    # Through the task, as the worker runs it: generation enqueues the mail on commit.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = briefing_generate_task.apply(args=[briefing.pk])
    assert result.get()["status"] == BriefingStatus.READY
    assert len(work_callbacks(callbacks)) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["official@example.invalid"]
    assert "月报" in message.subject
    assert "2026年10月" in message.subject
    assert "· 本期完成里程碑 2 个。" in message.body
    name, content, mimetype = message.attachments[0]
    assert name == "4plus1-briefing-monthly-2026-10-zh-hans.pdf"
    assert content.startswith(b"%PDF")
    assert mimetype == "application/pdf"
    assert service.briefing_mail_subscribers(briefing_id=briefing.pk) == 0
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_on_demand_briefings_are_not_mailed(
    fake_render: list[int], official: Any, django_capture_on_commit_callbacks: Any
) -> None:
    BriefingSubscription.objects.create(user=official, weekly=True, monthly=True)
    briefing = service.briefing_request(kind="on_demand", period="2026-11-20", enqueue=False)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        briefing_generate_task.apply(args=[briefing.pk])
    assert callbacks == []
    assert service.briefing_mail_subscribers(briefing_id=briefing.pk) == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_only_users_with_a_role_may_subscribe(official: Any, outsider: Any) -> None:
    sub = service.briefing_subscription_set(
        user=official, weekly=False, monthly=True, language="en"
    )
    assert (sub.weekly, sub.monthly, sub.language) == (False, True, "en")
    with pytest.raises(PermissionDeniedError):
        service.briefing_subscription_set(
            user=outsider, weekly=True, monthly=True, language="zh-hans"
        )


@pytest.mark.django_db
def test_beat_generates_weekly_on_mondays_and_monthly_on_the_first() -> None:
    import json

    from django_celery_beat.models import PeriodicTask

    weekly = PeriodicTask.objects.select_related("crontab").get(name="briefing-weekly")
    monthly = PeriodicTask.objects.select_related("crontab").get(name="briefing-monthly")
    assert weekly.task == monthly.task == "policy.tasks.briefing_schedule_task"
    assert json.loads(weekly.args) == ["weekly"]
    assert json.loads(monthly.args) == ["monthly"]
    assert weekly.crontab.schedule.day_of_week == {1}
    assert weekly.crontab.schedule.hour == {7}
    assert monthly.crontab.schedule.day_of_month == {1}


@pytest.mark.django_db
def test_a_run_left_behind_by_a_dead_worker_is_taken_over(fake_render: list[int]) -> None:
    from django.utils import timezone

    briefing = service.briefing_request(kind="monthly", period="2026-10", enqueue=False)
    recent = timezone.now() - dt.timedelta(minutes=2)
    Briefing.objects.filter(pk=briefing.pk).update(status="running", started_at=recent)
    assert service.briefing_generate(briefing_id=briefing.pk) is None  # still being worked on
    again = service.briefing_request(kind="monthly", period="2026-10", enqueue=False)
    assert again.status == BriefingStatus.RUNNING  # not re-queued under a live worker
    stale = timezone.now() - service.STUCK_AFTER - dt.timedelta(minutes=1)
    Briefing.objects.filter(pk=briefing.pk).update(started_at=stale)
    done = service.briefing_generate(briefing_id=briefing.pk)
    assert done is not None
    assert done.status == BriefingStatus.READY
