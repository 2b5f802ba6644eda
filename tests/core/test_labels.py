"""A multilingual field read in a language it has no text in shows the English, marked as such."""

import pytest
from django.utils import translation

from tvetbridge.core.templatetags.labels import translated


@pytest.mark.django_db
def test_a_missing_translation_is_shown_in_english_with_a_visible_mark():
    from tvetbridge.core.models import FieldOfStudy

    field = FieldOfStudy.objects.create(code="0715", name="Welding", name_en="Welding", name_ru="Сварка")
    with translation.override("ru"):
        assert translated(field, "name") == "Сварка"
    with translation.override("kk"):
        shown = str(translated(field, "name"))
        assert '<span lang="en">Welding</span>' in shown and "аударылмаған" in shown
    with translation.override("en"):
        assert translated(field, "name") == "Welding"
    assert translated(None) == ""
