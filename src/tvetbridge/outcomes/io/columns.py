"""A queryset's columns as NumPy arrays, read without Django's per-value converters.

Outcome reads move national tables (a million incomes a year for one country): the rows come back as
the database driver gives them, dates as ISO text, and callers convert whole columns at once.
"""

from __future__ import annotations

import numpy as np
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import CharField, DateField
from django.db.models.functions import Cast


def dates(values, unit="D") -> np.ndarray:
    """A column of dates (date objects or ISO strings, None where missing) as datetime64."""
    return np.array(list(values), dtype="datetime64[D]").astype(f"datetime64[{unit}]")


def rows(queryset, *fields) -> list[np.ndarray]:
    """The columns of ``queryset.values_list(*fields)`` as the database driver returns them, dates as ISO
    text. Django's per-value converters (a Decimal and a parsed date for every cell) made reading a
    national income table take seconds; callers convert whole columns instead: dates with ``dates``,
    numbers with ``astype`` (floats on SQLite, Decimals on PostgreSQL). A model's default ordering is
    dropped: no caller needs it, and the income table's would join the trainees to sort by their keys."""
    columns = [Cast(f, CharField()) if isinstance(field_at(queryset.model, f), DateField) else f for f in fields]
    qs = (queryset if queryset.query.order_by else queryset.order_by()).values_list(*columns)
    try:
        sql, params = qs.query.get_compiler(using=qs.db).as_sql()
    except EmptyResultSet:
        return [np.array([]) for _f in fields]
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return [np.array([]) for _f in fields]
    table = np.array(rows, dtype=object).reshape(len(rows), len(fields))
    return [table[:, j] for j in range(len(fields))]


def field_at(model, path: str):
    """The model field a ``values_list`` path such as ``project__start_date`` ends on."""
    *relations, last = path.split("__")
    for name in relations:
        model = model._meta.get_field(name).related_model
    return model._meta.pk if last == "pk" else model._meta.get_field(last)
