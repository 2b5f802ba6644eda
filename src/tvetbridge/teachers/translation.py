from modeltranslation.translator import TranslationOptions, register, translator

from .models import DevelopmentProgramme, HskCentre


@register(DevelopmentProgramme)
class DevelopmentProgrammeTranslation(TranslationOptions):
    fields = ("name", "description")


@register(HskCentre)
class HskCentreTranslation(TranslationOptions):
    fields = ("name", "city")


# As in demand/translation.py: the audit model is built before modeltranslation adds its columns.
translator.register(DevelopmentProgramme.history.model, DevelopmentProgrammeTranslation)
translator.register(HskCentre.history.model, HskCentreTranslation)
