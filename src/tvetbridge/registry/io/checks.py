"""Checks of one unsaved row without a query per row: field values compared as the database would,
and model check constraints evaluated in Python where they are plain comparisons."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist
from django.db.models import CheckConstraint, F, Q

from tvetbridge.core.constraints import explain


def same(old, new) -> bool:
    if isinstance(old, str | type(None)) and isinstance(new, str | type(None)):
        return (old or "") == (new or "")
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        return old is not None and new is not None and Decimal(old) == Decimal(new) or old is new is None
    return old == new


_COMPARE = {
    "exact": lambda a, b: a == b, "lt": lambda a, b: a < b, "lte": lambda a, b: a <= b,
    "gt": lambda a, b: a > b, "gte": lambda a, b: a >= b,
}


def validate_constraint(constraint, model, obj, exclude: set[str]) -> None:
    """Check a model constraint for one unsaved row.

    Django checks a CheckConstraint by sending one query per row to the database; over tens of
    thousands of rows that dominates the import. Conditions made of plain comparisons between fields
    and constants (all the registry has) are evaluated here the same way SQL would, including its
    rule that a comparison with NULL does not violate the constraint. Anything else goes to Django.
    """
    condition = getattr(constraint, "condition", None)
    if isinstance(constraint, CheckConstraint) and condition is not None:
        fields = set()
        verdict = _evaluate(condition, obj, fields)
        if verdict is not _UNSUPPORTED:
            if fields & exclude:
                return
            if verdict is False:
                raise explain(constraint, model)
            return
    constraint.validate(model, obj, exclude=exclude)


_UNSUPPORTED = object()


def _evaluate(node, obj, fields: set[str]):
    """True, False or None (unknown, as SQL's NULL) for a Q of simple comparisons; else _UNSUPPORTED."""
    if isinstance(node, Q):
        results = [_evaluate(child, obj, fields) for child in node.children]
        if any(r is _UNSUPPORTED for r in results):
            return _UNSUPPORTED
        if node.connector == Q.AND:
            value = False if False in results else None if None in results else True
        else:
            value = True if True in results else None if None in results else False
        return (None if value is None else not value) if node.negated else value
    if not isinstance(node, tuple) or len(node) != 2:
        return _UNSUPPORTED
    lookup, expected = node
    name, _sep, op = lookup.partition("__")
    op = op or "exact"
    try:
        field_ = obj._meta.get_field(name)
    except FieldDoesNotExist:
        return _UNSUPPORTED
    fields.add(name)
    value = getattr(obj, field_.attname)
    if op == "isnull":
        return (value is None) == bool(expected)
    if op not in _COMPARE:
        return _UNSUPPORTED
    if isinstance(expected, F):
        try:
            other = obj._meta.get_field(expected.name)
        except FieldDoesNotExist:
            return _UNSUPPORTED
        fields.add(expected.name)
        expected = getattr(obj, other.attname)
    elif hasattr(expected, "resolve_expression"):
        return _UNSUPPORTED
    if value is None or expected is None:
        return None
    try:
        return _COMPARE[op](value, expected)
    except TypeError:
        return _UNSUPPORTED
