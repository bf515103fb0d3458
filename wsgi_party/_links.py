"""The party's memory of finished links: exact, and bounded in bytes.

Building a cross-app link asks a member's framework to build a route; the
same call from the same place gives the same text as long as nothing the
build reads has changed. The party remembers such links, so that a page of
links costs a dictionary lookup per link::

    memory = LinkMemory(max_bytes=8 * 2**20)
    call = call_key("blog:post", {"id": 3})     # None: build it every time
    key = (asker, place, call)
    url = memory.get(key)
    if url is None:
        generation = memory.generation
        url = build()
        memory.remember(key, url, generation)

**Exact.** A key holds a value only if every value equal to it prints the
same: :class:`str`, :class:`int` (not :class:`bool`), :class:`uuid.UUID` and
``None``. For anything else :func:`call_key` answers ``None`` and the link
is built afresh: ``1.0 == 1`` and ``True == 1`` but they print ``1.0`` and
``True``; ``Decimal("1.0") == Decimal("1.00")``; two aware datetimes of the
same instant in different time zones are equal. So a link is only ever
reused where a fresh build is certain to give the same text.

**Bounded.** All remembered links together take at most ``max_bytes``
(counted generously: the URL, the strings in its key and a fixed cost per
entry). A link dearer than ``max_entry_bytes`` is never remembered. Past the
bound the oldest links are forgotten one by one, never all at once.

**Safe to clear.** :meth:`LinkMemory.clear` forgets everything, and a build
that began before the clear cannot store its result after it: the build
reads :attr:`LinkMemory.generation` first and :meth:`LinkMemory.remember`
drops a result from an older generation.
"""

from __future__ import annotations

import sys
import threading
import typing as t
from uuid import UUID

from ._exceptions import ConfigurationError

__all__ = ["DEFAULT_MAX_BYTES", "LinkMemory", "call_key"]

#: How many bytes of links a party remembers unless told otherwise.
DEFAULT_MAX_BYTES = 8 * 2**20

#: The most one remembered link may cost; a longer URL is built every time.
MAX_ENTRY_BYTES = 4096

#: What one entry costs besides its strings: the dict slot, the key tuples.
_ENTRY_OVERHEAD = 200

#: Types whose equal values always print alike (exactly these: no subclasses).
_EXACT = frozenset((str, int, UUID, type(None)))


def call_key(endpoint: str, values: t.Mapping[str, t.Any]) -> t.Hashable | None:
    """The arguments of a ``url_for``-like call as a key, or ``None``.

    ``None`` when a value is of a type whose equal values may print
    differently (see the module's docstring): such a link is never
    remembered. The names keep their order, since the query string does.
    Each number of values has its own shape of key, so two calls that differ
    only in their number of values never share one.
    """
    size = len(values)
    if not size:
        return endpoint
    if size == 1:
        (name,) = values
        value = values[name]
        return (endpoint, name, value) if type(value) in _EXACT else None
    if size == 2:
        name, other = values
        value = values[name]
        second = values[other]
        if type(value) in _EXACT and type(second) in _EXACT:
            return (endpoint, name, value, other, second)
        return None
    for value in values.values():
        if type(value) not in _EXACT:
            return None
    return (endpoint, *values, *values.values())


class LinkMemory:
    """Finished links by key, exact and bounded in bytes (see the module).

    :meth:`get` is a plain dictionary lookup and takes no lock; remembering,
    forgetting and clearing take one.
    """

    def __init__(
        self, max_bytes: int = DEFAULT_MAX_BYTES, *, max_entry_bytes: int = MAX_ENTRY_BYTES
    ) -> None:
        if not isinstance(max_bytes, int) or max_bytes < 0:
            raise ConfigurationError(
                f"the URL memory's size must be a number of bytes >= 0, got {max_bytes!r}"
            )
        #: The bound on all remembered links together, in bytes (0: remember none).
        self.max_bytes = max_bytes
        #: The most one remembered link may cost, in bytes.
        self.max_entry_bytes = min(max_entry_bytes, max_bytes)
        #: How many bytes the remembered links take now.
        self.nbytes = 0
        #: Counts the clears; a build remembers its result only within the
        #: generation it began in.
        self.generation = 0
        self._entries: dict[t.Hashable, str] = {}
        self._lock = threading.Lock()
        #: The remembered link for a key, or ``None``.
        self.get = self._entries.get

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"<LinkMemory {len(self._entries)} links, {self.nbytes} of {self.max_bytes} bytes>"

    def remember(self, key: t.Hashable, url: str, generation: int) -> None:
        """Keep ``url`` under ``key`` if no clear happened since ``generation``.

        ``generation`` is :attr:`generation` as read before the build began.
        A link dearer than :attr:`max_entry_bytes` is not kept; past
        :attr:`max_bytes` the oldest links are forgotten.
        """
        cost = _cost(key, url)
        if cost > self.max_entry_bytes:
            return
        entries = self._entries
        with self._lock:
            if generation != self.generation or key in entries:
                return
            entries[key] = url
            self.nbytes += cost
            while self.nbytes > self.max_bytes:
                oldest = next(iter(entries))
                self.nbytes -= _cost(oldest, entries.pop(oldest))

    def clear(self) -> None:
        """Forget every link; a build under way will not store its result."""
        with self._lock:
            self.generation += 1
            self._entries.clear()
            self.nbytes = 0


def _cost(key: t.Hashable, url: str) -> int:
    """What remembering ``url`` under ``key`` costs, counted generously."""
    size = _ENTRY_OVERHEAD + sys.getsizeof(url)
    parts: t.Iterable[object] = key if isinstance(key, tuple) else (key,)
    for part in parts:
        # The call's own tuple holds names and values only (str, int, UUID,
        # None); the other parts are shared objects (operators, apps) but for
        # the place's strings.
        if isinstance(part, tuple):
            size += sys.getsizeof(part) + sum(map(sys.getsizeof, part))
        elif isinstance(part, str):
            size += sys.getsizeof(part)
    return size
