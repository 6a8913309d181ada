"""The owner workflow the demo replays through the real services after the static program.

Static data describes the program as it stood before these events; `policy.demo` then has the
demo owners submit progress and values, and the leads approve or return them, exactly as the
forms would. So the review queue, "my work" and the dashboards' 待审核 marks have something to
show on a fresh demo, and the overview's "changes since" panel shows a few genuinely recent
events (the rest of the demo was reviewed long ago, see `REVIEW_DELAY_DAYS`).

Milestone event: project code, milestone title_zh, who submits, proposed status and percent,
whether completed_on is "recent" (a day of the current week), the narrative, and the review:
None (stays pending), ("approve", lead username, note) or ("return", lead username, reason).
An event is replayed only on a milestone nobody changed through the services (version 1).

KPI event: KPI code, period, value, who reports it, comment, review (None or "approve" by lead).
A value already on record for the KPI and period is not replayed.
"""

from __future__ import annotations

from typing import Any

# An approved demo value was reviewed this long after its period ended (a realistic reporting
# lag): its review then lies months back, not in "this week's changes".
REVIEW_DELAY_DAYS = 42

MILESTONE_EVENTS: list[dict[str, Any]] = [
    dict(
        project="tianfu-icc",
        milestone="二期土建完工",
        actor="owner",
        status="done",
        percent=100,
        completed="recent",
        narrative="二期机房主体与配套土建已通过竣工验收（演示数据）。",
        review=("approve", "lead", "验收材料齐全，同意。"),
    ),
    dict(
        project="tianfu-icc",
        milestone="二期设备安装（扩至 600P）",
        actor="owner",
        status="in_progress",
        percent=60,
        completed=None,
        narrative="二期服务器到货过半，新增约 190P 已通电调试（演示数据）。",
        review=(
            "return",
            "lead",
            "请附上设备到货验收单，并说明已通电调试部分的算力精度口径（FP16 或 FP64）。",
        ),
    ),
    dict(
        project="dazhou-acc",
        milestone="首批 30P 上线",
        actor="owner",
        status="in_progress",
        percent=85,
        completed=None,
        narrative="首批 30P 中 26P 已完成调试，剩余 4P 待设备到货（演示数据）。",
        review=None,
    ),
    dict(
        project="chengdu-icc",
        milestone="扩容至 600P",
        actor="owner",
        status="in_progress",
        percent=90,
        completed=None,
        narrative="扩容设备已全部到货，联调测试中，预计下月上线（演示数据）。",
        review=None,
    ),
    dict(
        project="gov-llm-pilot",
        milestone="安全评估与备案",
        actor="owner2",
        status="in_progress",
        percent=80,
        completed=None,
        narrative="安全评估报告已提交网信部门，等待备案反馈（演示数据）。",
        review=None,
    ),
]

KPI_EVENTS: list[dict[str, Any]] = [
    dict(
        kpi="tf-icc-capacity",
        period="2026",
        value=450,
        actor="owner",
        comment="二期部分设备通电后已上线算力（演示数据）。",
        review="lead",
    ),
    dict(
        kpi="dazhou-acc-capacity",
        period="2026",
        value=26,
        actor="owner",
        comment="首批设备调试完成部分（演示数据）。",
        review=None,
    ),
]
