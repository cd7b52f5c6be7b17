"""Values every page template needs: the service name, the user's roles and the current round."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject
from django.utils.timezone import localdate

from .rules import is_administrator
from .selectors import role_summary, round_current


def service(request):
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    return {
        "service_name": settings.SERVICE_NAME,
        "user_roles": SimpleLazyObject(lambda: role_summary(user=user) if signed_in else []),
        "current_round": SimpleLazyObject(lambda: round_current(today=localdate())),
        # The header's link to the administration: `perms.planning.administer` asks the same rule,
        # but also asks Django's model permissions, two queries on every page for a permission
        # that only the rule grants.
        "is_administrator": SimpleLazyObject(lambda: signed_in and is_administrator(user)),
    }
