from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CredentialsConfig(AppConfig):
    name = "tvetbridge.credentials"
    label = "credentials"
    verbose_name = _("Recognition and credentials")
    default_auto_field = "django.db.models.BigAutoField"
