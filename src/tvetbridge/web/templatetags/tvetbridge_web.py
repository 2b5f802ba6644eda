from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag(takes_context=True)
def unprefixed_path(context) -> str:
    """The current path without its language prefix.

    set_language runs on an unprefixed URL, where Django activates the default language, so it can
    only translate a `next` address written in the default language's (unprefixed) form."""
    request = context.get("request")
    if request is None:
        return "/"
    path = request.get_full_path()
    for code, _name in settings.LANGUAGES:
        prefix = f"/{code}/"
        if path.startswith(prefix):
            return "/" + path[len(prefix):]
    return path
