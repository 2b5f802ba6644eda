"""The load test's floor: a bare Django application whose one view returns a constant for every path,
served by the same gunicorn command as the platform (see ``load_test.py``)."""

import django
from django.conf import settings
from django.http import HttpResponse
from django.urls import re_path

settings.configure(DEBUG=False, ALLOWED_HOSTS=["*"], ROOT_URLCONF=__name__, SECRET_KEY="floor-" + "x" * 40,
                   MIDDLEWARE=[], INSTALLED_APPS=[], USE_I18N=False)


def constant(request, rest=""):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [re_path(r"^(?P<rest>.*)$", constant)]

django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402  (after settings are configured)

application = get_wsgi_application()
