"""The monthly briefing's compute–power section: facts, sentences, figures and the PDF."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from indicators.analytics.power import PowerOverrides
from indicators.analytics.services import power_scenario_create
from policy.briefings.content import power_sentences, summary_figures
from policy.briefings.periods import parse_period
from policy.briefings.render import briefing_figures, render_period
from policy.briefings.selectors import briefing_facts

pytestmark = pytest.mark.django_db
OCTOBER = parse_period("monthly", "2026-10")


@pytest.fixture
def marked(power_demo: Any, lead: Any) -> Any:
    return power_scenario_create(
        actor=lead,
        name="水电直供 0.35 元/度",
        note="直购水电价格（假设）",
        area="510100",
        overrides=PowerOverrides(price=0.35),
        include_in_briefing=True,
    )


def test_a_monthly_briefing_has_the_section_and_a_weekly_one_does_not(marked: Any) -> None:
    facts = briefing_facts(OCTOBER)
    assert facts.power is not None
    assert [line.name for line in facts.power.lines] == ["成都市", "沈阳市"]
    assert [s.scenario.name for s in facts.power.scenarios] == ["水电直供 0.35 元/度"]
    assert briefing_facts(parse_period("weekly", "2026-W44")).power is None


def test_the_sentences_compare_sichuan_with_each_city(marked: Any) -> None:
    facts = briefing_facts(OCTOBER)
    assert facts.power is not None
    assert power_sentences(facts.power) == [
        "成都市每 P 每月电费 833.3 元（2023），较沈阳市的 800 元（2023）高 4.2%。"
    ]
    with translation.override("en"):
        english = power_sentences(briefing_facts(OCTOBER).power)
    assert english == [
        "Chengdu: electricity cost 833.3 yuan per P per month (2023), 4.2% higher than "
        "Shenyang at 800 yuan (2023)."
    ]


def test_the_stored_summary_keeps_the_figures(marked: Any) -> None:
    summary = summary_figures(briefing_facts(OCTOBER))
    power = summary["power"]
    assert round(power["cost_per_p_month"]["510100"]["value"], 1) == 833.3
    assert power["cost_per_p_month"]["210100"] == {"value": 800, "period": "2023"}
    assert round(power["scenarios"][str(marked.pk)], 1) == 486.1


def test_the_section_uses_the_pages_chart(marked: Any) -> None:
    figure = briefing_figures(briefing_facts(OCTOBER))["power"]
    bar = figure.data[0]
    assert list(bar.y) == ["成都市 · 2023", "沈阳市 · 2023", "情景：水电直供 0.35 元/度"]
    assert [round(v, 1) for v in bar.x] == [833.3, 800, 486.1]


def test_the_section_takes_a_fixed_number_of_queries(
    marked: Any, lead: Any, django_assert_num_queries: Any
) -> None:
    from indicators.analytics.selectors import power_briefing

    def section() -> Any:
        return power_briefing(
            reader=lead, as_of=dt.date(2026, 10, 31), previous_end=dt.date(2026, 9, 30)
        )

    with django_assert_num_queries(9):
        section()
    for n in range(4):
        power_scenario_create(
            actor=lead,
            name=f"情景 {n}",
            area="510100",
            overrides=PowerOverrides(price=0.3),
            include_in_briefing=True,
        )
    with django_assert_num_queries(9):
        assert len(section().scenarios) == 5


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "brief.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True)
    return re.sub(r"\s+", "", out.stdout)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "zh-hans",
            [
                "五、算电协同：每P每月电费",
                "成都市每P每月电费833.3元（2023），较沈阳市的800元（2023）高4.2%。",
                "纳入简报的测算情景",
                "水电直供0.35元/度",
                "486.1",
                "暂无数据的对比城市：杭州市、重庆市。",
            ],
        ),
        (
            "en",
            [
                "5.Compute–powercoordination:electricitycostperPpermonth",
                "4.2%higherthanShenyangat800yuan(2023)",
                "Scenariosinthisbriefing",
                "486.1",
                "Comparisoncitieswithoutdata:Hangzhou,Chongqing.",
            ],
        ),
    ],
)
def test_the_pdf_carries_the_section(
    marked: Any, private_media: Any, tmp_path: Path, language: str, expected: list[str]
) -> None:
    rendered = render_period(OCTOBER, language=language, kind_label="月报")
    text = _pdf_text(rendered.pdf, tmp_path)
    for fragment in expected:
        assert fragment in text, fragment
    assert rendered.summary["power"]["scenarios"] == {
        str(marked.pk): pytest.approx(486.111, abs=1e-3)
    }
    assert dt.date.fromisoformat(rendered.summary["period_end"]) == dt.date(2026, 10, 31)
