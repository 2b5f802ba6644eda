from modeltranslation.translator import TranslationOptions, register, translator

from .models import Agreement, ContinuityClause


@register(Agreement)
class AgreementTranslation(TranslationOptions):
    fields = ("title", "summary")


@register(ContinuityClause)
class ClauseTranslation(TranslationOptions):
    fields = ("text",)


# simple-history copies fields before modeltranslation adds the per-language columns (see registry).
translator.register(Agreement.history.model, AgreementTranslation)
translator.register(ContinuityClause.history.model, ClauseTranslation)
