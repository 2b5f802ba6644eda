from .queries import unread_count


def badge(request):
    """The header's unread count, counted only when a template asks for it (lazily)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    cached: list[int] = []

    def count() -> int:
        if not cached:
            cached.append(unread_count(user))
        return cached[0]

    return {"unread_notifications": count}
