"""PDF briefings: periods, rendering (data → HTML → PDF) and chart export live here.

Writes (request, generate, store, mail) are in `policy.services.briefing`; reads in
`policy.selectors.briefing`. Charts are the dashboards' own builders (`policy.charts.kpi`,
`policy.charts.program`, `policy.charts.pages`), exported by `policy.charts.export`.
"""
