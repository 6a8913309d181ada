"""Derived indicators (safe formulas, own provenance) and the demo sources through the service."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from indicators.formula import FormulaError, parse_formula
from indicators.models import Indicator, IngestionRun, Observation, RunStatus, Source
from indicators.services import IngestRequest, derived_recompute, indicator_formula_check, ingest


def test_a_formula_evaluates_arithmetic_over_indicator_names() -> None:
    formula = parse_formula("a_kwh * price / (cap - 0) / 12")
    assert formula.names == {"a_kwh", "price", "cap"}
    assert formula.evaluate({"a_kwh": 5_000_000, "price": 0.6, "cap": 300}) == pytest.approx(
        833.333, abs=0.001
    )


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("__import__('os').system('id')", "uses Call"),
        ("a.b * 2", "uses Attribute"),
        ("a ** 2", "uses Pow"),
        ("a[0]", "uses Subscript"),
        ("a if b else c", "uses IfExp"),
        ("'x' * a", "Only numbers"),
        ("a *", "not valid arithmetic"),
        ("12 / 3", "uses no indicator"),
        ("", "empty"),
    ],
)
def test_anything_but_arithmetic_is_refused(text: str, fragment: str) -> None:
    with pytest.raises(FormulaError, match=fragment):
        parse_formula(text)


def test_division_by_zero_is_a_formula_error() -> None:
    with pytest.raises(FormulaError, match="Division by zero"):
        parse_formula("a / b").evaluate({"a": 1, "b": 0})


@pytest.mark.django_db
def test_a_formula_must_name_existing_indicators() -> None:
    Indicator.objects.create(code="dc-power-price", name_zh="电价", unit="元/度")
    assert indicator_formula_check(formula="dc_power_price * 2").names == {"dc_power_price"}
    with pytest.raises(FormulaError, match="unknown indicator\\(s\\): nope"):
        indicator_formula_check(formula="dc_power_price * nope")


@pytest.fixture
def cost_indicators(db) -> Indicator:
    for code, unit in (
        ("dc-annual-kwh", "度"),
        ("dc-power-price", "元/度"),
        ("dc-capacity-p", "P"),
    ):
        Indicator.objects.create(code=code, name_zh=code, unit=unit)
    return Indicator.objects.create(
        code="power-cost-per-p-month",
        name_zh="每 P 每月电费",
        unit="元/(P·月)",
        formula="dc_annual_kwh * dc_power_price / dc_capacity_p / 12",
    )


CSV = (
    "indicator,area,period,value\n"
    "dc-annual-kwh,510100,2023,5000000\n"
    "dc-power-price,510100,2022,0.5\n"
    "dc-power-price,510100,2023,0.6\n"
    "dc-capacity-p,510100,2023,300\n"
    "power-cost-per-p-month,210100,2023,800\n"
)


def _ingest(text: str) -> IngestionRun:
    return ingest(IngestRequest(kind="csv", options={}, label="t", payload=text.encode()))


def test_the_derived_cost_per_p_is_833_for_chengdu_next_to_shenyangs_800(cost_indicators) -> None:
    _ingest(CSV)

    chengdu = Observation.objects.get(indicator=cost_indicators, area__code="510100")
    assert round(chengdu.value) == 833
    assert chengdu.period == "2023"
    assert chengdu.run.trigger == "derived"
    assert "dc_annual_kwh * dc_power_price / dc_capacity_p / 12" in chengdu.run.label
    assert "dc_annual_kwh=5e+06" in chengdu.note
    assert "dc_capacity_p=300" in chengdu.note
    shenyang = Observation.objects.get(indicator=cost_indicators, area__code="210100")
    assert shenyang.value == 800
    assert shenyang.run.trigger != "derived"
    # 2022 has a price but no capacity or consumption: nothing is derived for it.
    assert not Observation.objects.filter(indicator=cost_indicators, period="2022").exists()


def test_recomputing_unchanged_inputs_changes_nothing_and_a_new_price_updates(
    cost_indicators,
) -> None:
    _ingest(CSV)
    runs = IngestionRun.objects.count()
    assert derived_recompute() == {"inserted": 0, "updated": 0, "unchanged": 1, "deleted": 0}
    _ingest(CSV)
    assert IngestionRun.objects.count() == runs + 1  # the import's run, no new derived run

    _ingest(CSV.replace("510100,2023,0.6", "510100,2023,0.72"))

    chengdu = Observation.objects.get(indicator=cost_indicators, area__code="510100")
    assert chengdu.value == pytest.approx(1000)


def test_a_publishers_figure_is_never_overwritten_by_the_derivation(cost_indicators) -> None:
    _ingest(CSV + "power-cost-per-p-month,510100,2023,850\n")
    chengdu = Observation.objects.get(indicator=cost_indicators, area__code="510100")
    assert chengdu.value == 850


@pytest.mark.django_db
def test_seed_demo_ingests_the_fact_sheets_and_reproduces_833() -> None:
    out = StringIO()
    call_command("seed_demo", "--password", "pw-1", stdout=out)

    sources = Source.objects.filter(code__startswith="demo-")
    assert sources.count() == 4
    for source in sources:
        run = source.runs.get()
        assert run.status == RunStatus.SUCCEEDED, run.error
        assert run.inserted > 0
        assert len(run.sha256) == 64
    cost = Observation.objects.filter(indicator__code="power-cost-per-p-month")
    values = {o.area.code: round(o.value) for o in cost.select_related("area")}
    assert values == {"510100": 833, "210100": 800}
    shares = dict(
        Observation.objects.filter(indicator__code="hbm-market-share", period="2023").values_list(
            "dimension", "value"
        )
    )
    assert shares == {"SK hynix": 53, "Samsung": 38, "Micron": 9}
    accel = Observation.objects.get(indicator__code="cn-accel-server-market", period="2024")
    assert accel.value == pytest.approx(221)
    assert accel.run.source.code == "demo-accel-server"
    assert accel.note.startswith("https://exportsemi.com/")  # the row's own citation
    price = Observation.objects.get(indicator__code="dc-power-price", period="2022")
    assert "from 0.5 to over 0.6 yuan" in price.note

    again = StringIO()
    runs = IngestionRun.objects.count()
    call_command("seed_demo", stdout=again)
    assert "nothing to do" in again.getvalue()
    assert IngestionRun.objects.count() == runs
