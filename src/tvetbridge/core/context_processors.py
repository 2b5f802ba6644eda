from django.conf import settings

from .roles import role_of


def platform(request):
    return {"LANGUAGES": settings.LANGUAGES, "user_role": role_of(request.user)}
