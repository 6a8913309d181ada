from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from . import checks  # noqa: F401  (importing it registers the system checks)
from .revision import connect


class PolicyConfig(AppConfig):
    name = "policy"
    verbose_name = _("四个大后方+一个创新探索")

    def ready(self) -> None:
        # Imported here: it needs the app registry (models, the user model) to be ready.
        from . import permissions

        connect()
        permissions.connect()
