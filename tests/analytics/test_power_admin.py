"""The admin lists saved scenarios read-only: they are saved and computed on the page."""

from __future__ import annotations

from typing import Any

import pytest

from indicators.analytics.power import PowerOverrides
from indicators.analytics.services import power_scenario_create
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_admins_look_scenarios_up_but_do_not_edit_them(
    power_demo: Any, lead: Any, admin_user: Any
) -> None:
    scenario = power_scenario_create(
        actor=lead, name="水电直供", area="510100", overrides=PowerOverrides(price=0.35)
    )
    client = client_for(admin_user)
    listing = client.get("/admin/analytics/powerscenario/")
    assert listing.status_code == 200
    assert "水电直供" in listing.content.decode()
    assert client.get("/admin/analytics/powerscenario/add/").status_code == 403
    page = client.get(f"/admin/analytics/powerscenario/{scenario.pk}/change/").content.decode()
    assert 'name="name"' not in page  # shown, not editable
