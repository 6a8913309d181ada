"""Demo investment: year plans, monthly completions and funding splits (演示数据).

Not official statistics: plans are a share of each project's planned total, completions follow
a pace against the elapsed share of the year (1.0 = on schedule) with month-to-month swings,
and funding splits are plausible shares of the total across the channels the article names.
`policy.demo` replays them through the real services (leads report directly; where a project
has an owner, the owner's latest month waits for review).
"""

from __future__ import annotations

# Per project code: share of the total planned for the current year, pace of completion,
# how the owner enters figures ("cumulative" or "monthly"), and the funding split
# [(source code, share of the total, share of it arrived)].
INVESTMENT: dict[str, dict[str, object]] = {
    "tianfu-icc": dict(
        year_share=0.25,
        pace=1.02,
        entry="cumulative",
        funding=[
            ("ultra-long-bonds", 0.30, 0.80),
            ("special-bonds", 0.20, 0.95),
            ("local-fiscal", 0.10, 1.00),
            ("enterprise", 0.40, 0.55),
        ],
    ),
    "dazhou-acc": dict(
        year_share=0.35,
        pace=0.62,
        entry="monthly",
        funding=[
            ("central-budget", 0.15, 1.00),
            ("special-bonds", 0.35, 0.40),
            ("bank-loans", 0.50, 0.30),
        ],
    ),
    "yaan-bigdata-park": dict(
        year_share=0.30,
        pace=0.93,
        entry="cumulative",
        funding=[("special-bonds", 0.40, 0.70), ("social-capital", 0.60, 0.50)],
    ),
    "tianfu-cluster-start": dict(
        year_share=0.20,
        pace=0.82,
        entry="cumulative",
        funding=[
            ("ultra-long-bonds", 0.25, 0.60),
            ("local-fiscal", 0.15, 0.90),
            ("enterprise", 0.60, 0.45),
        ],
    ),
    "nscc-chengdu": dict(
        year_share=0.15,
        pace=1.05,
        entry="cumulative",
        funding=[("central-budget", 0.40, 1.00), ("local-fiscal", 0.60, 0.85)],
    ),
    "chengdu-icc": dict(
        year_share=0.20,
        pace=0.86,
        entry="monthly",
        funding=[("local-fiscal", 0.50, 0.90), ("enterprise", 0.50, 0.75)],
    ),
    "huakun-ascend": dict(
        year_share=0.40,
        pace=1.10,
        entry="cumulative",
        funding=[("enterprise", 0.70, 0.80), ("bank-loans", 0.30, 0.60)],
    ),
    "storage-valley": dict(
        year_share=0.18,
        pace=0.74,
        entry="cumulative",
        funding=[
            ("ultra-long-bonds", 0.20, 0.50),
            ("special-bonds", 0.30, 0.65),
            ("social-capital", 0.50, 0.35),
        ],
    ),
    "hbm-packaging": dict(
        year_share=0.30,
        pace=0.55,
        entry="cumulative",
        funding=[("enterprise", 0.60, 0.40), ("bank-loans", 0.40, 0.25)],
    ),
    "hbm-supply-chain": dict(
        year_share=0.25,
        pace=0.97,
        entry="cumulative",
        funding=[("central-budget", 0.20, 1.00), ("enterprise", 0.80, 0.60)],
    ),
    "near-memory-lab": dict(
        year_share=0.40,
        pace=1.00,
        entry="monthly",
        funding=[("local-fiscal", 1.00, 0.90)],
    ),
    "yaan-hydro-dc": dict(
        year_share=0.30,
        pace=0.90,
        entry="cumulative",
        funding=[("special-bonds", 0.40, 0.75), ("enterprise", 0.60, 0.60)],
    ),
    "jinsha-clean-energy": dict(
        year_share=0.20,
        pace=0.78,
        entry="cumulative",
        funding=[
            ("ultra-long-bonds", 0.35, 0.55),
            ("bank-loans", 0.40, 0.50),
            ("enterprise", 0.25, 0.70),
        ],
    ),
    "rongcheng-data": dict(
        year_share=0.35,
        pace=0.95,
        entry="monthly",
        funding=[("local-fiscal", 0.80, 0.85), ("social-capital", 0.20, 0.40)],
    ),
    "gov-llm-pilot": dict(
        year_share=0.45,
        pace=0.68,
        entry="cumulative",
        funding=[("local-fiscal", 0.70, 0.60), ("enterprise", 0.30, 0.50)],
    ),
    "gov-llm-apps": dict(
        year_share=0.50,
        pace=1.00,
        entry="cumulative",
        funding=[("local-fiscal", 1.00, 0.80)],
    ),
    "data-governance": dict(
        year_share=0.50,
        pace=0.92,
        entry="cumulative",
        funding=[("local-fiscal", 1.00, 0.90)],
    ),
}

# Month-to-month swings of the completions (construction is slow in winter and at Spring
# Festival, faster from spring): weights of the twelve months, normalised in the seed.
MONTH_WEIGHTS = [0.45, 0.35, 0.85, 1.0, 1.1, 1.2, 1.15, 1.1, 1.2, 1.1, 1.15, 1.35]
# Share of last year's plan that was completed (the previous year is seeded by quarter).
LAST_YEAR_COMPLETION = 0.92
