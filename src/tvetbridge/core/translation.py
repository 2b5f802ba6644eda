from modeltranslation.translator import TranslationOptions, register

from .models import Country, FieldOfStudy, Language, Region


@register(Country)
class CountryTranslation(TranslationOptions):
    fields = ("name",)


@register(Region)
class RegionTranslation(TranslationOptions):
    fields = ("name",)


@register(Language)
class LanguageTranslation(TranslationOptions):
    fields = ("name",)


@register(FieldOfStudy)
class FieldOfStudyTranslation(TranslationOptions):
    fields = ("name",)
