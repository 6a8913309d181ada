"""Demo indicators, and the few figures no demo source file carries (each keeps its source).

Observation tuple: (area code, period, value, dimension, note). Figures that a fact sheet holds
are not listed here: ``sources.py`` ingests them through the real ingestion service, so they
carry a run, a checksum and a fetch time like any other feed.
"""

from __future__ import annotations

from typing import Any

INDICATORS: list[dict[str, Any]] = [
    dict(
        code="sc-available-compute",
        name_zh="四川可用算力规模",
        name_en="Sichuan available computing capacity",
        unit="P",
        category="capacity",
        frequency="H",
        qualifier="报告口径（混合精度）",
        confidence="medium",
        confidence_note="《四川省算力应用蓝皮书》经转载",
        decimals=0,
        observations=[],  # demo-capacity
    ),
    dict(
        code="cn-total-compute",
        name_zh="全国算力总规模",
        name_en="China total computing power",
        unit="EFLOPS",
        category="capacity",
        frequency="H",
        qualifier="报告口径（混合精度）",
        confidence="medium",
        confidence_note="工信部/人民网等公开报道",
        decimals=0,
        observations=[],  # demo-capacity
    ),
    dict(
        code="icc-capacity-fp16",
        name_zh="智算中心算力（FP16）",
        name_en="Intelligent computing center capacity (FP16)",
        unit="P",
        category="capacity",
        frequency="A",
        qualifier="FP16",
        confidence="high",
        confidence_note="媒体报道的上线算力",
        decimals=0,
        observations=[("510100", "2022", 300, "成都智算中心", "szonline.cn 2022-05-12")],
    ),
    dict(
        code="icc-capacity-unstated",
        name_zh="智算中心算力（精度未公布）",
        name_en="Intelligent computing center capacity (precision not stated)",
        unit="P",
        category="capacity",
        frequency="A",
        qualifier="精度未公布",
        confidence="high",
        confidence_note="人民网 2024-04-26",
        decimals=0,
        observations=[("510100", "2024", 256, "天府智算中心", "sc.people.com.cn 2024-04-26")],
    ),
    dict(
        code="supercomputing-capacity-fp64",
        name_zh="超算中心算力（FP64 峰值）",
        name_en="Supercomputing capacity (FP64 peak)",
        unit="P",
        category="capacity",
        frequency="A",
        qualifier="FP64（推定）",
        confidence="medium",
        confidence_note="报道为 10 亿亿次/秒，精度为推定",
        decimals=0,
        observations=[("510100", "2020", 100, "国家超级计算成都中心", "cbgc.scol.com.cn")],
    ),
    dict(
        code="dc-power-price",
        name_zh="算力中心电价",
        name_en="Electricity price paid by compute centers",
        unit="元/度",
        category="power_price",
        frequency="A",
        confidence="medium",
        confidence_note="文章引述；雅安为政策口径",
        decimals=2,
        observations=[  # Chengdu: demo-power-price
            ("511800", "2019", 0.34, "", "dsjol.com；ya.newssc.org 2019-06-19"),
        ],
    ),
    dict(
        code="dc-annual-kwh",
        name_zh="智算平台年用电量",
        name_en="Annual electricity use of the AI platform",
        unit="度",
        category="power_price",
        frequency="A",
        confidence="medium",
        confidence_note="文章：约 500 万度",
        decimals=0,
        observations=[],  # demo-power-price
    ),
    dict(
        code="dc-capacity-p",
        name_zh="算力中心满负荷算力",
        name_en="Compute center capacity at full load",
        unit="P",
        category="capacity",
        frequency="A",
        qualifier="FP16",
        confidence="medium",
        confidence_note="文章：2023 年基本满负荷运行",
        decimals=0,
        observations=[],  # demo-power-price
    ),
    dict(
        code="power-cost-per-p-month",
        name_zh="每 P 每月电费",
        name_en="Electricity cost per P per month",
        unit="元/(P·月)",
        category="power_price",
        frequency="A",
        confidence="medium",
        confidence_note="成都为派生值；沈阳为文章引述",
        decimals=0,
        formula="dc_annual_kwh * dc_power_price / dc_capacity_p / 12",
        definition="年用电量 × 电价 ÷ 算力 ÷ 12 个月",
        observations=[],  # Shenyang: demo-power-price; Chengdu: derived
    ),
    dict(
        code="hydro-capacity-sc",
        name_zh="四川水电装机容量",
        name_en="Sichuan hydropower installed capacity",
        unit="GW",
        category="power_price",
        frequency="A",
        confidence="medium",
        confidence_note="媒体报道",
        decimals=1,
        observations=[
            ("510000", "2018", 78.2, "", "scmp.com"),
            ("510000", "2025", 100, "", "globalpulseonline.com 2025-12-19（>100GW）"),
        ],
    ),
    dict(
        code="hbm-market-share",
        name_zh="HBM 市场份额",
        name_en="HBM market share",
        unit="%",
        category="supply_chain",
        frequency="A",
        confidence="forecast",
        confidence_note="TrendForce：2022 为估计，2023 为 2023 年 4 月预测",
        decimals=0,
        observations=[],  # demo-hbm-share
    ),
    dict(
        code="hbm-dram-revenue-share",
        name_zh="HBM 占 DRAM 产业营收比重",
        name_en="HBM share of DRAM revenue",
        unit="%",
        category="supply_chain",
        frequency="A",
        confidence="medium",
        confidence_note="TrendForce 经 asiae；2024 为预测",
        decimals=1,
        observations=[
            ("WLD", "2022", 2.6, "", "TrendForce"),
            ("WLD", "2023", 8.4, "", "TrendForce"),
            ("WLD", "2024", 20.1, "", "TrendForce（预测）"),
        ],
    ),
    dict(
        code="cn-accel-server-market",
        name_zh="中国加速服务器市场规模",
        name_en="China accelerated-server market",
        unit="亿美元",
        category="supply_chain",
        # The annual total is the headline; the sheet also has first halves, which the page
        # draws as a series of their own (and says so).
        frequency="A",
        confidence="medium",
        confidence_note="IDC 经二手来源",
        decimals=0,
        observations=[],  # demo-accel-server
    ),
    dict(
        code="cn-domestic-ai-chip-share",
        name_zh="国产 AI 加速卡占比",
        name_en="Domestic-brand share of AI accelerator cards",
        unit="%",
        category="supply_chain",
        frequency="H",
        confidence="medium",
        confidence_note="IDC 经 aibase（二手来源）",
        decimals=0,
        observations=[("CHN", "2023-H1", 10, "", "IDC via aibase.com")],
    ),
]

# Consistency rules between the demo series (DHIS2-style validation rules, editable in the
# admin): evaluated after every ingestion of either side. Sides name indicator codes.
CONSISTENCY_RULES: list[dict[str, Any]] = [
    dict(
        name="中国加速服务器市场：上半年规模不超过全年",
        left_indicator="cn-accel-server-market",
        left_frequency="H",
        operator="<=",
        right_indicator="cn-accel-server-market",
        right_frequency="A",
    ),
    dict(
        # Shares are rounded to whole per cent: two points of tolerance.
        name="HBM 各厂商市场份额之和不超过 100%",
        left_indicator="hbm-market-share",
        left_sum=True,
        operator="<=",
        right_constant=100,
        right_factor=1.02,
    ),
]
