"""The row-wise ingestion path that production used before the vectorised pipeline (issue 14).

Kept as a reference oracle: ``tests/indicators/test_pipeline_oracle.py`` runs it side by side
with the production pipeline on every fixture and checks that both write the same rows, count
the same and fail with the same messages. It is never imported by production code; delete it
together with that test once nobody needs the comparison any more.
"""
