from modeltranslation.fields import TranslationField
from modeltranslation.translator import TranslationOptions, register, translator

from .models import Resource


@register(Resource)
class ResourceTranslation(TranslationOptions):
    fields = ("title", "description")


# As in registry/translation.py: the historical twin gets the per-language columns too, so the
# version history records a change to one language's title.
_history = Resource.history.model
translator.register(_history, ResourceTranslation)
_tracked = {field.name for field in _history.tracked_fields}
_history.tracked_fields = list(_history.tracked_fields) + [
    field for field in Resource._meta.fields if isinstance(field, TranslationField) and field.name not in _tracked]
