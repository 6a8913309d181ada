"""Every non-trivial read for pages, the API, charts and PDFs. One module per area; import from
the module (``from policy.selectors.records import milestone_get``)."""
