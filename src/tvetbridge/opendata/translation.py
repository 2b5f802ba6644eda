from modeltranslation.fields import TranslationField
from modeltranslation.translator import TranslationOptions, register, translator

from .models import ExemplaryCase


@register(ExemplaryCase)
class ExemplaryCaseTranslation(TranslationOptions):
    # The coordinator writes the story in each language; the figures beside it are never stored.
    fields = ("title", "industry_gap", "learning", "story")


# As in registry/translation.py: the historical twin gets the per-language columns, so a case's
# version history records a change to one language's text.
_history = ExemplaryCase.history.model
translator.register(_history, ExemplaryCaseTranslation)
_tracked = {field.name for field in _history.tracked_fields}
_history.tracked_fields = list(_history.tracked_fields) + [
    field for field in ExemplaryCase._meta.fields if isinstance(field, TranslationField) and field.name not in _tracked]
