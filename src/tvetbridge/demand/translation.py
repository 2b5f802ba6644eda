from modeltranslation.translator import TranslationOptions, register, translator

from .models import SkillDemand


@register(SkillDemand)
class SkillDemandTranslation(TranslationOptions):
    fields = ("title",)

# django-simple-history copies a model's fields when the class is built, before modeltranslation adds
# the per-language columns; the audit model needs them registered too.
translator.register(SkillDemand.history.model, SkillDemandTranslation)
