"""Natural keys of the registry's records (ISO codes, external keys) to primary keys, in bulk."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tvetbridge.core.models import Country, FieldOfStudy, Language, Region, Source
from tvetbridge.core.validators import normalize_language_code

from ..models import Alliance, Enterprise, Institution

BATCH = 500

_LOOKUPS = {
    # name: (model, natural-key field, extra value returned with the pk)
    "country": (Country, "code", None),
    "region": (Region, "code", "country_id"),
    "language": (Language, "code", None),
    "field": (FieldOfStudy, "code", None),
    "institution": (Institution, "external_key", None),
    "enterprise": (Enterprise, "external_key", None),
    "alliance": (Alliance, "external_key", None),
    "source": (Source, "key", None),
}


def fold(lookup: str, value: str) -> str:
    # ISO codes are case-insensitive to people who type them; external keys are not. Language tags
    # come as the UI writes them (zh-hans) or as ISO 639-1/639-2; all fold to the stored ISO 639-1.
    if lookup == "language":
        try:
            return normalize_language_code(value)
        except ValidationError:
            return value.lower()
    return value.upper() if lookup in {"country", "region"} else value


def load_lookup(name: str, keys: set[str]) -> dict[str, tuple]:
    """Natural key (folded) -> (pk, extra) for the keys a file mentions, a few queries in all."""
    model, key_field, extra = _LOOKUPS[name]
    columns = [key_field, "pk", extra] if extra else [key_field, "pk"]
    if name in {"country", "region", "language"}:
        # Small tables matched without regard to case: read them whole.
        rows = model.objects.values_list(*columns)
    else:
        rows = in_chunks(model.objects.values_list(*columns), key_field, sorted(keys))
    return {fold(name, values[0]): (values[1], values[2] if extra else None) for values in rows}


def unknown(lookup: str, value: str) -> str:
    messages = {
        "country": _("Unknown country code “%(value)s” (use ISO 3166-1 alpha-2, e.g. KZ)."),
        "region": _("Unknown region code “%(value)s”."),
        "language": _("Unknown language code “%(value)s” (use ISO 639-1, e.g. ru)."),
        "field": _("Unknown ISCED-F field code “%(value)s”."),
        "institution": _("Unknown institution “%(value)s” (give its external key)."),
        "enterprise": _("Unknown enterprise “%(value)s” (give its external key)."),
        "alliance": _("Unknown alliance “%(value)s” (give its external key)."),
        "source": _("Unknown source “%(value)s” (give its key)."),
    }
    return messages[lookup] % {"value": value}


def chunks(items: list, size: int = BATCH) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def in_chunks(queryset, field_name: str, values: list) -> Iterable:
    for chunk in chunks(values):
        yield from queryset.filter(**{f"{field_name}__in": chunk})


def through_sets(model, field_name: str, pks: list[int]) -> dict[int, set]:
    model_field = model._meta.get_field(field_name)
    through = model_field.remote_field.through
    source = model_field.m2m_field_name() + "_id"
    target = model_field.m2m_reverse_field_name() + "_id"
    out: dict[int, set] = defaultdict(set)
    for chunk in chunks(pks):
        for pk, target_pk in through.objects.filter(**{f"{source}__in": chunk}).values_list(source, target):
            out[pk].add(target_pk)
    return out
