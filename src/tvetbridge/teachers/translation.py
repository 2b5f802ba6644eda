from modeltranslation.translator import TranslationOptions, register, translator

from .models import DevelopmentProgramme


@register(DevelopmentProgramme)
class DevelopmentProgrammeTranslation(TranslationOptions):
    fields = ("name", "description")

# As in demand/translation.py: the audit model is built before modeltranslation adds its columns.
translator.register(DevelopmentProgramme.history.model, DevelopmentProgrammeTranslation)
