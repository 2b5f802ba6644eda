from modeltranslation.translator import TranslationOptions, register, translator

from .models import Indicator, RiskEvent


@register(Indicator)
class IndicatorTranslation(TranslationOptions):
    fields = ("name", "description")


@register(RiskEvent)
class RiskEventTranslation(TranslationOptions):
    fields = ("title", "description")


# simple-history copies fields before modeltranslation adds the per-language columns (see registry).
translator.register(Indicator.history.model, IndicatorTranslation)
translator.register(RiskEvent.history.model, RiskEventTranslation)
