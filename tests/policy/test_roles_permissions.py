"""Role groups and the permission helper that views, API and services share."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.http import Http404

from policy.permissions import user_scope
from policy.selectors.records import project_get


@pytest.mark.django_db
def test_the_four_role_groups_exist() -> None:
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "official",
        "owner",
        "lead",
        "admin",
    }


@pytest.mark.django_db
def test_owner_writes_own_project_only(owner, project, other_project) -> None:
    assert project_get(owner, project.pk, write=True) == project
    assert project_get(owner, other_project.pk) == other_project
    with pytest.raises(PermissionDenied):
        project_get(owner, other_project.pk, write=True)


@pytest.mark.django_db
def test_lead_writes_every_project_of_their_initiative(lead, project, other_project) -> None:
    assert project_get(lead, project.pk, write=True) == project
    with pytest.raises(PermissionDenied):
        project_get(lead, other_project.pk, write=True)
    assert user_scope(lead).can_approve_for(project.initiative_id)
    assert not user_scope(lead).can_approve_for(other_project.initiative_id)


@pytest.mark.django_db
def test_official_reads_but_never_writes(official, project) -> None:
    assert project_get(official, project.pk) == project
    with pytest.raises(PermissionDenied):
        project_get(official, project.pk, write=True)


@pytest.mark.django_db
def test_admin_writes_everything(admin_user, project, other_project) -> None:
    assert project_get(admin_user, other_project.pk, write=True) == other_project


@pytest.mark.django_db
def test_user_without_role_sees_nothing(outsider, project) -> None:
    with pytest.raises(Http404):
        project_get(outsider, project.pk)


@pytest.mark.django_db
def test_missing_project_is_404(official) -> None:
    with pytest.raises(Http404):
        project_get(official, 999999)
