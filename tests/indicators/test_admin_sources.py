"""Admin: sources with last run status and age, "run now", run log with payload link, formulas."""

from __future__ import annotations

from html import unescape

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from indicators.exceptions import ConnectorError
from indicators.models import Indicator, Source
from indicators.services import source_ingest

pytestmark = pytest.mark.django_db


@pytest.fixture
def sources(db) -> tuple[Source, Source]:
    Indicator.objects.create(code="dc-power-price", name_zh="电价", unit="元/度")
    good = Source.objects.create(code="good", name="好来源", kind="csv")
    good.file.save(
        "g.csv", ContentFile(b"indicator,area,period,value\ndc-power-price,510100,2023,0.6\n")
    )
    source_ingest(source=good)
    bad = Source.objects.create(code="bad", name="坏来源", kind="csv")
    bad.file.save(
        "b.csv", ContentFile(b"indicator,area,period,value\ndc-power-price,510100,2023,x\n")
    )
    with pytest.raises(ConnectorError):
        source_ingest(source=bad)
    return good, bad


def test_the_source_list_shows_last_status_and_age(admin_client_, sources) -> None:
    html = admin_client_.get(reverse("admin:indicators_source_changelist")).content.decode()
    assert "成功" in html
    assert "失败" in html
    assert "从未成功" in html
    assert "刚刚" in html


def test_run_now_action_queues_after_commit(
    admin_client_, sources, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    from indicators import services

    sent = []
    monkeypatch.setattr(services.ingest_source_task, "delay", lambda *a, **k: sent.append(a[0]))
    with django_capture_on_commit_callbacks(execute=True):
        admin_client_.post(
            reverse("admin:indicators_source_changelist"),
            {"action": "run_now", "_selected_action": [s.pk for s in sources]},
        )
    assert sorted(sent) == sorted(s.pk for s in sources)


def test_the_run_log_shows_errors_counts_and_the_payload_link(admin_client_, sources) -> None:
    good, bad = sources
    html = admin_client_.get(reverse("admin:indicators_ingestionrun_changelist")).content.decode()
    assert reverse("indicators:run-payload", args=[good.runs.get().pk]) in html
    detail = admin_client_.get(
        reverse("admin:indicators_ingestionrun_change", args=[bad.runs.get().pk])
    ).content.decode()
    assert "is not a number" in detail


def test_a_formula_with_code_or_unknown_names_is_refused_in_the_admin(
    admin_client_, sources
) -> None:
    url = reverse("admin:indicators_indicator_add")
    data = {
        "code": "x",
        "name_zh": "x",
        "unit": "元",
        "category": "other",
        "frequency": "A",
        "confidence": "medium",
        "decimals": 1,
        "order": 0,
        "jump_factor": 10,  # the form's initial values
        "publication_lag_days": 180,
        "formula": "__import__('os').system('id')",
    }
    response = admin_client_.post(url, data)
    assert response.status_code == 200
    assert "使用了 Call" in response.content.decode()  # the admin speaks Chinese first
    data["formula"] = "dc_power_price * nope"
    assert "公式使用了未知指标：nope" in admin_client_.post(url, data).content.decode()
    data["formula"] = "dc_power_price * 2"
    assert admin_client_.post(url, data).status_code == 302
    assert Indicator.objects.get(code="x").formula == "dc_power_price * 2"


def test_a_source_with_a_bad_kind_or_mapping_is_refused_when_saved(admin_client_, db) -> None:
    url = reverse("admin:indicators_source_add")
    data = {
        "code": "wb",
        "name": "World Bank",
        "kind": "worldbnk",
        "url": "https://api.worldbank.org/v2/country/CHN/indicator/EG.ELC.ACCS.ZS?format=json",
        "options": "{}",
        "confidence": "medium",
        "expected_every_days": 400,
        "enabled": "on",
    }
    response = admin_client_.post(url, data)
    assert "未知的来源格式“worldbnk”" in unescape(response.content.decode())

    data.update(kind="csv", options='{"colums": {}}')
    assert "是否想写“columns”" in unescape(admin_client_.post(url, data).content.decode())

    data.update(options="{}", url="")
    assert "请填写地址或上传文件。" in admin_client_.post(url, data).content.decode()

    data.update(kind="worldbank", url="https://api.worldbank.org/v2/x?format=json")
    assert admin_client_.post(url, data).status_code == 302
    assert Source.objects.get(code="wb").kind == "worldbank"
