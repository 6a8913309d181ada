"""The 60 元/度 Chengdu unit slip and the other rules through the real ingestion, pages and
exports; confirming and correcting a flagged value."""

from __future__ import annotations

import csv
import io
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse

from indicators.exceptions import ConnectorError
from indicators.models import (
    ConsistencyRule,
    FlagStatus,
    Indicator,
    IngestionRun,
    Observation,
    QualityFlag,
    Source,
)
from indicators.selectors import indicator_detail, key_indicator_figures
from indicators.services import quality_flag_resolve, source_ingest
from policy.briefings.periods import parse_period as briefing_period
from policy.briefings.selectors import briefing_facts
from policy.exceptions import PermissionDeniedError, ValidationFailed
from policy.models import Region
from tests.api.conftest import TokenClient

pytestmark = pytest.mark.django_db

PRICES = (
    "indicator,area,period,value\ndc-power-price,510100,2022,0.5\ndc-power-price,510100,2023,0.6\n"
)


@pytest.fixture
def price(db) -> Indicator:
    Region.objects.get_or_create(
        code="510100", defaults={"name_zh": "成都市", "name_en": "Chengdu", "level": "prefecture"}
    )
    return Indicator.objects.create(
        code="dc-power-price",
        name_zh="算力中心电价",
        name_en="Electricity price paid by compute centers",
        unit="元/度",
        category="power_price",
        decimals=2,
    )


def _source(code: str, text: str, **extra) -> Source:
    source = Source.objects.create(code=code, name=code, kind="csv", **extra)
    source.file.save(f"{code}.csv", ContentFile(text.encode()))
    return source


def _ingest_slip() -> IngestionRun:
    source_ingest(source=_source("article", PRICES))
    return source_ingest(
        source=_source("slip", "indicator,area,period,value\ndc-power-price,510100,2024,60\n")
    )


def test_the_60_yuan_unit_slip_is_kept_flagged_and_counted(price) -> None:
    run = _ingest_slip()

    assert (run.inserted, run.flagged) == (1, 1)
    obs = Observation.objects.get(period="2024")
    assert obs.value == 60  # kept, not dropped
    flag = QualityFlag.objects.get(observation=obs)
    assert (flag.rule, flag.status, flag.run_id) == ("jump", FlagStatus.OPEN, run.pk)
    assert flag.params["previous"] == 0.6


def test_the_ingest_command_prints_flagged(price) -> None:
    source_ingest(source=_source("article", PRICES))
    _source("slip", "indicator,area,period,value\ndc-power-price,510100,2024,60\n")
    out = StringIO()
    call_command("ingest", "--source", "slip", stdout=out)
    assert out.getvalue().endswith("rejected=0 flagged=1\n")


def test_the_flag_shows_on_page_key_figure_export_api_and_briefing(
    price, official, official_client
) -> None:
    _ingest_slip()
    text = "较上期 0.6 增长 100 倍，疑似单位错误（分/元）"

    row = next(r for r in indicator_detail(official, "dc-power-price").rows if r.period == "2024")
    assert row.doubtful
    assert row.flag_text == text

    html = official_client.get(reverse("indicators:detail", args=["dc-power-price"])).content
    page = html.decode()
    assert "doubt-badge" in page
    assert text in page
    assert '"x-open"' in page  # the chart draws it as a hollow cross

    (figure,) = key_indicator_figures(official)
    assert (figure.value, figure.flag_text) == (60, text)

    body = official_client.get(reverse("indicators:download-csv", args=["dc-power-price"]))
    rows = list(csv.reader(io.StringIO(body.content.decode("utf-8-sig"))))
    quality = rows[0].index("数据质量")
    assert {r[4]: r[quality] for r in rows[1:]} == {
        "2022": "",
        "2023": "",
        "2024": f"存疑：{text}",
    }

    points = TokenClient(official).get("/api/v1/indicators/dc-power-price/series").json()
    assert [p["quality"] for p in points["points"]] == [None, None, text]

    facts = briefing_facts(briefing_period("monthly", "2026-10"))
    (line,) = [i for i in facts.indicators if i.code == "dc-power-price"]
    assert (line.value, line.flag_text) == (60, text)


def test_a_source_set_to_refuse_jumps_imports_nothing(price) -> None:
    source_ingest(source=_source("article", PRICES))
    source = _source(
        "slip",
        "indicator,area,period,value\ndc-power-price,510100,2024,60\n",
        refuse_rules=["jump"],
    )
    with pytest.raises(ConnectorError) as caught:
        source_ingest(source=source)
    assert "疑似单位错误（分/元）" in caught.value.message
    assert "本来源对“jump”规则设为拒绝" in caught.value.message
    assert not Observation.objects.filter(period="2024").exists()


def test_a_corrected_payload_clears_the_open_flag(price) -> None:
    _ingest_slip()
    fixed = _source("fixed", "indicator,area,period,value\ndc-power-price,510100,2024,0.62\n")
    run = source_ingest(source=fixed)
    assert (run.updated, run.flagged) == (1, 0)
    assert not QualityFlag.objects.exists()


def test_a_value_far_from_a_long_series_history_is_an_outlier(price) -> None:
    history = "".join(
        f"dc-power-price,510100,{2000 + i},{0.5 + 0.01 * (i % 3)}\n" for i in range(12)
    )
    source_ingest(source=_source("long", "indicator,area,period,value\n" + history))
    # 4.5 after 0.52 is under the tenfold jump, but far outside twelve years of 0.50-0.52.
    run = source_ingest(
        source=_source("odd", "indicator,area,period,value\ndc-power-price,510100,2012,4.5\n")
    )
    assert run.flagged == 1
    assert QualityFlag.objects.get().rule == "outlier"


def test_a_short_series_is_never_judged_an_outlier(price) -> None:
    run = source_ingest(
        source=_source(
            "short",
            "indicator,area,period,value\n"
            "dc-power-price,510100,2021,0.5\ndc-power-price,510100,2022,0.5\n"
            "dc-power-price,510100,2023,0.5\ndc-power-price,510100,2024,4.5\n",
        )
    )
    assert run.flagged == 0


def test_a_consistency_rule_marks_a_half_year_above_its_year(db) -> None:
    Region.objects.get_or_create(code="CHN", defaults={"name_zh": "中国", "level": "country"})
    market = Indicator.objects.create(code="market", name_zh="市场规模", unit="亿美元")
    ConsistencyRule.objects.create(
        name="上半年不超过全年",
        left_indicator=market,
        left_frequency="H",
        operator="<=",
        right_indicator=market,
        right_frequency="A",
    )
    csv_text = (
        "indicator,area,period,value\n"
        "market,CHN,2023,94\nmarket,CHN,2023-H1,31\n"
        "market,CHN,2024,22.1\nmarket,CHN,2024-H1,50\n"  # 2024 in 十亿 by mistake
    )
    run = source_ingest(source=_source("idc", csv_text))

    assert run.flagged == 1
    flag = QualityFlag.objects.get()
    assert (flag.rule, flag.observation.period) == ("consistency", "2024-H1")
    assert "上半年不超过全年" in comparison_text(flag)


def comparison_text(flag: QualityFlag) -> str:
    from indicators.quality import flag_text

    return flag_text(flag.rule, flag.params)


def test_market_shares_of_one_period_summing_over_100_are_marked(db) -> None:
    Region.objects.get_or_create(code="WLD", defaults={"name_zh": "世界", "level": "world"})
    share = Indicator.objects.create(code="share", name_zh="份额", unit="%")
    ConsistencyRule.objects.create(
        name="份额合计不超过 100%",
        left_indicator=share,
        left_sum=True,
        operator="<=",
        right_constant=100,
    )
    text = (
        "indicator,area,period,dimension,value\n"
        "share,WLD,2023,SK hynix,53\nshare,WLD,2023,Samsung,38\nshare,WLD,2023,Micron,9\n"
        "share,WLD,2024,SK hynix,60\nshare,WLD,2024,Samsung,50\n"
    )
    run = source_ingest(source=_source("trendforce", text))
    assert run.flagged == 2
    assert set(QualityFlag.objects.values_list("observation__period", flat=True)) == {"2024"}


def test_an_analyst_confirms_a_flagged_value_with_a_reason(price, admin_user) -> None:
    _ingest_slip()
    flag = QualityFlag.objects.get()
    with pytest.raises(ValidationFailed):
        quality_flag_resolve(actor=admin_user, flag_id=flag.pk, action="confirm", note=" ")

    quality_flag_resolve(actor=admin_user, flag_id=flag.pk, action="confirm", note="核对原文")

    flag.refresh_from_db()
    assert (flag.status, flag.resolved_by, flag.resolution_note) == (
        FlagStatus.CONFIRMED,
        admin_user,
        "核对原文",
    )
    assert flag.resolved_at is not None
    # The same value ingested again stays confirmed; the page no longer marks it.
    source_ingest(source=Source.objects.get(code="slip"))
    flag.refresh_from_db()
    assert flag.status == FlagStatus.CONFIRMED


def test_an_analyst_corrects_a_flagged_value_and_the_history_says_so(price, admin_user) -> None:
    _ingest_slip()
    flag = QualityFlag.objects.get()

    quality_flag_resolve(
        actor=admin_user, flag_id=flag.pk, action="correct", value=0.6, note="原文为 0.6 元/度"
    )

    obs = Observation.objects.get(period="2024")
    flag.refresh_from_db()
    assert obs.value == 0.6
    assert "原值 60" in obs.note
    assert (flag.status, flag.corrected_from, flag.resolved_by) == (
        FlagStatus.CORRECTED,
        60,
        admin_user,
    )
    # The source sending 60 again reopens the flag: nothing is silently shown as fact.
    source_ingest(source=Source.objects.get(code="slip"))
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN


def test_only_leads_and_admins_resolve_or_see_the_page(price, official, official_client) -> None:
    _ingest_slip()
    flag = QualityFlag.objects.get()
    with pytest.raises(PermissionDeniedError):
        quality_flag_resolve(actor=official, flag_id=flag.pk, action="confirm", note="x")
    assert official_client.get(reverse("indicators:quality")).status_code == 403


def test_the_data_quality_page_lists_filters_and_resolves(price, admin_client_) -> None:
    _ingest_slip()
    url = reverse("indicators:quality")
    page = admin_client_.get(url).content.decode()
    assert "较上期 0.6 增长 100 倍，疑似单位错误（分/元）" in page
    assert 'class="flag-row" data-rule="jump" data-status="open"' in page
    assert "flag-row" not in admin_client_.get(url + "?rule=outlier").content.decode()

    flag = QualityFlag.objects.get()
    response = admin_client_.post(
        reverse("indicators:quality-resolve", args=[flag.pk]),
        {"action": "correct", "value": "0.6", "note": "原文核对"},
    )
    assert response.status_code == 302
    assert Observation.objects.get(period="2024").value == 0.6
    resolved = admin_client_.get(url + "?status=corrected").content.decode()
    assert 'data-status="corrected"' in resolved
    assert "原文核对" in resolved


def test_a_growing_series_is_no_outlier_and_the_value_after_a_spike_is_not_either(price) -> None:
    growing = "".join(
        f"dc-power-price,510100,{2000 + i},{round(0.1 * 1.3**i, 4)}\n" for i in range(14)
    )
    run = source_ingest(source=_source("growing", "indicator,area,period,value\n" + growing))
    assert run.flagged == 0
    Observation.objects.all().delete()

    values = [0.50, 0.51, 0.50, 0.52, 0.51, 0.50, 0.52, 0.51, 0.50, 0.51, 4.9, 0.51, 0.52]
    text = "".join(f"dc-power-price,510100,{2000 + i},{v}\n" for i, v in enumerate(values))
    run = source_ingest(source=_source("spike", "indicator,area,period,value\n" + text))
    # 4.9 is under the tenfold jump but far outside ten years of 0.50-0.52; 0.51 after it
    # is back to normal and is not flagged.
    assert set(QualityFlag.objects.values_list("observation__period", "rule")) == {
        ("2010", "outlier")
    }
    assert run.flagged == 1
