"""Beat's schedules are seeded once and never overwritten: an admin's edit survives restarts."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from policy.celery import app
from policy.schedules import BEAT_SCHEDULE, beat_schedules_seed
from tests.conftest import CELERY_TEST_BROKER

REPO = Path(__file__).resolve().parents[2]


def test_every_entry_names_a_registered_task_and_a_valid_cron() -> None:
    app.loader.import_default_modules()
    for entry in BEAT_SCHEDULE:
        assert entry.task in app.tasks, entry.name
        assert len(entry.cron.split()) == 5, entry.name
    assert len({e.name for e in BEAT_SCHEDULE}) == len(BEAT_SCHEDULE)


def test_there_is_no_code_side_beat_schedule_to_overwrite_the_database() -> None:
    assert not app.conf.beat_schedule


@pytest.mark.django_db
def test_migrate_seeded_every_entry() -> None:
    names = set(PeriodicTask.objects.values_list("name", flat=True))
    assert {e.name for e in BEAT_SCHEDULE} <= names
    clear = PeriodicTask.objects.get(name="sessions-clear")
    assert clear.task == "policy.tasks.sessions_clear_task"


@pytest.mark.django_db
def test_seeding_again_creates_what_is_missing_and_changes_nothing_else() -> None:
    edited = PeriodicTask.objects.get(name="heartbeat")
    edited.crontab = CrontabSchedule.objects.create(minute="*/7", timezone="Asia/Shanghai")
    edited.enabled = False
    edited.save()
    PeriodicTask.objects.filter(name="briefing-weekly").delete()

    assert beat_schedules_seed() == ["briefing-weekly"]
    assert beat_schedules_seed() == []
    edited.refresh_from_db()
    assert (edited.crontab.minute, edited.enabled) == ("*/7", False)
    call_command("policy_seed_schedules", stdout=open(os.devnull, "w"))  # noqa: SIM115


def _run_beat_once(env: dict[str, str], schedule_file: Path) -> str:
    """Start real beat, let it load its schedule from the database, stop it; returns its log."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "policy",
            "beat",
            "-l",
            "debug",
            "--pidfile=",
            "-s",
            str(schedule_file),
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    log = []
    deadline = time.monotonic() + 60
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        log.append(line)
        if "beat: Waking up" in line or "Sending due task" in line:
            break
    proc.terminate()
    proc.wait(timeout=20)
    return "".join(log)


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_admin_edit_survives_two_beat_restarts(tmp_path: Path) -> None:
    if not CELERY_TEST_BROKER or connection.vendor != "postgresql":
        pytest.skip("beat must share the test database and have a broker: PostgreSQL + Redis")
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "policy.settings",
        "SECRET_KEY": "beat-test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": CELERY_TEST_BROKER,
        "DATA_DIR": str(tmp_path),
    }
    task = PeriodicTask.objects.get(name="heartbeat")
    task.crontab = CrontabSchedule.objects.create(minute="*/7", timezone="Asia/Shanghai")
    task.save()

    for _restart in range(2):
        log = _run_beat_once(env, tmp_path / "celerybeat-schedule")
        assert "DatabaseScheduler" in log, log

    task.refresh_from_db()
    assert task.crontab.minute == "*/7"
    assert PeriodicTask.objects.filter(name="heartbeat").count() == 1
