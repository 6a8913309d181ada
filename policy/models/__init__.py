"""Models of the tracked program. One module per aggregate; everything re-exported here.

The briefings' models are in policy/briefings/models.py (same `policy` app label).
"""

from .api import ApiToken
from .investment import (
    AmountUnit,
    FundingSource,
    InvestmentEntry,
    InvestmentPlan,
    InvestmentReport,
    ProjectFunding,
)
from .kpi import Kpi, KpiDirection, KpiFrequency, KpiTarget, KpiValue, ReviewState
from .milestone import Milestone, MilestoneStatus
from .program import Initiative, Membership, Project, ProjectPhase, Role
from .quality import EntryFlagStatus, EntryQuality
from .readmodel import InitiativeStatus, KpiStatus, ProjectStatus, StatusChange, StatusSubject
from .region import Region, RegionLevel
from .submission import (
    Evidence,
    MilestoneUpdate,
    PrivateMediaStorage,
    ReminderSent,
    UpdateState,
)
from .system import WorkerPing

__all__ = [
    "AmountUnit",
    "ApiToken",
    "EntryFlagStatus",
    "EntryQuality",
    "Evidence",
    "FundingSource",
    "Initiative",
    "InitiativeStatus",
    "InvestmentEntry",
    "InvestmentPlan",
    "InvestmentReport",
    "Kpi",
    "KpiDirection",
    "KpiFrequency",
    "KpiStatus",
    "KpiTarget",
    "KpiValue",
    "Membership",
    "Milestone",
    "MilestoneStatus",
    "MilestoneUpdate",
    "PrivateMediaStorage",
    "Project",
    "ProjectFunding",
    "ProjectPhase",
    "ProjectStatus",
    "Region",
    "RegionLevel",
    "ReminderSent",
    "ReviewState",
    "Role",
    "StatusChange",
    "StatusSubject",
    "UpdateState",
    "WorkerPing",
]
