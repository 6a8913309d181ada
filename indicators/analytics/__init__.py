"""Compute–power–price analytics, as one slice: the article's cost argument as a what-if tool.

    power.py       the computation (pure): scenario inputs → the cost indicator's own formula
    models.py      PowerScenario: a saved what-if (name, note, inputs, author, briefing flag)
    results.py     what page, API and briefing show (dataclasses), and ``answer_for``: one
                   area under one scenario, from loaded facts (no queries)
    selectors.py   the reads: latest inputs with provenance, the comparison cities, saved
                   scenarios, the monthly briefing's compute–power section
    services.py    save, include in the briefing, delete (leads and admins; permissions.py)
    charts.py      the comparison bar chart (page and PDF)
    forms.py, views.py, urls.py   the /analytics/power/ page; api.py the /api/v1/analytics router

One definition of the cost: the derived indicator ``power-cost-per-p-month`` and its formula
(``indicators.formula``), exactly what ingestion evaluates. Scenarios change the formula's
inputs (price, consumption, capacity) and evaluate that same formula; nothing here writes the
cost out a second time. Dependencies run one way: this slice reads the indicators and the
program's regions and permissions; only the modules that assemble the site and the briefing
slice import it.
"""
