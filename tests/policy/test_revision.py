"""Cached page bodies are replaced after any write: the next request sees the change."""

from __future__ import annotations

from typing import Any

import pytest

from policy.models import Milestone, WorkerPing
from policy.revision import cached_fragment, program_changed, program_revision

pytestmark = pytest.mark.django_db


def test_a_fragment_is_built_once_per_revision(
    milestone: Milestone, django_capture_on_commit_callbacks: Any
) -> None:
    builds: list[int] = []

    def build() -> str:
        builds.append(1)
        return f"<p>{Milestone.objects.get(pk=milestone.pk).percent_complete}</p>"

    assert cached_fragment("t", "zh-hans", build=build) == "<p>40</p>"
    assert cached_fragment("t", "zh-hans", build=build) == "<p>40</p>"
    assert len(builds) == 1
    with django_capture_on_commit_callbacks(execute=True):
        milestone.percent_complete = 60
        milestone.save()
    assert cached_fragment("t", "zh-hans", build=build) == "<p>60</p>"
    assert len(builds) == 2
    assert cached_fragment("t", "en", build=build) == "<p>60</p>"
    assert len(builds) == 3


def test_the_revision_changes_at_the_write_and_again_at_commit(
    milestone: Milestone, django_capture_on_commit_callbacks: Any
) -> None:
    before = program_revision()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        milestone.delete()
        during = program_revision()
        assert during != before  # the writing request sees its change at once
    for callback in callbacks:
        callback()
    # A page another request cached between the write and the commit saw the old rows: the
    # commit replaces the token again so that page is never served.
    assert program_revision() not in (before, during)


def test_bulk_writers_call_program_changed(django_capture_on_commit_callbacks: Any) -> None:
    before = program_revision()
    with django_capture_on_commit_callbacks(execute=True):
        program_changed()
    assert program_revision() != before


def test_a_worker_heartbeat_keeps_the_caches(django_capture_on_commit_callbacks: Any) -> None:
    import datetime as dt

    before = program_revision()
    with django_capture_on_commit_callbacks(execute=True):
        WorkerPing.objects.create(source="beat", requested_at=dt.datetime.now(dt.UTC), worker="w")
    assert program_revision() == before
