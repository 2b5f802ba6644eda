from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "tvetbridge.governance"
    label = "governance"
    verbose_name = _("Governance of cooperation")

    def ready(self) -> None:
        # Risk sits below governance and cannot know it: governance listens for the alerts risk raises
        # and reviews the protection of the exposed projects (see receivers.py).
        from . import receivers

        receivers.connect()
