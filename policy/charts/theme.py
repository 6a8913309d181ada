"""One look for every chart: Chinese-capable fonts, status and initiative colours."""

from __future__ import annotations

import plotly.graph_objects as go

from ..i18n import language
from ..status import Rag

FONT_FAMILY = (
    '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'
)
STATUS_COLOURS: dict[str, str] = {
    Rag.GREEN: "#2e7d32",
    Rag.AMBER: "#f9a825",
    Rag.RED: "#c62828",
    Rag.GREY: "#9e9e9e",
}
SERIES_COLOURS = ["#1f5fa8", "#c0392b", "#7b3fa0", "#2e7d32", "#e67e22", "#00838f", "#6d4c41"]
NO_DATA_COLOUR = "#e0e0e0"


def apply_theme(fig: go.Figure) -> go.Figure:
    """Fonts, margins and palette shared by every chart; returns the same figure."""
    fig.update_layout(
        font={"family": FONT_FAMILY, "size": 13, "color": "#1d2733"},
        colorway=SERIES_COLOURS,
        paper_bgcolor="#ffffff",
        plot_bgcolor="#ffffff",
        margin={"l": 48, "r": 16, "t": 40, "b": 40},
        hoverlabel={"font": {"family": FONT_FAMILY}},
        separators=".,",
        meta={"lang": language()},
    )
    return fig
