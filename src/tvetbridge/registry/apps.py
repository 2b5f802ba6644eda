from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "tvetbridge.registry"
    label = "registry"
    verbose_name = _("Registry")

    def ready(self):
        from tvetbridge.core.audit import audited

        from .models import (
            Alliance,
            CooperationProject,
            Enterprise,
            Facility,
            FacultyMember,
            Institution,
            Programme,
        )

        for model in (Institution, Programme, FacultyMember, Facility, Enterprise, Alliance, CooperationProject):
            audited(model)
