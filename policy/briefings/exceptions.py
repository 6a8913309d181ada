"""Why a briefing could not be produced; PolicyErrors, so every interface shows them alike."""

from __future__ import annotations

from ..exceptions import PolicyError


class BriefingError(PolicyError):
    """A briefing could not be produced; the message says which step failed and why."""

    code = "briefing_failed"


class ChartExportError(BriefingError):
    """A chart could not be turned into SVG (browser missing, crashed or timed out)."""

    code = "chart_export_failed"
