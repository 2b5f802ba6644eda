from modeltranslation.translator import TranslationOptions, register, translator

from .models import Agreement, Committee, ContinuityClause, Decision, Event


@register(Agreement)
class AgreementTranslation(TranslationOptions):
    fields = ("title", "summary")


@register(ContinuityClause)
class ClauseTranslation(TranslationOptions):
    fields = ("text",)


# simple-history copies fields before modeltranslation adds the per-language columns (see registry).
translator.register(Agreement.history.model, AgreementTranslation)
translator.register(ContinuityClause.history.model, ClauseTranslation)


@register(Committee)
class CommitteeTranslation(TranslationOptions):
    fields = ("name", "mandate")


@register(Event)
class EventTranslation(TranslationOptions):
    fields = ("title", "summary", "outputs")


@register(Decision)
class DecisionTranslation(TranslationOptions):
    fields = ("text",)


translator.register(Committee.history.model, CommitteeTranslation)
translator.register(Event.history.model, EventTranslation)
translator.register(Decision.history.model, DecisionTranslation)
