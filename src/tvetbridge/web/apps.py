from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "tvetbridge.web"
    label = "web"
    verbose_name = _("Web")

    def ready(self) -> None:
        # "New since your last visit" needs the previous login time, which Django overwrites at login:
        # one receiver keeps it in the session, then records this login as Django would.
        from django.contrib.auth.signals import user_logged_in

        from .views_my import remember_previous_visit

        user_logged_in.disconnect(dispatch_uid="update_last_login")
        user_logged_in.connect(remember_previous_visit, dispatch_uid="update_last_login")
