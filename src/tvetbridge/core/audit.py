"""Which models keep an audit trail, and the reasons the platform writes into it.

**How a model joins the audit log** (registry records, incomes, rates, prices, roles, tokens, targets,
and the framework tables when they arrive):

1. give it ``history = HistoricalRecords()`` (django-simple-history: every save keeps the full row,
   who, when and a reason) and a migration;
2. decorate the class with ``@audited`` (for a model of another package, such as ``auth.User``, call
   ``audited(Model)`` in the app's ``ready()``); the coordinators' audit page (``web.audit``) then lists
   its changes with before → after values in the reader's language;
3. change it only through a service that writes with ``core.services.save`` (the one write path:
   who, the reason, the version check), and make its admin read-only
   (``core.admin.AuditedReadOnlyAdmin``) or route the admin's saves through that service.

**Reasons** are stored as facts, never as rendered English: either a code from ``REASONS`` (shown in
the reader's language by ``reason_text``) or the words a person typed, e.g. why an income was
corrected, shown as typed.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

_AUDITED: dict[str, type[models.Model]] = {}

# Codes the platform itself writes as a history row's reason. Older rows carry the same words.
REASONS = {
    "created": _("created"),
    "updated": _("updated"),
    "approved": _("approved"),
    "import": _("imported from a file"),
    "registered": _("registered"),
    "target set": _("target set"),
    "income.recorded": _("income recorded"),
    "income.before_import": _("value stored before a file changed it"),
    "income.before_correction": _("value stored before the correction"),
    "rate.set": _("exchange rate set"),
    "cpi.set": _("consumer-price inflation set"),
    "role.set": _("role or organisation changed"),
    "account.changed": _("account changed by an administrator"),
    "token.issued": _("API token issued"),
    "token.revoked": _("API token revoked"),
    "label.rejected": _("label rejected"),
    "label.superseded": _("label replaced by a newer approved one"),
    "alliance.member_added": _("alliance member added"),
    "alliance.member_removed": _("alliance member removed"),
    "alliance.membership_baseline": _("members on record when membership tracking began"),
}


def audited(model: type[models.Model]) -> type[models.Model]:
    """Class decorator (or plain call): list ``model`` in the audit log. It must have history."""
    name = model._meta.model_name
    if name in _AUDITED and _AUDITED[name] is not model:
        raise ValueError(f"two audited models are called {name!r}")
    _AUDITED[name] = model
    return model


def audited_models() -> dict[str, type[models.Model]]:
    """{model name: model} of every audited model whose history is installed."""
    return {name: model for name, model in _AUDITED.items() if hasattr(model, "history")}


def reason_text(reason: str | None) -> str:
    """A stored reason in the active language: a known code translated, a person's words as typed."""
    if not reason:
        return ""
    label = REASONS.get(reason)
    return str(label) if label is not None else reason


def keep_baseline(obj: models.Model, reason: str) -> None:
    """Before the first tracked change of a row written without history (a bulk load), store what it
    holds now, so the change that follows keeps the old value."""
    history = type(obj).history
    if history.filter(**{obj._meta.pk.attname: obj.pk}).exists():
        return
    stored = type(obj)._default_manager.get(pk=obj.pk)
    tracked = {f.attname for f in history.model._meta.fields}
    values = {f.attname: getattr(stored, f.attname) for f in type(obj)._meta.concrete_fields if f.attname in tracked}
    from django.utils import timezone

    history.model.objects.create(**values, history_date=timezone.now(), history_type="+",
                                 history_change_reason=reason)
