"""Indicator pages: catalogue and series with provenance and stale flags, downloads, run log."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from indicators.exceptions import ConnectorError
from indicators.models import Indicator, IngestionRun, Observation, RunStatus, Source
from indicators.selectors import key_indicator_figures
from indicators.services import source_ingest
from policy.models import Region
from tests.conftest import client_for, work_callbacks

pytestmark = pytest.mark.django_db

CSV = (
    "indicator,area,period,value\n"
    "dc-annual-kwh,510100,2023,5000000\n"
    "dc-power-price,510100,2022,0.5\n"
    "dc-power-price,510100,2023,0.6\n"
    "dc-capacity-p,510100,2023,300\n"
    "power-cost-per-p-month,210100,2023,800\n"
)


@pytest.fixture
def cost(db) -> Indicator:
    for code, unit in (
        ("dc-annual-kwh", "度"),
        ("dc-power-price", "元/度"),
        ("dc-capacity-p", "P"),
    ):
        Indicator.objects.create(
            code=code, name_zh=code, name_en=code, unit=unit, category="power_price"
        )
    return Indicator.objects.create(
        code="power-cost-per-p-month",
        name_zh="每 P 每月电费",
        name_en="Electricity cost per P per month",
        unit="元/(P·月)",
        category="power_price",
        decimals=0,
        confidence="medium",
        confidence_note="成都为派生值；沈阳为文章引述",
        formula="dc_annual_kwh * dc_power_price / dc_capacity_p / 12",
    )


@pytest.fixture
def source(cost) -> Source:
    src = Source.objects.create(
        code="article",
        name="文章事实",
        kind="csv",
        publisher="评论文章",
        confidence="medium",
        confidence_note="文章引述",
        expected_every_days=30,
    )
    src.file.save("a.csv", ContentFile(CSV.encode()))
    source_ingest(source=src)
    return src


def test_the_indicator_page_shows_833_with_provenance_next_to_shenyang(
    official_client, source
) -> None:
    response = official_client.get(reverse("indicators:detail", args=["power-cost-per-p-month"]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "833" in html
    assert "800" in html
    assert "派生计算" in html  # Chengdu's provenance
    assert "dc_annual_kwh * dc_power_price / dc_capacity_p / 12" in html
    assert "文章事实 — 评论文章" in html  # Shenyang's source
    run = source.runs.get()
    assert f"#{run.pk}" in html
    assert "文章引述" in html
    assert 'id="indicator-figure"' in html
    assert "vendor/plotly/plotly.min.js" in html
    assert "已过期" not in html


def test_a_source_past_its_expected_interval_is_flagged_stale(
    official, official_client, source
) -> None:
    detail_url = reverse("indicators:detail", args=["dc-power-price"])
    assert "stale-badge" not in official_client.get(detail_url).content.decode()
    month_ago = timezone.now() - dt.timedelta(days=31)
    source.runs.update(started_at=month_ago, finished_at=month_ago)
    # Time passing sends no signal: a cached page shows staleness within the hour; here we
    # stand at the next hour by dropping the cached bodies.
    cache.clear()

    page = official_client.get(detail_url).content.decode()
    catalogue = official_client.get(reverse("indicators:catalogue")).content.decode()
    figures = {f.code: f for f in key_indicator_figures(official)}

    assert "stale-badge" in page
    assert "（31 天）" in page
    assert "stale-badge" in catalogue
    assert figures["dc-power-price"].stale
    assert figures["dc-power-price"].age >= dt.timedelta(days=31)
    assert figures["power-cost-per-p-month"].stale  # computed from the stale source's inputs


def test_key_figures_have_value_area_period_and_provenance(official, source) -> None:
    with translation.override("en"):
        figures = {f.code: f for f in key_indicator_figures(official)}

    cost = figures["power-cost-per-p-month"]
    assert round(cost.value) == 833
    assert (cost.area_code, cost.area_name, cost.period, cost.unit) == (
        "510100",
        "Chengdu",
        "2023",
        "元/(P·月)",
    )
    assert cost.provenance.kind == "derived"
    assert [(o.area_code, o.value) for o in cost.others] == [("210100", 800)]
    assert cost.others[0].provenance.source_code == "article"
    assert cost.url == "/indicators/power-cost-per-p-month/"
    price = figures["dc-power-price"]
    # The source is fresh, but 2024 data was due by mid-2025 (publication lag 180 days): since
    # #15 the figure is stale by the calendar though fetched today.
    assert (price.value, price.period, price.provenance.stale) == (0.6, "2023", False)
    assert (price.overdue, price.stale, price.data_text) == (True, True, "data for 2023")
    assert price.provenance.run_id == source.runs.get().pk
    assert price.provenance.confidence == "medium"


def test_an_outsider_gets_no_figures_and_no_page(outsider, source) -> None:
    assert key_indicator_figures(outsider) == []
    assert client_for(outsider).get(reverse("indicators:catalogue")).status_code == 403


def test_downloads_keep_chinese_text_csv_with_bom_and_xlsx(official_client, source) -> None:
    url = reverse("indicators:download-csv", args=["power-cost-per-p-month"])
    body = official_client.get(url).content
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:4] == ["指标代码", "指标", "地区代码", "地区"]
    by_area = {r[2]: r for r in rows[1:]}
    assert by_area["510100"][3] == "成都市"
    assert float(by_area["510100"][6]) == pytest.approx(833.333, abs=0.001)
    assert by_area["210100"][8] == "文章事实"

    xlsx = official_client.get(
        reverse("indicators:download-xlsx", args=["power-cost-per-p-month"])
    )
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][1] == "指标"
    assert {v[3] for v in values[1:]} == {"成都市", "沈阳市"}


def test_pages_are_in_english_when_asked(official_client, source) -> None:
    official_client.cookies["django_language"] = "en"
    html = official_client.get(
        reverse("indicators:detail", args=["power-cost-per-p-month"])
    ).content.decode()
    assert "Electricity cost per P per month" in html
    assert "Shenyang" in html
    assert "Values and sources" in html
    assert "Download Excel" in html
    assert "Derived" in html


def _bulk(n_areas: int, n_periods: int) -> None:
    """Many observations written by one run of one source (data size for the query counts)."""
    src = Source.objects.get(code="article")
    run = IngestionRun.objects.create(
        source=src,
        status=RunStatus.SUCCEEDED,
        started_at=timezone.now(),
        finished_at=timezone.now(),
    )
    areas = list(Region.objects.filter(level="prefecture")[:n_areas])
    ind = Indicator.objects.get(code="dc-power-price")
    Observation.objects.bulk_create(
        Observation(
            indicator=ind,
            area=a,
            period=str(2000 + y),
            period_start=dt.date(2000 + y, 1, 1),
            value=0.5,
            run=run,
        )
        for a in areas
        for y in range(n_periods)
        if not (a.code == "510100" and y in (22, 23))
    )


@pytest.mark.parametrize("size", [(1, 1), (15, 20)])
def test_the_pages_use_a_fixed_number_of_queries(
    official_client, source, django_assert_num_queries, size
) -> None:
    _bulk(*size)
    official_client.get(reverse("indicators:catalogue"))  # warm the session
    # session, user and scope come from the cache (policy.backends); indicators, source
    # health, inputs of derived indicators, latest values
    with django_assert_num_queries(4):
        assert official_client.get(reverse("indicators:catalogue")).status_code == 200
    # a derived indicator's page also reads its inputs' freshness; each page first looks
    # up the indicator for its title and 404 (the body itself is cached, see below)
    with django_assert_num_queries(5):
        url = reverse("indicators:detail", args=["power-cost-per-p-month"])
        assert official_client.get(url).status_code == 200
    # indicator (title), indicator, source health, observations
    detail_url = reverse("indicators:detail", args=["dc-power-price"])
    with django_assert_num_queries(4):
        assert official_client.get(detail_url).status_code == 200
    # warm: the body comes from the cache; only the title remains
    with django_assert_num_queries(1):
        assert official_client.get(detail_url).status_code == 200


def test_an_unknown_indicator_is_404(official_client, db) -> None:
    assert official_client.get(reverse("indicators:detail", args=["nope"])).status_code == 404


def test_admins_see_sources_with_status_age_and_run_log(admin_client_, source) -> None:
    bad = Source.objects.create(code="broken", name="坏来源", kind="csv")
    bad.file.save("b.csv", ContentFile(b"<html><title>Login</title></html>"))
    with pytest.raises(ConnectorError):
        source_ingest(source=bad)

    html = admin_client_.get(reverse("indicators:sources")).content.decode()

    assert "文章事实" in html
    assert "坏来源" in html
    assert "web page, not data" in html  # the failed run's message
    assert "从未成功" in html  # the broken source has never succeeded
    assert reverse("indicators:run-payload", args=[source.runs.get().pk]) in html


def test_run_now_queues_the_task_after_commit(
    admin_client_, source, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    from indicators import services

    sent = []
    monkeypatch.setattr(services.ingest_source_task, "delay", lambda *a, **k: sent.append((a, k)))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_client_.post(reverse("indicators:source-run", args=[source.pk]))
    assert response.status_code == 302
    assert len(work_callbacks(callbacks)) == 1
    assert sent[0][0] == (source.pk,)
    assert sent[0][1]["trigger"] == "manual"


def test_only_admins_run_sources_and_download_payloads(
    official_client, owner_client, source
) -> None:
    run = source.runs.get()
    assert (
        official_client.post(reverse("indicators:source-run", args=[source.pk])).status_code == 403
    )
    assert official_client.get(reverse("indicators:sources")).status_code == 403
    assert official_client.get(reverse("indicators:run-payload", args=[run.pk])).status_code == 404
    assert owner_client.get(reverse("indicators:run-payload", args=[run.pk])).status_code == 404


def test_an_admin_downloads_the_raw_payload(admin_client_, source) -> None:
    run = source.runs.get()
    response = admin_client_.get(reverse("indicators:run-payload", args=[run.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == CSV.encode()


@pytest.mark.parametrize("size", [(1, 1), (15, 20)])
def test_key_figures_use_a_fixed_number_of_queries(
    official, source, django_assert_num_queries, size
) -> None:
    _bulk(*size)
    key_indicator_figures(official)  # the role scope is cached on the user after this
    # key indicators, source health, inputs of the derived cost, latest values
    with django_assert_num_queries(4):
        figures = key_indicator_figures(official)
    assert {f.code for f in figures} == {"dc-power-price", "power-cost-per-p-month"}


def test_the_key_figures_partial_renders_values_stale_flags_and_provenance(
    official, source
) -> None:
    from django.template.loader import render_to_string

    month_ago = timezone.now() - dt.timedelta(days=31)
    source.runs.update(started_at=month_ago, finished_at=month_ago)
    # Time passing sends no signal: a cached page shows staleness within the hour; here we
    # stand at the next hour by dropping the cached bodies.
    cache.clear()
    with translation.override("zh-hans"):
        html = render_to_string(
            "indicators/_key_figures.html",
            {"figures": key_indicator_figures(official)},
        )
    assert 'data-code="power-cost-per-p-month"' in html
    assert "<strong>833</strong> 元/(P·月)" in html
    assert "沈阳市 800" in html
    assert "stale-badge" in html
    assert "派生计算" in html
