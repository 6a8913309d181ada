"""Every non-trivial read for pages, the API, charts and PDFs. One module per area."""

from .program import (
    InitiativeRow,
    ProjectStatusMap,
    initiative_overview,
    kpi_facts,
    project_list,
    project_statuses,
)

__all__ = [
    "InitiativeRow",
    "ProjectStatusMap",
    "initiative_overview",
    "kpi_facts",
    "project_list",
    "project_statuses",
]
