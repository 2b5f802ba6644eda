from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TaxonomyConfig(AppConfig):
    name = "tvetbridge.taxonomy"
    label = "taxonomy"
    verbose_name = _("Occupations and skills")

    def ready(self):
        from tvetbridge.core.audit import audited

        from .models import LabelProposal

        audited(LabelProposal)
