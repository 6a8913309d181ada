"""The 4+1 dashboard project package and the tracked program (initiatives, projects, ...)."""

from .celery import app as celery_app

__all__ = ["celery_app"]
