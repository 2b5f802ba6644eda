"""Exporting registry records as CSV or XLSX, in the column layout the importer reads back."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from ..queries import SPECS as LIST_SPECS
from ..queries import list_queryset
from ..services import require
from .columns import LIST_SEPARATOR, SPECS, Column, kind_label
from .files import CONTENT_TYPES, FORMATS, write_csv, write_xlsx

# Natural key of each relation, read through a join rather than one query per row.
_NATURAL_KEY = {"country": "", "language": "", "field": "", "region": "__code", "institution": "__external_key",
                "enterprise": "__external_key", "alliance": "__external_key", "source": "__key"}


@dataclass
class ExportFile:
    content: bytes
    content_type: str
    filename: str


def export_queryset(user, kind: str, params: Mapping[str, str] | None = None):
    """The records of ``kind`` the user may export, narrowed by the list filters in ``params``."""
    spec = SPECS[kind]
    if user is not None:
        require(user, "view", spec.model)
        require(user, "export", spec.model)
    # The list pages' own filter and search, so a download holds exactly the rows the list shows.
    params = {key: (params or {}).get(key) or "" for key in (params or {})}
    if params.get("country"):
        params["country"] = params["country"].strip().upper()  # typed by hand on the command line
    listed, _sort = list_queryset(LIST_SPECS[kind], params)
    queryset = spec.model.objects.filter(pk__in=listed.values("pk"))
    return queryset.order_by("pk")


def export_rows(user, kind: str, params: Mapping[str, str] | None = None) -> tuple[list[str], list[list]]:
    """Headers in the active language and one list of cell values per record."""
    spec = SPECS[kind]
    queryset = export_queryset(user, kind, params)
    plain = [c for c in spec.columns if c.type != "m2m"]
    paths = [_value_path(c) for c in plain]
    records = list(queryset.values_list("pk", *paths))
    pks = [r[0] for r in records]
    lists = {c.key: _m2m_keys(spec.model, c, pks) for c in spec.columns if c.type == "m2m"}
    yes, no = _("yes"), _("no")
    choice_columns = {c.key for c in plain if c.type == "choice"}
    rows = []
    for record in records:
        values = dict(zip([c.key for c in plain], record[1:], strict=True))
        row = []
        for column in spec.columns:
            if column.type == "m2m":
                row.append(LIST_SEPARATOR.join(lists[column.key].get(record[0], [])))
                continue
            value = values[column.key]
            if column.type == "bool":
                value = yes if value else no
            elif column.key in choice_columns and value == "":
                value = None
            row.append(value)
        rows.append(row)
    return [c.label(spec.model) for c in spec.columns], rows


def export_file(user, kind: str, fmt: str, params: Mapping[str, str] | None = None) -> ExportFile:
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    header, rows = export_rows(user, kind, params)
    stamp = timezone.localdate().isoformat()
    filename = f"tvetbridge-{kind}-{stamp}.{fmt}"
    if fmt == "csv":
        content = write_csv(header, rows)
    else:
        content = write_xlsx(header, rows, title=kind_label(kind))
    return ExportFile(content, CONTENT_TYPES[fmt], filename)


def _value_path(column: Column) -> str:
    if column.type == "fk":
        suffix = _NATURAL_KEY[column.lookup]
        return f"{column.field}{suffix}" if suffix else f"{column.field}_id"
    return column.field


def _m2m_keys(model, column: Column, pks: list[int]) -> dict[int, list[str]]:
    """One query per relation for the whole export; keys sorted so exports compare line by line."""
    model_field = model._meta.get_field(column.field)
    through = model_field.remote_field.through
    source = model_field.m2m_field_name()
    target = model_field.m2m_reverse_field_name()
    suffix = _NATURAL_KEY[column.lookup]
    key_path = f"{target}{suffix}" if suffix else f"{target}_id"
    out: dict[int, list[str]] = defaultdict(list)
    pk_set = set(pks)
    queryset = through.objects.values_list(f"{source}_id", key_path)
    if len(pks) < 1000:
        queryset = queryset.filter(**{f"{source}_id__in": pks})
    for pk, key in queryset.order_by(f"{source}_id", key_path):
        if pk in pk_set:
            out[pk].append(key)
    return out
