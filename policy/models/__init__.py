"""Models of the tracked program. One module per aggregate; everything re-exported here."""

from .briefing import (
    Briefing,
    BriefingKind,
    BriefingLanguage,
    BriefingStatus,
    BriefingSubscription,
)
from .kpi import Kpi, KpiDirection, KpiFrequency, KpiTarget, KpiValue, ReviewState
from .milestone import Milestone, MilestoneStatus
from .program import Initiative, Membership, Project, ProjectPhase, Role
from .region import Region, RegionLevel
from .system import WorkerPing

__all__ = [
    "Briefing",
    "BriefingKind",
    "BriefingLanguage",
    "BriefingStatus",
    "BriefingSubscription",
    "Initiative",
    "Kpi",
    "KpiDirection",
    "KpiFrequency",
    "KpiTarget",
    "KpiValue",
    "Membership",
    "Milestone",
    "MilestoneStatus",
    "Project",
    "ProjectPhase",
    "Region",
    "RegionLevel",
    "ReviewState",
    "Role",
    "WorkerPing",
]
