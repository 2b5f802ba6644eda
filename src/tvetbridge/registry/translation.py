from modeltranslation.translator import TranslationOptions, register

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
