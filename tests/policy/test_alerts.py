"""Administrators are told, in the app and by e-mail, when a source fails twice in a row or a
briefing fails for good; the system page lists the last failures."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from indicators.exceptions import ConnectorError
from indicators.models import Indicator, IngestionRun, RunStatus, Source
from indicators.services import source_ingest
from policy.briefings import services as briefing_services
from policy.briefings.exceptions import BriefingError
from policy.briefings.models import Briefing, BriefingStatus
from policy.notifications.models import Notification, NotificationKind
from policy.notifications.services import notification_send
from tests.conftest import client_for, make_user

pytestmark = pytest.mark.django_db

GOOD = (
    b"indicator,area,period,value,unit\ndc-power-price,510100,2023,0.6,\xe5\x85\x83/\xe5\xba\xa6\n"
)
BAD = b"indicator,area,period,value,unit\ndc-power-price,510100,2023,oops,\xe5\x85\x83/\xe5\xba\xa6\n"


@pytest.fixture
def admins(db: Any) -> list[Any]:
    no_address = make_user("admin3", "admin")
    no_address.email = ""  # notified in the app only
    no_address.save()
    return [
        make_user("admin", "admin", is_staff=True, is_superuser=True),
        make_user("admin2", "admin"),
        no_address,
    ]


@pytest.fixture
def source(db: Any, tmp_path: Any, settings: Any) -> Source:
    from django.core.files.base import ContentFile

    settings.PRIVATE_MEDIA_ROOT = tmp_path
    Indicator.objects.create(code="dc-power-price", name_zh="电价", unit="元/度")
    src = Source.objects.create(code="price", name="电价来源", kind="csv")
    src.file.save("price.csv", ContentFile(GOOD))
    return src


def _run(source: Source, payload: bytes) -> None:
    from django.core.files.base import ContentFile

    source.file.save("price.csv", ContentFile(payload))
    with contextlib.suppress(ConnectorError):
        source_ingest(source=source)


def test_a_source_failing_twice_in_a_row_alerts_every_admin_once(
    admins: list[Any], source: Source, official: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _run(source, BAD)
        assert Notification.objects.count() == 0  # one failure is not yet an alert
        _run(source, BAD)
        _run(source, BAD)  # the streak goes on: no second alert

    notes = Notification.objects.order_by("recipient__username")
    assert [n.recipient.username for n in notes] == ["admin", "admin2", "admin3"]
    assert {n.kind for n in notes} == {NotificationKind.SOURCE_FAILING}
    assert "电价来源" in notes[0].title
    assert "连续 2 次采集失败" in notes[0].title
    assert notes[0].link == reverse("indicators:sources")
    assert sorted(m.to[0] for m in mail.outbox) == [
        "admin2@example.invalid",
        "admin@example.invalid",
    ]
    assert "连续 2 次采集失败" in mail.outbox[0].subject
    assert "/indicators/sources/" in mail.outbox[0].body
    assert IngestionRun.objects.filter(status=RunStatus.FAILED).count() == 3


def test_after_a_success_a_new_streak_alerts_again(
    admins: list[Any], source: Source, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        for payload in (BAD, BAD, GOOD, BAD, BAD):
            _run(source, payload)
    assert Notification.objects.filter(recipient=admins[0]).count() == 2


def test_a_briefing_that_fails_for_good_alerts_the_admins(
    admins: list[Any], settings: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.BRIEFING_MAX_RETRIES = 1

    def broken(briefing: Any) -> Any:
        raise RuntimeError("chromium is missing")

    monkeypatch.setattr(briefing_services, "briefing_render", broken)
    briefing = briefing_services.briefing_request(kind="monthly", period="2026-10", enqueue=False)
    with django_capture_on_commit_callbacks(execute=True):
        for _attempt in range(2):  # the first try and its one retry
            with pytest.raises(BriefingError):
                briefing_services.briefing_generate(briefing_id=briefing.pk)
            if _attempt == 0:
                assert Notification.objects.count() == 0  # a retry is still coming
                Briefing.objects.filter(pk=briefing.pk).update(status=BriefingStatus.FAILED)

    note = Notification.objects.get(recipient=admins[0])
    assert note.kind == NotificationKind.BRIEFING_FAILED
    assert "简报生成失败" in note.title
    assert "chromium is missing" in note.body
    assert len(mail.outbox) == 2


def test_an_alert_never_breaks_the_run_it_reports(
    admins: list[Any], source: Source, monkeypatch: Any
) -> None:
    from policy.notifications import alerts

    def down(**kwargs: Any) -> Any:
        raise OSError("mail server down")

    monkeypatch.setattr(alerts, "notification_send", down)
    _run(source, BAD)
    _run(source, BAD)  # the alert fails; the run is still recorded as failed
    assert IngestionRun.objects.filter(status=RunStatus.FAILED).count() == 2


def test_the_system_page_lists_the_last_failures_and_alerts(
    admins: list[Any], source: Source, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _run(source, BAD)
        _run(source, BAD)
    briefing = briefing_services.briefing_request(kind="monthly", period="2026-10", enqueue=False)
    Briefing.objects.filter(pk=briefing.pk).update(status="failed", error="图表导出失败：超时")

    html = client_for(admins[0]).get(reverse("policy:system")).content.decode()

    assert "最近失败的采集" in html
    assert "is not a number" in html or "oops" in html
    assert "图表导出失败：超时" in html
    assert "连续 2 次采集失败" in html
    listing = client_for(admins[0]).get(reverse("notifications:list"))
    assert "连续 2 次采集失败" in listing.content.decode()


def test_each_person_sees_only_their_own_notifications(official: Any, admins: list[Any]) -> None:
    notification_send(
        recipients=[admins[0]], kind=NotificationKind.BRIEFING_FAILED, title="只给管理员"
    )
    response = client_for(official).get(reverse("notifications:list"))
    assert response.status_code == 200
    assert "只给管理员" not in response.content.decode()


def test_notification_send_mails_each_person_once_and_skips_the_inactive(
    django_capture_on_commit_callbacks: Any,
) -> None:
    alice = make_user("alice")
    gone = make_user("gone", is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        rows = notification_send(
            recipients=[alice, alice, gone], kind="source_failing", title="T", body="B", link="/x/"
        )
    assert [r.recipient for r in rows] == [alice]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].body.endswith("/x/")
    assert Notification.objects.get().emailed_at is not None
