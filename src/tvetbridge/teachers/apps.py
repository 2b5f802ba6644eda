from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TeachersConfig(AppConfig):
    name = "tvetbridge.teachers"
    label = "teachers"
    verbose_name = _("Bilingual teachers")

    def ready(self) -> None:
        from tvetbridge.outcomes.panels import register_chain_panel

        from .queries import language_gain_panel

        register_chain_panel(language_gain_panel)
