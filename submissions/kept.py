"""Page parts kept in Django's cache (per process unless CACHES says otherwise): the return page's
grid (`returns.views._saved_grid`) and the plan page's figures (`plans.views._figures_html`). Each
is kept under a key made of everything it is made from, so a change to any of it is a new key and
what is kept is never stale; old keys age out."""

import hashlib

from django.core.cache import cache

SECONDS = 15 * 60


def kept(name, state, make):
    """What `make()` returns, kept under `name` and `state`: a hashable tuple of everything it is
    made from (with a format number, moved on whenever what is kept changes shape or markup).
    Made every time, and never kept, when `state` is None (what it is made from cannot be read)."""
    if state is None:
        return make()
    key = f"{name}:" + hashlib.sha256(repr(state).encode()).hexdigest()
    value = cache.get(key)
    if value is None:
        value = make()
        cache.set(key, value, SECONDS)
    return value
