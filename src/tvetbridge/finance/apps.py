from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "tvetbridge.finance"
    label = "finance"
    verbose_name = _("Funds and finance")
