"""PDF briefings, as one slice: everything about them is in this folder.

    models.py      Briefing (kind, period, language, PDF) and BriefingSubscription
    periods.py     ISO weeks, months and on-demand windows: parse, label, "the last one"
    selectors.py   the archive, and `briefing_facts`: every figure a briefing states
    content.py     the sentences and the summary figures, computed from the facts
    export.py      plotly figures → SVG in one warm chromium per process (kaleido)
    render.py      facts → charts → HTML (templates/briefings/pdf/) → PDF (WeasyPrint)
    services.py    request, generate, store, mail, subscribe; their Celery tasks below them
    forms.py, views.py, urls.py   the /briefings/ page; api.py the /api/v1/briefings router
    admin.py, templatetags/, management/commands/make_briefing.py, exceptions.py

Dependencies run one way: this slice reads the program's models, selectors, status rules and
chart builders, and the indicators' selectors; nothing in the program or the indicators imports
it, except the places that assemble the site (settings, urls.py, api/__init__.py, celery.py)
and the overview page, which shows what changed since the last briefing.
tests/test_architecture.py checks both.
"""
