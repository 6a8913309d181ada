from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from . import checks  # noqa: F401  (importing it registers the system checks)
from .revision import connect


def _seed_beat_schedules(sender: AppConfig, **kwargs: Any) -> None:
    """After every migrate: create the periodic tasks that are missing, change none."""
    from .schedules import beat_schedules_seed  # needs the app registry, which is ready now

    beat_schedules_seed()


class PolicyConfig(AppConfig):
    name = "policy"
    verbose_name = _("四个大后方+一个创新探索")

    def ready(self) -> None:
        # Imported here: it needs the app registry (models, the user model) to be ready.
        from . import permissions

        connect()
        permissions.connect()
        post_migrate.connect(_seed_beat_schedules, sender=self, dispatch_uid="policy:beat-seed")
