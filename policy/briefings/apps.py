from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BriefingsConfig(AppConfig):
    """The briefing slice as an app of its own, so Django finds its admin, template tags and
    command in this folder. Its models keep the `policy` app label (see models.py)."""

    name = "policy.briefings"
    label = "briefings"
    verbose_name = _("简报")
