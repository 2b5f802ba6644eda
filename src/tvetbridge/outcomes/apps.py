from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutcomesConfig(AppConfig):
    name = "tvetbridge.outcomes"
    label = "outcomes"
    verbose_name = _("Trainees and outcomes")
