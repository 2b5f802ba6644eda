"""The audit log's data: historical rows, their diffs, and values a coordinator can read.

django-simple-history diffs carry raw database values: foreign keys and many-to-many rows as ids,
choices as stored codes, dates as Python objects. This module loads one page of history in a
bounded number of queries (per model, never per row) and turns every value into localised text:
related objects by their names (one query per related model for the whole page), choices by their
translated labels, booleans as yes/no, dates and numbers in the active language's formats.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import CharField, OuterRef, Subquery, Value
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from simple_history.utils import get_m2m_reverse_field_name

from tvetbridge.core.audit import audited_models, reason_text
from tvetbridge.core.tokens import token_labels

# Every model registered with ``core.audit.audited``: registry records, incomes, rates, prices, roles,
# accounts, tokens, targets and whatever joins later.
AUDITED = audited_models
AUDIT_PAGE_SIZE = 50
TRUNCATE_AT = 80  # characters of a long value shown inline; the full text is on hover
EMPTY = "—"


def history_rows(model_name: str | None, user_id: str | None, object_id: str | None):
    """One union query over the historical tables: newest changes first, paginated in the database."""
    parts = []
    for name, model in AUDITED().items():
        if model_name and name != model_name:
            continue
        # A plain QuerySet: modeltranslation's manager reorders values() columns, which breaks the
        # column alignment a UNION needs (PostgreSQL refuses it; SQLite silently mixes columns).
        qs = models.QuerySet(model=model.history.model)
        if user_id:
            qs = qs.filter(history_user_id=user_id)
        if object_id:
            qs = qs.filter(id=object_id)
        parts.append(qs.order_by().annotate(model=Value(name, output_field=CharField()))
                     .values("history_id", "history_date", "model"))
    if not parts:
        return None
    union = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return union.order_by("-history_date", "-history_id")


# --- loading ------------------------------------------------------------------------------------------

def _m2m_fields(history_model) -> list[models.ManyToManyField]:
    return list(getattr(history_model, "_history_m2m_fields", None) or [])


def _m2m_snapshots(history_model, history_ids: list[int]) -> dict[str, dict[int, list]]:
    """{m2m field name: {history_id: [related ids]}} — one query per tracked many-to-many field."""
    snapshots: dict[str, dict[int, list]] = {}
    for field in _m2m_fields(history_model):
        through = getattr(history_model, field.name).model  # the historical through model
        target = get_m2m_reverse_field_name(field)
        per_record: dict[int, list] = defaultdict(list)
        rows = (through.objects.filter(history_id__in=history_ids)
                .order_by(f"{target}_id").values_list("history_id", f"{target}_id"))
        for history_id, related_id in rows:
            per_record[history_id].append(related_id)
        snapshots[field.name] = per_record
    return snapshots


def _load_records(page_rows: list[dict]) -> dict[tuple[str, int], dict]:
    """Full historical rows for one page with their predecessors: a fixed number of queries per model."""
    by_model: dict[str, list[int]] = {}
    for row in page_rows:
        by_model.setdefault(row["model"], []).append(row["history_id"])
    loaded: dict[tuple[str, int], dict] = {}
    for name, ids in by_model.items():
        history = AUDITED()[name].history.model
        previous = (history.objects.filter(id=OuterRef("id"), history_date__lt=OuterRef("history_date"))
                    .order_by("-history_date", "-history_id").values("history_id")[:1])
        records = list(history.objects.filter(history_id__in=ids).select_related("history_user")
                       .annotate(prev_id=Subquery(previous)))
        prevs = history.objects.in_bulk([r.prev_id for r in records if r.prev_id])
        m2m = _m2m_snapshots(history, [*ids, *prevs]) if _m2m_fields(history) else {}
        for record in records:
            prev = prevs.get(record.prev_id)
            loaded[(name, record.history_id)] = {
                "record": record, "prev": prev,
                "changes": _raw_changes(history, record, prev, m2m),
            }
    return loaded


def _raw_changes(history_model, record, prev, m2m: dict[str, dict[int, list]]) -> list[tuple]:
    """(field name, old, new) with raw values; many-to-many values as lists of related ids."""
    if prev is None or record.history_type != "~":
        return []
    m2m_names = [field.name for field in _m2m_fields(history_model)]
    # Plain fields through simple-history; many-to-many ones from the bulk-loaded snapshots, since
    # diff_against would query the through tables twice per field and record.
    delta = record.diff_against(prev, excluded_fields=m2m_names)
    changes = [(change.field, change.old, change.new) for change in delta.changes]
    for name in m2m_names:
        old, new = m2m[name].get(prev.history_id, []), m2m[name].get(record.history_id, [])
        if old != new:
            changes.append((name, old, new))
    return sorted(changes, key=lambda change: change[0])


# --- presentation -------------------------------------------------------------------------------------

def _model_field(model, name: str):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def field_label(model, name: str) -> str:
    """The field's verbose name in the active language; a translation column reads "name [ru]"."""
    field = _model_field(model, name)
    if field is None:
        return name
    translated = getattr(field, "translated_field", None)
    language = getattr(field, "language", None)
    if translated is not None and language:
        return f"{translated.verbose_name} [{language}]"
    return str(field.verbose_name)


def _related_ids(model, changes: list[tuple[str, object, object]], wanted: dict[type, set]) -> None:
    for name, old, new in changes:
        field = _model_field(model, name)
        if field is None or not field.is_relation or field.related_model is None:
            continue
        for value in (old, new):
            values = value if isinstance(value, list | tuple) else [value]
            wanted[field.related_model].update(v for v in values if v is not None and v != "")


def _resolve(wanted: dict[type, set]) -> dict[type, dict]:
    """One query per related model for all ids on the page."""
    return {related: related._default_manager.in_bulk(list(ids)) for related, ids in wanted.items() if ids}


def _related_name(objects: dict, pk) -> str:
    obj = objects.get(pk)
    if obj is None:
        return _("#%(id)s (deleted)") % {"id": pk}
    return str(obj)


def display_value(field, value, related: dict[type, dict]) -> str:
    """A raw diff value as text a coordinator reads, in the active language."""
    if value is None or value == "" or value == []:
        return EMPTY
    if field is not None and field.is_relation and field.related_model is not None:
        objects = related.get(field.related_model, {})
        if isinstance(value, list | tuple):
            return ", ".join(sorted((_related_name(objects, pk) for pk in value), key=str.casefold))
        return _related_name(objects, value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if field is not None and field.choices:
        labels = dict(field.flatchoices)
        if value in labels:
            return str(labels[value])
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return formats.date_format(value, "SHORT_DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(value, datetime.time):
        return formats.time_format(value, "TIME_FORMAT")
    if isinstance(value, Decimal | float | int):
        return formats.number_format(value)
    return str(value)


def _shown(text: str) -> tuple[str, str]:
    """(inline text, full text for the hover title or "" when nothing was cut)."""
    flat = " ".join(text.split())
    short = Truncator(flat).chars(TRUNCATE_AT)
    return short, (text if short != flat else "")


def present_change(model, name: str, old, new, related: dict[type, dict]) -> dict:
    field = _model_field(model, name)
    old_text, old_full = _shown(display_value(field, old, related))
    new_text, new_full = _shown(display_value(field, new, related))
    return {"name": name, "field": field_label(model, name), "old": old_text, "new": new_text,
            "old_full": old_full, "new_full": new_full}


def load_entries(page_rows: list[dict]) -> list[dict]:
    """One page of audit entries, each with its readable before → after changes."""
    loaded = _load_records(page_rows)
    via_token = token_labels(item["record"] for item in loaded.values())
    wanted: dict[type, set] = defaultdict(set)
    for (name, _history_id), item in loaded.items():
        _related_ids(AUDITED()[name], item["changes"], wanted)
    related = _resolve(wanted)
    type_labels = {"+": _("created"), "~": _("changed"), "-": _("deleted")}
    # A record is named as it is now, in the reader's language (a snapshot names it as it was then,
    # perhaps before its translations were written); a deleted one by its last snapshot.
    ids: dict[str, set] = defaultdict(set)
    for (name, _history_id), item in loaded.items():
        ids[name].add(item["record"].id)
    live = {name: AUDITED()[name]._default_manager.in_bulk(list(pks)) for name, pks in ids.items()}
    entries = []
    for row in page_rows:
        item = loaded.get((row["model"], row["history_id"]))
        if item is None:
            continue
        record = item["record"]
        model = AUDITED()[row["model"]]
        changes = [present_change(model, name, old, new, related) for name, old, new in item["changes"]]
        try:
            url = reverse(f"{row['model']}_detail", args=[record.id]) if record.history_type != "-" else None
        except NoReverseMatch:
            url = None
        current = live[row["model"]].get(record.id) or record.instance
        entries.append({
            "when": record.history_date, "user": record.history_user, "type": record.history_type,
            "type_label": type_labels.get(record.history_type, ""),
            "model_label": model._meta.verbose_name, "object": str(current), "object_id": record.id,
            "url": url, "reason": reason_text(record.history_change_reason), "changes": changes,
            "token": via_token.get((record._meta.label_lower, record.history_id), ""),
        })
    return entries
