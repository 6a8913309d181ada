from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    """The compute–power–price analytics slice, an app of its own (label ``analytics``) so its
    model and migrations sit in this folder and never collide with the indicators' own."""

    name = "indicators.analytics"
    label = "analytics"
    verbose_name = _("算电分析")
