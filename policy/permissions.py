"""Who may read and write what: the rules every getter, list, view, API operation and service
applies (the getters themselves are in `policy.selectors.records`).

Roles (DESIGN.md): official reads everything; a project owner writes their projects; an
initiative lead writes every project of their initiative and approves updates; an admin
(superuser or the `admin` group) does everything. A signed-in user with no role sees nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from .models import Membership, Project, Role
from .types import AnyUser, User

ROLE_GROUPS = ("official", "owner", "lead", "admin")


@dataclass(frozen=True)
class Scope:
    """What one user may do, loaded once per request (two queries)."""

    roles: frozenset[str]
    owned_project_ids: frozenset[int]
    led_initiative_ids: frozenset[int]

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    @property
    def can_read(self) -> bool:
        return bool(self.roles or self.owned_project_ids or self.led_initiative_ids)

    @property
    def can_edit_anything(self) -> bool:
        return self.is_admin or bool(self.owned_project_ids or self.led_initiative_ids)

    def can_write_project(self, project: Project) -> bool:
        return (
            self.is_admin
            or project.pk in self.owned_project_ids
            or project.initiative_id in self.led_initiative_ids
        )

    def can_approve_for(self, initiative_id: int) -> bool:
        return self.is_admin or initiative_id in self.led_initiative_ids

    @property
    def can_generate_briefings(self) -> bool:
        """Leads and admins may generate a briefing on demand (every role reads them)."""
        return self.is_admin or bool(self.led_initiative_ids)

    @property
    def can_save_power_scenarios(self) -> bool:
        """Leads and admins save what-if scenarios of the power-cost page (every role reads)."""
        return self.is_admin or bool(self.led_initiative_ids)

    def can_change_power_scenario(self, *, is_author: bool) -> bool:
        """A saved scenario is changed (briefing flag, deletion) by its author or an admin."""
        return self.is_admin or (is_author and self.can_save_power_scenarios)


EMPTY_SCOPE = Scope(frozenset(), frozenset(), frozenset())
# Where user_scope keeps a user's scope for the rest of the request.
_CACHE = "_policy_scope"


def _cached(user: AnyUser) -> Scope | None:
    cached = getattr(user, _CACHE, None)
    return cached if isinstance(cached, Scope) else None


def user_scope(user: AnyUser | None) -> Scope:
    """The user's roles and memberships, cached on the user object for the request."""
    if user is None:
        return EMPTY_SCOPE
    if isinstance(user, AnonymousUser):  # nobody, unless scoped_reader() gave it a scope
        return _cached(user) or EMPTY_SCOPE
    if not user.is_active:
        return EMPTY_SCOPE
    scope = _cached(user) or _load_scope(user)
    setattr(user, _CACHE, scope)
    return scope


def _load_scope(user: User) -> Scope:
    """Two queries: the user's role groups, and their memberships."""
    roles = set(user.groups.filter(name__in=ROLE_GROUPS).values_list("name", flat=True))
    if user.is_superuser:
        roles.add("admin")
    owned: set[int] = set()
    led: set[int] = set()
    for role, project_id, initiative_id in Membership.objects.filter(user=user).values_list(
        "role", "project_id", "initiative_id"
    ):
        if role == Role.OWNER and project_id is not None:
            owned.add(project_id)
        elif initiative_id is not None:
            led.add(initiative_id)
    if owned:
        roles.add("owner")
    if led:
        roles.add("lead")
    return Scope(frozenset(roles), frozenset(owned), frozenset(led))


def scoped_reader(scope: Scope) -> AnonymousUser:
    """Nobody in person, reading with `scope`: what beat and commands read for (they have no
    request user, and selectors scope by user)."""
    reader = AnonymousUser()
    setattr(reader, _CACHE, scope)
    return reader


def require_read(user: AnyUser | None) -> Scope:
    """Raise 403 for a signed-in user with no role at all."""
    scope = user_scope(user)
    if not scope.can_read:
        raise PermissionDenied("No role has been assigned to this account.")
    return scope
