"""Benchmark at provincial scale: a large dataset, load against gunicorn, ratios to a trivial view.

Run with `python manage.py policy_benchmark` against a dedicated PostgreSQL database (its name
must contain "bench": the dataset replaces the program's rows). See README "Benchmark".
"""
