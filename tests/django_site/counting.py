"""Template tag library ``counting``: templates count their own renders.

``{% count_render "header" %}`` adds one to ``renders["header"]`` each time
the template containing it is rendered; tests read the counts to prove that
fragments are rendered once per request.
"""

from __future__ import annotations

import threading
from collections import Counter

from django import template

register = template.Library()

_lock = threading.Lock()
#: Renders so far, by the name given to ``count_render``.
renders: Counter[str] = Counter()


@register.simple_tag
def count_render(name: str) -> str:
    """Count one render of ``name``; renders nothing."""
    with _lock:
        renders[name] += 1
    return ""
