"""Briefings generated from the demo data: Chinese text, every initiative, figures, fonts.

These render real PDFs (kaleido + Debian's chromium + WeasyPrint) and read them back with
poppler's pdftotext / pdffonts / pdfinfo, as an official's PDF reader would.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from policy.briefings.models import Briefing, BriefingStatus
from policy.models import Initiative, Milestone

TITLE_ZH = "四川省人工智能一号创新工程·四个大后方+一个创新探索进展简报"


def _text(pdf: Path, *, raw: bool = False) -> str:
    """The PDF's text; `raw` keeps content-stream order (a table cell's lines stay together)."""
    args = ["pdftotext", *(["-raw"] if raw else []), str(pdf), "-"]
    out = subprocess.run(args, capture_output=True, check=True, text=True)
    return out.stdout


def _flat(text: str) -> str:
    """Line breaks and spaces removed: Chinese lines wrap anywhere."""
    return re.sub(r"\s+", "", text)


def _fonts(pdf: Path) -> list[list[str]]:
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, check=True, text=True)
    rows = out.stdout.splitlines()[2:]  # two header lines
    return [row.split() for row in rows if row.strip()]


def _pages(pdf: Path) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, check=True, text=True)
    return int(re.search(r"^Pages:\s+(\d+)", out.stdout, re.M)[1])


def _assert_fonts_embedded(pdf: Path) -> None:
    fonts = _fonts(pdf)
    assert fonts, "the PDF lists no fonts at all"
    for row in fonts:
        # columns from the right: object ID (2), uni, sub, emb
        emb = row[-5]
        assert emb == "yes", f"font not embedded: {' '.join(row)}"
    assert any("CJK" in row[0] for row in fonts), fonts


@pytest.fixture
def demo(db: object, private_media: Path) -> None:
    call_command("seed_demo", "--password", "pw-demo-1", stdout=StringIO())
    # One milestone completed inside October 2026, so "completed in the period" has a row.
    Milestone.objects.filter(title_zh="60 个部门数据接入").update(
        status="done", percent_complete=100, completed_on=dt.date(2026, 10, 20)
    )


@pytest.mark.slow
@pytest.mark.django_db
def test_monthly_chinese_briefing_from_demo_data(demo: None, tmp_path: Path) -> None:
    target = tmp_path / "brief.pdf"
    out = StringIO()
    call_command(
        "make_briefing",
        "--kind",
        "monthly",
        "--period",
        "2026-10",
        "--output",
        str(target),
        stdout=out,
    )
    assert "pages" in out.getvalue()
    text = _text(target)
    flat = _flat(text)
    assert TITLE_ZH in flat
    assert "2026年10月" in flat
    assert "发布单位：四川省人工智能一号创新工程推进工作专班" in flat
    assert "数据截至：2026年10月31日" in flat
    for initiative in Initiative.objects.all():
        assert _flat(initiative.name_zh) in flat, initiative.name_zh
    # Figures from the demo data: Sichuan compute 22,000 P (2025) vs 28,000 P target (2026),
    # from a baseline of 5,500 P: 73 % of the way (#15: not "79 % of target"); electricity
    # price 0.5 yuan/kWh; 20 tracked projects.
    assert "四川算力总规模22,000P" in flat
    assert "目标28,000P已走完73%（越高越好）" in flat
    assert "共跟踪项目20个" in flat
    # The October completion and an overdue milestone with its owner (seeded owner 甲).
    assert "60个部门数据接入" in flat
    assert "项目负责人甲（演示）" in flat
    assert "逾期天数" in flat
    # Indicators and the provenance appendix.
    assert "四、外部指标" in flat
    assert "附录：数据来源与可信度" in flat
    assert "全国算力总规模" in flat
    # Change vs the previous briefing period: the demo's annual figures had no new release.
    assert "较上期简报" in flat
    assert "无新数据" in flat
    # Appendix: every seeded source with its run time, result and confidence (provenance).
    from indicators.models import IngestionRun, Source

    assert "数据来源与采集记录" in flat
    cells = _flat(_text(target, raw=True))
    run_day = timezone.localtime(IngestionRun.objects.latest("started_at").started_at)
    for source in Source.objects.all():
        assert _flat(source.name) in cells, source.name
    assert f"{run_day:%Y-%m-%d%H:%M}成功" in cells  # last run and its result
    assert "预测2022为估计" in cells  # the HBM source's confidence and its note
    assert "SKhynix•世界2023HBM市场份额（TrendForce）#" in cells  # value → source, run
    _assert_fonts_embedded(target)
    pages = _pages(target)
    assert 6 <= pages <= 30
    briefing = Briefing.objects.get(kind="monthly", period="2026-10", language="zh-hans")
    assert briefing.status == BriefingStatus.READY
    assert briefing.page_count == pages
    assert briefing.trigger == "command"
    assert Path(briefing.file.path).read_bytes() == target.read_bytes()
    figures = briefing.summary["initiatives"]["inference-compute"]["kpis"]["sc-compute-total"]
    assert figures["latest"] == 22000
    assert figures["target"] == 28000
    assert briefing.summary["initiatives"]["gov-llm"]["milestones_completed"] == 1
    assert sum(briefing.summary["status_counts"].values()) == 5
    assert any("共跟踪项目 20 个" in line for line in briefing.summary["executive_summary"])


@pytest.mark.slow
@pytest.mark.django_db
def test_english_briefing_has_english_text_and_embedded_cjk_fonts(
    demo: None, tmp_path: Path
) -> None:
    target = tmp_path / "brief-en.pdf"
    call_command(
        "make_briefing",
        "--kind",
        "monthly",
        "--period",
        "2026-10",
        "--language",
        "en",
        "--output",
        str(target),
        stdout=StringIO(),
    )
    text = _text(target)
    joined = re.sub(r"\s+", " ", text)
    assert "Progress Briefing" in joined
    assert "October 2026" in joined
    assert "Monthly" in joined
    for initiative in Initiative.objects.all():
        assert initiative.name_en in joined, initiative.name_en
    assert "22,000 P" in joined
    assert "Issued by: Sichuan AI No. 1 Innovation Project Task Force" in joined
    assert "Appendix" in joined
    assert "vs previous briefing" in joined
    assert "no new data" in joined
    assert "Data sources and ingestion runs" in joined
    # The Chinese title stays on the English cover, so the fonts are CJK there too.
    assert TITLE_ZH in _flat(text)
    _assert_fonts_embedded(target)
    assert 6 <= _pages(target) <= 30
