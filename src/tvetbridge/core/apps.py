from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "tvetbridge.core"
    label = "core"
    verbose_name = _("Shared kernel")

    def ready(self) -> None:
        from . import constraints

        # A database rule's name never reaches a user: its validation speaks of the field it concerns.
        constraints.install()
        # Accounts: who is active, staff or superuser (the admin role) is audited like any record; the
        # password hash and the last login are not history.
        from django.contrib.auth import get_user_model
        from simple_history import register

        from .audit import audited

        user = get_user_model()
        if not hasattr(user, "history"):
            register(user, app=self.name, excluded_fields=["password", "last_login"])
        audited(user)
        from simple_history.signals import post_create_historical_record

        from .tokens import remember_token

        post_create_historical_record.connect(remember_token, dispatch_uid="core.remember_token")
        # Each app declares its background jobs and schedules in tasks.py; a worker must know them all
        # before it claims a task, and a page must know a job's title.
        autodiscover_modules("tasks")
