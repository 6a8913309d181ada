"""PDF briefings: periods, rendering (data → HTML → PDF) and chart export live here.

Writes (request, generate, store, mail) are in `policy.services.briefing`; reads in
`policy.selectors.briefing`; chart builders in `policy.charts.briefing`.
"""
