from modeltranslation.translator import TranslationOptions, register, translator

from .models import Account, Fund, Party


@register(Fund)
class FundTranslation(TranslationOptions):
    fields = ("name", "description")


@register(Party)
class PartyTranslation(TranslationOptions):
    fields = ("name",)


@register(Account)
class AccountTranslation(TranslationOptions):
    fields = ("name",)


# simple-history copies fields before modeltranslation adds the per-language columns (see registry).
translator.register(Fund.history.model, FundTranslation)
translator.register(Party.history.model, PartyTranslation)
translator.register(Account.history.model, AccountTranslation)
