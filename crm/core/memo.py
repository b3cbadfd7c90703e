"""Values this process keeps for a while: the choices of filters and forms.

Like Django's local-memory cache, per process and with a time to live, but the value is kept
as it is instead of pickled: every list page read four or five choice sets (a few hundred
managers among them) and unpickled each on every request. Callers get the same object back
and must not change it; the choice builders return tuples of tuples.
"""

import time

_VALUES: dict[str, tuple[float, object]] = {}
_LIMIT = 1000


def remembered(key: str, ttl: float, build):
    """``build()``'s value under ``key``, built again once it is ``ttl`` seconds old."""
    now = time.monotonic()
    entry = _VALUES.get(key)
    if entry is not None and entry[0] > now:
        return entry[1]
    value = build()
    if len(_VALUES) >= _LIMIT:
        _VALUES.clear()
    _VALUES[key] = (now + ttl, value)
    return value


def forget_all() -> None:
    """Drop every remembered value (tests that change dictionaries between requests)."""
    _VALUES.clear()
