"""Plotly figure builders: pure functions from data frames to figures (no ORM).

The same figure feeds the web page (interactive, via static/policy/js/charts.js) and the PDF
briefing (exported to SVG).
"""
