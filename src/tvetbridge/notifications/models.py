from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Notification(models.Model):
    """One event told to one user. ``facts`` hold what the kind's template needs (see ``facts.py``);
    the sentence is rendered in the reader's language each time it is shown."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
                             verbose_name=_("recipient"))
    kind = models.CharField(_("kind"), max_length=40)
    facts = models.JSONField(default=dict)
    # Where the notification leads: a URL name and its arguments, reversed at display time (so the
    # link carries the reader's language prefix).
    link_name = models.CharField(max_length=80, blank=True)
    link_args = models.JSONField(default=list, blank=True)
    # The delivery job that wrote it: a retried job finds its rows instead of writing them twice.
    delivery = models.PositiveBigIntegerField(editable=False)
    in_app = models.BooleanField(default=True)
    email_wanted = models.BooleanField(default=False)
    emailed_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(_("received"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [models.UniqueConstraint(fields=["delivery", "user"], name="uniq_notification_delivery")]
        # The header badge counts unread rows of one user on every page.
        indexes = [models.Index(fields=["user", "in_app", "read_at"]), models.Index(fields=["user", "-created"])]

    def __str__(self) -> str:
        return f"{self.kind} → {self.user_id}"


class Preference(models.Model):
    """A user's choice for one kind of notification; without a row, the kind's defaults apply."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notification_preferences")
    kind = models.CharField(_("kind"), max_length=40)
    in_app = models.BooleanField(_("in the app"), default=True)
    email = models.BooleanField(_("by e-mail"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="uniq_notification_preference")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"
