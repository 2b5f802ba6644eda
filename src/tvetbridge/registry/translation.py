from modeltranslation.fields import TranslationField
from modeltranslation.translator import TranslationOptions, register, translator

from .models import (
    Alliance,
    CooperationProject,
    CountryStatistic,
    Enterprise,
    Facility,
    Institution,
    PolicyMilestone,
    Programme,
    ReportedResult,
    SectorCommittee,
)


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


@register(PolicyMilestone)
class PolicyMilestoneTranslation(TranslationOptions):
    fields = ("title", "description")


@register(CooperationProject)
class CooperationProjectTranslation(TranslationOptions):
    fields = ("name", "description")


# A figure's note ("vocational colleges, private") is read on dashboards and in reports in every language.
@register(ReportedResult)
class ReportedResultTranslation(TranslationOptions):
    fields = ("note",)


@register(CountryStatistic)
class CountryStatisticTranslation(TranslationOptions):
    fields = ("note",)


# django-simple-history copies a model's fields when the class is built, before modeltranslation adds
# the per-language columns. Registering the historical twins gives them the columns, and extending
# their tracked fields makes a change to, say, only the Russian name show up in the audit diff.
for _model, _options in [(Institution, InstitutionTranslation), (Programme, ProgrammeTranslation),
                         (Facility, FacilityTranslation), (Enterprise, EnterpriseTranslation),
                         (Alliance, AllianceTranslation), (CooperationProject, CooperationProjectTranslation)]:
    _history = _model.history.model
    translator.register(_history, _options)
    _tracked = {field.name for field in _history.tracked_fields}
    _history.tracked_fields = list(_history.tracked_fields) + [
        field for field in _model._meta.fields if isinstance(field, TranslationField) and field.name not in _tracked]
