"""The header's "Notifications (N)": the signed-in person's unread count, counted only if shown."""

from .selectors import unread_count


def notifications(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    cache = {}

    def count():
        if "n" not in cache:
            cache["n"] = unread_count(user=user)
        return cache["n"]

    return {"unread_notifications": count}
