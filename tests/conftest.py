"""Shared fixtures: the demo actors (HC's alice/bob/charlie idea) and clients for each role."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from policy.models import Initiative, Membership, Milestone, Project, Region, Role

PASSWORD = "test-password-4plus1"


@pytest.fixture(autouse=True)
def _default_language() -> Any:
    """Every test starts in the site's default language, whatever an earlier test activated."""
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        yield


def make_user(username: str, *groups: str, **extra: Any) -> Any:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(
        username=username, password=PASSWORD, email=f"{username}@example.invalid", **extra
    )
    if groups:
        user.groups.add(*Group.objects.filter(name__in=groups))
    return user


@pytest.fixture
def initiative(db: Any) -> Initiative:
    return Initiative.objects.get(code="inference-compute")


@pytest.fixture
def other_initiative(db: Any) -> Initiative:
    return Initiative.objects.get(code="gov-llm")


@pytest.fixture
def chengdu(db: Any) -> Region:
    return Region.objects.get(code="510100")


@pytest.fixture
def project(initiative: Initiative, chengdu: Region) -> Project:
    return Project.objects.create(
        initiative=initiative,
        code="test-icc",
        name_zh="测试智算中心",
        name_en="Test ICC",
        owner_org="测试单位",
        region=chengdu,
        planned_start=dt.date(2024, 1, 1),
        planned_end=dt.date(2027, 12, 31),
    )


@pytest.fixture
def other_project(other_initiative: Initiative, chengdu: Region) -> Project:
    return Project.objects.create(
        initiative=other_initiative,
        code="test-llm",
        name_zh="测试政务模型",
        owner_org="测试单位",
        region=chengdu,
    )


@pytest.fixture
def milestone(project: Project) -> Milestone:
    return Milestone.objects.create(
        project=project,
        title_zh="一期上线",
        title_en="Phase 1 live",
        due_date=dt.date(2026, 6, 30),
        percent_complete=40,
        status="in_progress",
    )


@pytest.fixture
def official(db: Any) -> Any:
    return make_user("official", "official")


@pytest.fixture
def owner(project: Project) -> Any:
    user = make_user("owner", "owner")
    Membership.objects.create(user=user, role=Role.OWNER, project=project)
    return user


@pytest.fixture
def owner2(other_project: Project) -> Any:
    user = make_user("owner2", "owner")
    Membership.objects.create(user=user, role=Role.OWNER, project=other_project)
    return user


@pytest.fixture
def lead(initiative: Initiative) -> Any:
    user = make_user("lead", "lead")
    Membership.objects.create(user=user, role=Role.LEAD, initiative=initiative)
    return user


@pytest.fixture
def other_lead(other_initiative: Initiative) -> Any:
    user = make_user("lead2", "lead")
    Membership.objects.create(user=user, role=Role.LEAD, initiative=other_initiative)
    return user


@pytest.fixture
def admin_user(db: Any) -> Any:
    return make_user("admin", "admin", is_staff=True, is_superuser=True)


@pytest.fixture
def outsider(db: Any) -> Any:
    """Signed in, but with no role at all."""
    return make_user("outsider")


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def official_client(official: Any) -> Client:
    return client_for(official)


@pytest.fixture
def owner_client(owner: Any) -> Client:
    return client_for(owner)


@pytest.fixture
def lead_client(lead: Any) -> Client:
    return client_for(lead)


@pytest.fixture
def admin_client_(admin_user: Any) -> Client:
    return client_for(admin_user)
