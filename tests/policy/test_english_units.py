"""English mode shows the app's own words in English: units, 未填报/填报, history headers."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from policy.models import Kpi
from policy.units import display_unit

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("unit", "english"),
    [
        ("元/度", "yuan/kWh"),
        ("亿美元", "100 million USD"),
        ("家", "companies"),
        ("名", "people"),
        ("P", "P"),
        ("%", "%"),
    ],
)
def test_units_read_in_english(unit: str, english: str) -> None:
    with translation.override("en"):
        assert display_unit(unit) == english
    assert display_unit(unit) == unit  # Chinese first: as entered


def test_my_work_in_english_has_no_chinese_of_the_apps_own(
    owner_client: Any, project: Any
) -> None:
    Kpi.objects.create(
        project=project,
        code="firms",
        name_zh="入驻企业",
        name_en="Firms",
        unit="家",
        frequency="A",
    )
    owner_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = owner_client.get(reverse("policy:my-work")).content.decode()
    section = html[html.index('id="kpis-to-report"') :]
    assert "Not reported" in section
    assert ">Report<" in section
    assert "(companies)" in section
    for chinese in ("未填报", "填报<", "（家）"):
        assert chinese not in section


def test_the_briefing_language_is_named_in_english(lead_client: Any) -> None:
    lead_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = lead_client.get(reverse("policy:briefing-list")).content.decode()
    assert "英语" not in html
