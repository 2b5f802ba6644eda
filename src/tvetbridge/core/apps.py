from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "tvetbridge.core"
    label = "core"
    verbose_name = _("Shared kernel")

    def ready(self) -> None:
        # Each app declares its background jobs and schedules in tasks.py; a worker must know them all
        # before it claims a task, and a page must know a job's title.
        autodiscover_modules("tasks")
