"""Saved scenarios: leads and admins save, every role reads, author or admin changes them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from indicators.analytics.models import PowerScenario
from indicators.analytics.power import PowerOverrides
from indicators.analytics.services import (
    power_scenario_create,
    power_scenario_delete,
    power_scenario_set_included,
)
from policy.exceptions import PermissionDeniedError, ValidationFailed
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
SAVE = "/analytics/power/scenarios/"


def _save(user: Any, **extra: Any) -> PowerScenario:
    values: dict[str, Any] = {
        "name": "水电直供 0.35",
        "note": "直购水电价格（假设）",
        "area": "510100",
        "overrides": PowerOverrides(price=0.35),
    }
    values.update(extra)
    return power_scenario_create(actor=user, **values)


def test_a_lead_saves_a_scenario_with_its_inputs_and_figures(power_demo: Any, lead: Any) -> None:
    scenario = _save(lead, include_in_briefing=True)
    assert scenario.inputs == {"price": 0.35}
    assert scenario.author == lead
    assert round(scenario.result["cost_per_p_month"], 1) == 486.1
    assert round(scenario.result["today_cost_per_p_month"], 1) == 833.3
    assert scenario.result["compare"] == "210100"
    assert scenario.include_in_briefing
    record = scenario.history.get()
    assert record.history_user == lead
    assert record.history_change_reason == "form:direct"


@pytest.mark.parametrize("actor", ["official", "owner", "outsider"])
def test_officials_and_owners_may_not_save(
    actor: str, power_demo: Any, request: pytest.FixtureRequest
) -> None:
    with pytest.raises(PermissionDeniedError, match="只有牵头部门和管理员"):
        _save(request.getfixturevalue(actor))
    assert not PowerScenario.objects.exists()


def test_a_scenario_that_cannot_be_computed_is_not_saved(power_demo: Any, admin_user: Any) -> None:
    with pytest.raises(ValidationFailed, match="当前 PUE"):
        _save(admin_user, overrides=PowerOverrides(pue=1.2))
    with pytest.raises(ValidationFailed, match="请填写情景名称"):
        _save(admin_user, name="  ")
    with pytest.raises(ValidationFailed, match="不是对比城市"):
        _save(admin_user, compare="511800")
    assert not PowerScenario.objects.exists()


def test_only_the_author_or_an_admin_changes_a_scenario(
    power_demo: Any, lead: Any, other_lead: Any, admin_user: Any, official: Any
) -> None:
    scenario = _save(lead)
    for outsider in (other_lead, official):
        with pytest.raises(PermissionDeniedError, match="保存人和管理员"):
            power_scenario_set_included(actor=outsider, scenario_id=scenario.pk, include=True)
        with pytest.raises(PermissionDeniedError):
            power_scenario_delete(actor=outsider, scenario_id=scenario.pk)
    power_scenario_set_included(actor=lead, scenario_id=scenario.pk, include=True)
    assert PowerScenario.objects.get().include_in_briefing
    power_scenario_set_included(actor=admin_user, scenario_id=scenario.pk, include=False)
    assert not PowerScenario.objects.get().include_in_briefing
    power_scenario_delete(actor=admin_user, scenario_id=scenario.pk)
    assert not PowerScenario.objects.exists()
    assert PowerScenario.history.filter(history_type="-").get().history_user == admin_user


def _post_save(client: Client, **extra: str) -> Any:
    data = {"area": "510100", "price": "0.35", "name": "水电直供", "note": "", **extra}
    return client.post(SAVE, data)


def test_saving_on_the_page_redirects_to_the_scenario(power_demo: Any, lead: Any) -> None:
    client = client_for(lead)
    response = _post_save(client, include_in_briefing="on")
    assert response.status_code == 302
    assert response["Location"].startswith("/analytics/power/?area=510100&price=0.35")
    scenario = PowerScenario.objects.get()
    assert scenario.include_in_briefing
    assert scenario.inputs == {"price": 0.35}
    page = client.get(response["Location"]).content.decode()
    assert "已保存情景“水电直供”" in page
    assert "电价 0.35 元/度" in page  # the changed input in words, in the list


def test_the_save_form_shows_its_errors_and_saves_nothing(power_demo: Any, lead: Any) -> None:
    client = client_for(lead)
    response = _post_save(client, name="")
    assert response.status_code == 200
    assert "这个字段是必填项" in response.content.decode()
    response = _post_save(client, price="20")
    assert response.status_code == 200
    assert "不超过 10 元/度（收到 20）" in response.content.decode()
    assert not PowerScenario.objects.exists()


@pytest.mark.parametrize("actor", ["official", "owner"])
def test_the_page_refuses_saves_from_officials_and_owners(
    actor: str, power_demo: Any, request: pytest.FixtureRequest
) -> None:
    client = client_for(request.getfixturevalue(actor))
    page = client.get("/analytics/power/?price=0.35").content.decode()
    assert 'action="/analytics/power/scenarios/"' not in page
    assert "牵头部门和管理员可以保存情景" in page
    assert _post_save(client).status_code == 403
    assert not PowerScenario.objects.exists()


@pytest.mark.parametrize("actor", ["official", "owner", "lead", "other_lead", "admin_user"])
def test_every_role_reads_the_saved_scenarios(
    actor: str, power_demo: Any, lead: Any, request: pytest.FixtureRequest
) -> None:
    _save(lead)
    page = client_for(request.getfixturevalue(actor)).get("/analytics/power/").content.decode()
    assert "水电直供 0.35" in page
    assert "486.1" in page
    buttons = 'action="/analytics/power/scenarios/' in page and "/briefing/" in page
    assert buttons == (actor in ("lead", "admin_user"))


def test_toggling_and_deleting_on_the_page(power_demo: Any, lead: Any, other_lead: Any) -> None:
    scenario = _save(lead)
    include = f"/analytics/power/scenarios/{scenario.pk}/briefing/"
    delete = f"/analytics/power/scenarios/{scenario.pk}/delete/"
    assert client_for(other_lead).post(include, {"include": "on"}).status_code == 403
    response = client_for(lead).post(include, {"include": "on", "next": "/analytics/power/?a=1"})
    assert response.status_code == 302
    assert response["Location"] == "/analytics/power/?a=1#scenarios"
    assert PowerScenario.objects.get().include_in_briefing
    outside = client_for(lead).post(include, {"next": "https://elsewhere.example/"})
    assert outside["Location"] == "/analytics/power/#scenarios"  # never off the page
    assert not PowerScenario.objects.get().include_in_briefing
    assert client_for(other_lead).post(delete).status_code == 403
    assert client_for(lead).post(delete).status_code == 302
    assert not PowerScenario.objects.exists()
    assert client_for(lead).post(delete).status_code == 404
