"""One look for every chart: Chinese-capable fonts, status and initiative colours."""

from __future__ import annotations

import re
import unicodedata

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


def _width(char: str) -> int:
    """Display width: CJK and full-width characters take two columns."""
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def wrap_label(text: str, width: int = 26) -> str:
    """A category label broken into lines of about ``width`` columns for a narrow axis.

    Latin text breaks between words (a longer word keeps its own line); Chinese between any
    two characters, never before closing punctuation.
    """
    pieces = re.findall(r"[A-Za-z0-9][A-Za-z0-9_.'’/–-]*[)）,，]?|\S|\s+", text)
    lines: list[str] = []
    line = ""
    for piece in pieces:
        if piece.isspace():
            if line:
                line += " "
            continue
        size = sum(_width(c) for c in (line + piece).rstrip())
        if line.strip() and size > width and piece not in "）)，,、。；":
            lines.append(line.rstrip())
            line = ""
        line += piece
    if line.strip():
        lines.append(line.rstrip())
    return "<br>".join(lines) or text


def wrap_category_ticks(fig: go.Figure, names: list[str], width: int = 26) -> None:
    """Show the y categories of a horizontal bar chart wrapped (the data keep full names,
    so hover, tests and exports still see them): a phone-width chart cut them off. The
    chart grows so that every row has room for its lines."""
    wrapped = [wrap_label(name, width) for name in names]
    lines = max((label.count("<br>") + 1 for label in wrapped), default=1)
    fig.update_yaxes(tickmode="array", tickvals=names, ticktext=wrapped, automargin=True)
    needed = 110 + len(names) * (17 * lines + 16)
    fig.update_layout(height=max(fig.layout.height or 0, needed))
