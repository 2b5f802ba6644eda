"""Facts a notification stores, and their rendering in the reader's language.

A fact is a plain value (number, code, name of a person) or one of:
``{"ref": "app.model", "pk": …}`` a record, shown by its name in the reader's language (or "—" once
deleted); ``{"refs": "app.model", "pks": […]}`` several records; ``{"choice": "app.model.field",
"value": …}`` a choice's label (``"choices"``/``"values"`` several); ``{"msg": "message id"}`` a platform message; ``{"job": "kind"}`` a
job kind's title. Records are looked up by name through the app registry, not imported: this app sits
below the apps that announce events.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.apps import apps
from django.db import models
from django.utils.translation import gettext

MAX_LISTED = 10


def ref(obj: models.Model) -> dict:
    return {"ref": obj._meta.label_lower, "pk": obj.pk}


def refs(model: type[models.Model], pks: Iterable) -> dict:
    return {"refs": model._meta.label_lower, "pks": sorted(pks)}


def choice(model: type[models.Model], field: str, value) -> dict:
    return {"choice": f"{model._meta.label_lower}.{field}", "value": value}


def choices(model: type[models.Model], field: str, values: Iterable) -> dict:
    return {"choices": f"{model._meta.label_lower}.{field}", "values": list(values)}


def message(text) -> dict:
    """A lazily translated platform text, stored as its message id."""
    args = getattr(text, "_args", None)  # django.utils.functional.lazy keeps the call's arguments
    return {"msg": str(args[0]) if args else str(text)}


def _wanted(facts_list: Iterable[Mapping[str, Any]]) -> dict[str, set]:
    wanted: dict[str, set] = defaultdict(set)
    for facts in facts_list:
        for value in facts.values():
            if isinstance(value, dict) and "ref" in value:
                wanted[value["ref"]].add(value["pk"])
            elif isinstance(value, dict) and "refs" in value:
                wanted[value["refs"]].update(value["pks"][:MAX_LISTED])
    return wanted


def load(facts_list: Iterable[Mapping[str, Any]]) -> dict[tuple[str, Any], str]:
    """Names of every record the facts mention, one query per model (call in the reader's language)."""
    names: dict[tuple[str, Any], str] = {}
    for label, pks in _wanted(facts_list).items():
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            continue
        for pk, obj in model._default_manager.in_bulk(list(pks)).items():
            names[(label, pk)] = str(obj)
    return names


def _choice_label(path: str, value) -> str:
    label, _, field_name = path.rpartition(".")
    try:
        field = apps.get_model(label)._meta.get_field(field_name)
    except (LookupError, ValueError):
        return str(value)
    return str(dict(field.flatchoices).get(value, value))


def render_value(value, names: Mapping[tuple[str, Any], str]) -> str:
    from tvetbridge.core.jobs import REGISTRY

    if not isinstance(value, dict):
        return "—" if value in (None, "") else str(value)
    if "ref" in value:
        return names.get((value["ref"], value["pk"]), "—")
    if "refs" in value:
        shown = [names[(value["refs"], pk)] for pk in value["pks"][:MAX_LISTED] if (value["refs"], pk) in names]
        more = len(value["pks"]) - MAX_LISTED
        if more > 0:
            shown.append(gettext("and %(count)s more") % {"count": more})
        return ", ".join(shown)
    if "choice" in value:
        return _choice_label(value["choice"], value["value"])
    if "choices" in value:
        return ", ".join(_choice_label(value["choices"], v) for v in value["values"])
    if "msg" in value:
        return gettext(value["msg"])
    if "job" in value:
        spec = REGISTRY.get(value["job"])
        return str(spec.title) if spec else value["job"]
    return "—"


def is_empty(value) -> bool:
    return value in (None, "", [], {}) or (isinstance(value, dict) and "pks" in value and not value["pks"])


def render(template: str, facts: Mapping[str, Any], names: Mapping[tuple[str, Any], str]) -> str:
    return gettext(template) % {key: render_value(value, names) for key, value in facts.items()}
