from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "tvetbridge.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # The job machinery sits below every app and cannot call this one: it sends a signal when a
        # job ends, and the jobs that announce their end (imports, reports) are told here.
        from tvetbridge.core.jobs import job_finished

        from .services import announce_job_finished

        job_finished.connect(announce_job_finished, dispatch_uid="notifications.job_finished")
