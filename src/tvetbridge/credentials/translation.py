from modeltranslation.translator import TranslationOptions, register, translator

from .models import (
    CredentialType,
    FrameworkLevel,
    LearningOutcome,
    LevelLink,
    ProgrammeModule,
    QualificationFramework,
)


@register(QualificationFramework)
class FrameworkTranslation(TranslationOptions):
    fields = ("name", "description")


@register(FrameworkLevel)
class LevelTranslation(TranslationOptions):
    fields = ("name", "summary", "knowledge", "skills", "competence")


@register(LevelLink)
class LinkTranslation(TranslationOptions):
    fields = ("basis",)


@register(ProgrammeModule)
class ModuleTranslation(TranslationOptions):
    fields = ("name",)


@register(CredentialType)
class CredentialTypeTranslation(TranslationOptions):
    fields = ("name", "description", "criteria")


@register(LearningOutcome)
class OutcomeTranslation(TranslationOptions):
    fields = ("text",)


# django-simple-history copies a model's fields when the class is built, before modeltranslation adds
# the per-language columns; the audit models need them registered too.
for model, options in [(QualificationFramework, FrameworkTranslation), (FrameworkLevel, LevelTranslation),
                       (LevelLink, LinkTranslation), (ProgrammeModule, ModuleTranslation),
                       (CredentialType, CredentialTypeTranslation), (LearningOutcome, OutcomeTranslation)]:
    translator.register(model.history.model, options)
