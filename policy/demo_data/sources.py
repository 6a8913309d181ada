"""Demo indicator sources: one file source per fact sheet, ingested by the real service.

Each maps a sheet of ``policy/demo_data/`` (copies of ../shared/data) onto the indicators of
``indicators.py``. ``only_mapped`` reads just the rows listed in ``indicator_map``: the sheets
also hold context rows (targets, ranges such as "46-49", revised forecasts) that are not series.
"""

from __future__ import annotations

from typing import Any

SOURCES: list[dict[str, Any]] = [
    dict(
        code="demo-capacity",
        name="四川及全国算力规模（公开报道汇总）",
        file="sichuan_computing_aggregates.csv",
        publisher="《四川省算力应用蓝皮书》；工信部（经人民网等转载）",
        citation="policy/demo_data/sichuan_computing_aggregates.csv（每行附原始出处）",
        confidence="medium",
        confidence_note="二手转载的报告口径（混合精度）",
        expected_every_days=200,
        options={
            "columns": {
                "indicator": "metric",
                "area": "scope",
                "period": "as_of",
                "note": "source",
            },
            "indicator_map": {
                "available computing capacity": "sc-available-compute",
                "total computing power": "cn-total-compute",
            },
            "only_mapped": True,
            "area_map": {"Sichuan": "510000", "China": "CHN", "World": "WLD"},
            "unit_map": {"PFLOPS": "P"},
        },
    ),
    dict(
        code="demo-power-price",
        name="算力中心电价与用电（文章事实）",
        file="article_facts.csv",
        publisher="关于四川“一号创新工程”的评论文章（2024 年 5 月）",
        citation="policy/demo_data/article_facts.csv",
        confidence="medium",
        confidence_note="文章引述，未经官方统计核实",
        expected_every_days=400,
        options={
            # One "fact" column names both the series and the place it is about.
            "columns": {"indicator": "fact", "area": "fact", "period": "as_of", "note": "note"},
            "indicator_map": {
                "electricity price paid by a Chengdu computing center (before)": "dc-power-price",
                "electricity price paid by a Chengdu computing center (after)": "dc-power-price",
                "capacity of that Chengdu computing center (ran at about full load in 2023)": (
                    "dc-capacity-p"
                ),
                "annual electricity use of its intelligent-computing platform": "dc-annual-kwh",
                "electricity cost per P per month in Shenyang": "power-cost-per-p-month",
            },
            "only_mapped": True,
            "area_map": {
                "electricity price paid by a Chengdu computing center (before)": "510100",
                "electricity price paid by a Chengdu computing center (after)": "510100",
                "capacity of that Chengdu computing center (ran at about full load in 2023)": (
                    "510100"
                ),
                "annual electricity use of its intelligent-computing platform": "510100",
                "electricity cost per P per month in Shenyang": "210100",
            },
            "unit_map": {
                "CNY/kWh": "元/度",
                "PFLOPS": "P",
                "kWh/year": "度",
                "CNY/(P*month)": "元/(P·月)",
            },
        },
    ),
    dict(
        code="demo-hbm-share",
        name="HBM 市场份额（TrendForce）",
        file="hbm_market_share_trendforce.csv",
        publisher="TrendForce（2023-04-20 新闻稿）",
        citation="policy/demo_data/hbm_market_share_trendforce.csv",
        confidence="forecast",
        confidence_note="2022 为估计，2023 为 2023 年 4 月预测（8 月已下修为区间，未导入）",
        expected_every_days=400,
        options={
            # The status column tells estimates from forecasts; only the April 2023 release is
            # read (the August revision gives ranges, not figures).
            "columns": {
                "indicator": "status",
                "period": "year",
                "value": "share_pct",
                "dimension": "supplier",
            },
            "indicator_map": {
                "actual (TrendForce est.)": "hbm-market-share",
                "forecast (Apr-2023)": "hbm-market-share",
            },
            "only_mapped": True,
            "area": "WLD",
            "unit": "%",
        },
    ),
    dict(
        code="demo-accel-server",
        name="中国加速服务器市场规模（IDC）",
        file="china_accelerated_server_market_idc.csv",
        publisher="IDC（经二手来源转载）",
        citation="policy/demo_data/china_accelerated_server_market_idc.csv（每行附原始出处）",
        confidence="medium",
        confidence_note="IDC 数据经媒体转载",
        expected_every_days=200,
        options={
            "columns": {"period": "period", "value": "market_usd_bn", "note": "source"},
            "indicator": "cn-accel-server-market",
            "area": "CHN",
            "unit": "亿美元",
            "scale": 10,  # 十亿美元 -> 亿美元
        },
    ),
]
