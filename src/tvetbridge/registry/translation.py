from modeltranslation.translator import TranslationOptions, register, translator

from .models import Alliance, CooperationProject, Enterprise, Facility, Institution, Programme, SectorCommittee


@register(Institution)
class InstitutionTranslation(TranslationOptions):
    fields = ("name", "description")


@register(Programme)
class ProgrammeTranslation(TranslationOptions):
    fields = ("name", "description")


@register(Facility)
class FacilityTranslation(TranslationOptions):
    fields = ("name",)


@register(Enterprise)
class EnterpriseTranslation(TranslationOptions):
    fields = ("name", "description")


@register(Alliance)
class AllianceTranslation(TranslationOptions):
    fields = ("name", "description")


@register(SectorCommittee)
class SectorCommitteeTranslation(TranslationOptions):
    fields = ("name",)


@register(CooperationProject)
class CooperationProjectTranslation(TranslationOptions):
    fields = ("name", "description")


# django-simple-history copies a model's fields when the class is built, before modeltranslation
# adds the per-language columns; registering the historical twins keeps the audit trail complete.
translator.register(Institution.history.model, InstitutionTranslation)
translator.register(Programme.history.model, ProgrammeTranslation)
translator.register(Facility.history.model, FacilityTranslation)
translator.register(Enterprise.history.model, EnterpriseTranslation)
translator.register(Alliance.history.model, AllianceTranslation)
translator.register(CooperationProject.history.model, CooperationProjectTranslation)
