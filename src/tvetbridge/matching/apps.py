from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "tvetbridge.matching"
    label = "matching"
    verbose_name = _("Gap analysis and matching")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Trainee records live below this app; which of them an enterprise may see depends on the
        # candidate lists kept here, so this app tells outcomes.
        from tvetbridge.outcomes.queries import set_enterprise_scope

        from . import triggers
        from .queries import trainee_ids_for_enterprise

        set_enterprise_scope(trainee_ids_for_enterprise)
        triggers.connect()
