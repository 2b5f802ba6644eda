"""Request-level safety nets shared by every page."""

from django.shortcuts import render

from .services import is_database_busy


class DatabaseBusyMiddleware:
    """A database still busy after the write path's retries answers 503 with Retry-After — a page
    that says "try again in a moment", never a server error."""

    RETRY_AFTER_S = 2

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_database_busy(exception):
            return None
        response = render(request, "core/busy.html", status=503)
        response["Retry-After"] = str(self.RETRY_AFTER_S)
        return response
