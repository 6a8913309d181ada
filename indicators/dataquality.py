"""Stored data-quality flags: written after an ingestion, listed for analysts, resolved by them.

The rules themselves are ``indicators.quality`` (pure) and are applied to a payload's columns
by ``indicators.validation``; this module turns their findings into ``QualityFlag`` rows once
the observations are written, evaluates the consistency rules between series (whole columns,
pandas), and records a person's confirmation or correction of a flagged value.

A flag is one per observation and rule. Re-ingesting: an open flag is refreshed; a flag a
person confirmed stays confirmed while the value is the one they confirmed; any other flag
(corrected, or confirmed for another value) opens again when the rule finds the value
doubtful again; an open flag whose value the rule no longer finds doubtful is removed.
"""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from django.db.models import Count, Q, QuerySet

from policy.permissions import user_scope
from policy.types import AnyUser

from .models import (
    ConsistencyRule,
    FlagStatus,
    Indicator,
    IngestionRun,
    Observation,
    QualityFlag,
    QualityRule,
)
from .periods import frequency_of
from .quality import INGESTION_RULES, flag_text
from .validation import Validated

Key = tuple[str, str, str, str]  # indicator code, area code, period, dimension

# -- writing flags -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """One doubtful value: the observation, the rule and the comparison."""

    observation_id: int
    value: float
    rule: str
    rule_key: str
    params: dict[str, Any]
    consistency_rule_id: int | None = None


def _store(found: Sequence[Found], run: IngestionRun | None) -> None:
    """Create, refresh or reopen the flags of ``found`` (see the module docstring)."""
    if not found:
        return
    existing = {
        (f.observation_id, f.rule_key): f
        for f in QualityFlag.objects.filter(
            observation_id__in={f.observation_id for f in found},
            rule_key__in={f.rule_key for f in found},
        )
    }
    create, update = [], []
    for item in found:
        flag = existing.get((item.observation_id, item.rule_key))
        if flag is None:
            create.append(
                QualityFlag(
                    observation_id=item.observation_id,
                    rule=item.rule,
                    rule_key=item.rule_key,
                    consistency_rule_id=item.consistency_rule_id,
                    params=item.params,
                    value=item.value,
                    run=run,
                )
            )
            continue
        if flag.status == FlagStatus.CONFIRMED and flag.value == item.value:
            continue  # a person said this very value is right
        flag.params, flag.value, flag.run = item.params, item.value, run or flag.run
        if flag.status != FlagStatus.OPEN:
            flag.status = FlagStatus.OPEN
            flag.resolved_by, flag.resolved_at = None, None
        update.append(flag)
    QualityFlag.objects.bulk_create(create)
    QualityFlag.objects.bulk_update(
        update, ["params", "value", "run", "status", "resolved_by", "resolved_at"]
    )


def _observation_ids(keys: Iterable[Key]) -> dict[Key, tuple[int, float]]:
    """Observation id and value by key. One query (a superset, filtered here)."""
    keys = set(keys)
    if not keys:
        return {}
    rows = Observation.objects.filter(
        indicator__code__in={k[0] for k in keys},
        area__code__in={k[1] for k in keys},
        period__in={k[2] for k in keys},
    ).values_list("indicator__code", "area__code", "period", "dimension", "pk", "value")
    return {
        (r[0], r[1], r[2], r[3]): (r[4], r[5]) for r in rows if (r[0], r[1], r[2], r[3]) in keys
    }


def flags_record(validated: Validated, run: IngestionRun | None) -> int:
    """Store the flags the ingestion rules found in a written payload; returns how many
    values are flagged. Clears open ingestion-rule flags of the payload's values that the
    rules no longer find doubtful."""
    rows = validated.rows
    columns = {k: rows[k].astype(object).to_numpy() for k in ("indicator", "area", "period")}
    columns["dimension"] = rows["dimension"].astype(object).to_numpy()
    flagged: list[tuple[Key, str, dict[str, Any]]] = []
    for finding in validated.quality:
        for position, params in zip(np.flatnonzero(finding.rows), finding.params, strict=True):
            key = (
                str(columns["indicator"][position]),
                str(columns["area"][position]),
                str(columns["period"][position]),
                str(columns["dimension"][position]),
            )
            flagged.append((key, finding.rule, params))
    ids = _observation_ids(k for k, _rule, _params in flagged)
    found = [
        Found(ids[key][0], ids[key][1], rule, rule, params)
        for key, rule, params in flagged
        if key in ids
    ]
    _store(found, run)
    _clear_ingestion_flags(validated, {(f.observation_id, f.rule_key) for f in found})
    return len({f.observation_id for f in found})


def _clear_ingestion_flags(validated: Validated, kept: set[tuple[int, str]]) -> None:
    """Remove open ingestion-rule flags of payload values no rule flags any more."""
    rows = validated.rows
    codes = list(rows["indicator"].cat.remove_unused_categories().cat.categories)
    open_flags = list(
        QualityFlag.objects.filter(
            status=FlagStatus.OPEN,
            rule__in=INGESTION_RULES,
            observation__indicator__code__in=codes,
        ).values_list(
            "pk",
            "observation_id",
            "rule_key",
            "observation__indicator__code",
            "observation__area__code",
            "observation__period",
            "observation__dimension",
        )
    )
    stale = [f for f in open_flags if (f[1], f[2]) not in kept]
    if not stale:
        return
    # Only values this payload holds are judged again (a merge of the few flags on the rows).
    flags = pd.DataFrame(
        [(f[0], *f[3:]) for f in stale], columns=["pk", "indicator", "area", "period", "dimension"]
    )
    payload = pd.DataFrame(
        {
            k: rows[k].astype(object).to_numpy()
            for k in ("indicator", "area", "period", "dimension")
        }
    )
    judged = flags.merge(payload, on=["indicator", "area", "period", "dimension"])
    if not judged.empty:
        QualityFlag.objects.filter(pk__in=judged["pk"].tolist()).delete()


# -- consistency rules -------------------------------------------------------------------------

OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
    "==": np.isclose,
}
SYMBOLS = {"<=": "≤", "<": "<", ">=": "≥", ">": ">", "==": "="}


def _side(indicator_id: int, frequency: str, summed: bool) -> pd.DataFrame:
    """One side's values: area, period, year, value and the observation ids behind each value."""
    frame = pd.DataFrame(
        list(
            Observation.objects.filter(indicator_id=indicator_id).values_list(
                "pk", "area_id", "period", "dimension", "value"
            )
        ),
        columns=["pk", "area", "period", "dimension", "value"],
    )
    if frame.empty:
        return frame.assign(year="", ids=[])
    frame["freq"] = frame["period"].map({p: frequency_of(p) for p in frame["period"].unique()})
    if frequency:
        frame = frame[frame["freq"] == frequency]
    if summed:
        frame = (
            frame.groupby(["area", "period"], as_index=False)
            .agg(value=("value", "sum"), ids=("pk", list))
            .reset_index(drop=True)
        )
    else:
        frame["ids"] = pd.Series([[pk] for pk in frame["pk"]], index=frame.index, dtype=object)
    frame["year"] = frame["period"].str[:4]
    return frame


def consistency_violations(rule: ConsistencyRule) -> list[Found]:
    """The left-side values that break ``rule``, with the comparison (whole columns)."""
    left = _side(rule.left_indicator_id, rule.left_frequency, rule.left_sum)
    if left.empty:
        return []
    if rule.right_indicator_id is None:
        merged = left.assign(right=float(rule.right_constant or 0.0))
    else:
        right = _side(rule.right_indicator_id, rule.right_frequency, rule.right_sum)
        if not rule.right_sum and not right.empty:
            right = right[right["ids"].map(len) == 1]
        by_year = rule.left_frequency != rule.right_frequency
        on = ["area", "year"] if by_year else ["area", "period"]
        right = right.drop_duplicates(on, keep="last")[[*on, "value"]]
        merged = left.merge(right.rename(columns={"value": "right"}), on=on)
    if merged.empty:
        return []
    bound = merged["right"].to_numpy(dtype=np.float64) * rule.right_factor
    holds = np.asarray(
        OPERATORS[rule.operator](merged["value"].to_numpy(dtype=np.float64), bound), dtype=bool
    )
    broken = merged[~holds]
    found = []
    for value, right, ids in zip(broken["value"], bound[~holds], broken["ids"], strict=True):
        params = {
            "name": rule.name,
            "left": float(value),
            "op": SYMBOLS[rule.operator],
            "right": float(right),
        }
        values = dict(Observation.objects.filter(pk__in=ids).values_list("pk", "value"))
        for pk in ids:
            found.append(
                Found(
                    pk,
                    float(values.get(pk, value)),
                    QualityRule.CONSISTENCY,
                    f"consistency:{rule.pk}",
                    params,
                    rule.pk,
                )
            )
    return found


def consistency_evaluate(changed: Iterable[str] | None, run: IngestionRun | None) -> int:
    """Evaluate the enabled consistency rules involving the ``changed`` indicator codes (all
    when None); store their flags and remove the open ones that hold again. Returns how many
    values are flagged."""
    rules = ConsistencyRule.objects.filter(enabled=True)
    if changed is not None:
        codes = list(changed)
        rules = rules.filter(
            Q(left_indicator__code__in=codes) | Q(right_indicator__code__in=codes)
        )
    total = 0
    for rule in rules:
        found = consistency_violations(rule)
        _store(found, run)
        keep = {f.observation_id for f in found}
        QualityFlag.objects.filter(consistency_rule=rule, status=FlagStatus.OPEN).exclude(
            observation_id__in=keep
        ).delete()
        total += len(keep)
    return total


# -- reading -----------------------------------------------------------------------------------


def can_review(user: AnyUser) -> bool:
    """Who works through doubtful values: admins and initiative leads (the analysts)."""
    scope = user_scope(user)
    return scope.is_admin or bool(scope.led_initiative_ids)


@dataclass
class FlagLine:
    flag: QualityFlag
    text: str
    indicator_code: str
    indicator_name: str
    area_name: str
    period: str
    unit: str
    current_value: float


@dataclass
class IndicatorFlagCount:
    code: str
    name: str
    open: int
    resolved: int


@dataclass
class QualityReport:
    lines: list[FlagLine]
    per_indicator: list[IndicatorFlagCount]
    total: int


def quality_report(
    user: AnyUser,
    *,
    indicator: str = "",
    rule: str = "",
    status: str = FlagStatus.OPEN,
    limit: int = 200,
) -> QualityReport:
    """Flags (open by default) with their values, newest first, and counts per indicator.
    Two queries. Empty for anyone who may not review."""
    if not can_review(user):
        return QualityReport([], [], 0)
    flags: QuerySet[QualityFlag] = QualityFlag.objects.select_related(
        "observation__indicator", "observation__area", "run__source", "resolved_by"
    ).order_by("-created_at", "pk")
    if indicator:
        flags = flags.filter(observation__indicator__code=indicator)
    if rule:
        flags = flags.filter(rule=rule)
    if status:
        flags = flags.filter(status=status)
    shown = list(flags[: limit + 1])
    lines = [
        FlagLine(
            flag=f,
            text=flag_text(f.rule, f.params),
            indicator_code=f.observation.indicator.code,
            indicator_name=f.observation.indicator.display_name(),
            area_name=f.observation.area.display_name(),
            period=f.observation.period,
            unit=f.observation.indicator.unit,
            current_value=f.observation.value,
        )
        for f in shown[:limit]
    ]
    counts: dict[str, dict[str, Any]] = defaultdict(lambda: {"open": 0, "resolved": 0})
    names: dict[str, str] = {}
    for code, name_zh, name_en, state, n in (
        QualityFlag.objects.values_list(
            "observation__indicator__code",
            "observation__indicator__name_zh",
            "observation__indicator__name_en",
            "status",
        )
        .annotate(n=Count("pk"))
        .order_by("observation__indicator__code")
    ):
        counts[code]["open" if state == FlagStatus.OPEN else "resolved"] += n
        names[code] = Indicator(name_zh=name_zh, name_en=name_en).display_name()
    per_indicator = [
        IndicatorFlagCount(code, names[code], c["open"], c["resolved"])
        for code, c in counts.items()
    ]
    return QualityReport(lines, per_indicator, len(shown))
