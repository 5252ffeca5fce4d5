"""Least-recently-used caches for scores, decoded images and overlays."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Key = TypeVar("Key", bound=Hashable)
Value = TypeVar("Value")


class LruCache(Generic[Key, Value]):
    """A mapping that drops its least recently used entries past a total cost.

    Args:
        max_cost: the largest total cost kept. An entry that alone costs more is
            not stored.
        cost: cost of one value, such as its size in bytes. Defaults to 1 per
            entry, so ``max_cost`` is an entry count.

    Not thread-safe: use it from one thread (the GUI thread here).
    """

    def __init__(
        self, max_cost: int, cost: Callable[[Value], int] | None = None
    ) -> None:
        if max_cost < 1:
            raise ValueError(f"max_cost must be at least 1, not {max_cost}")
        self.max_cost = max_cost
        self._cost = cost or (lambda value: 1)
        self._entries: OrderedDict[Key, tuple[Value, int]] = OrderedDict()
        self._total = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    @property
    def total_cost(self) -> int:
        return self._total

    def get(self, key: Key) -> Value | None:
        """Return the value for ``key`` and mark it as recently used, or None."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        self._entries.move_to_end(key)
        return entry[0]

    def put(self, key: Key, value: Value) -> None:
        """Store ``value``, then drop the oldest entries until the cost fits."""
        self.pop(key)
        cost = self._cost(value)
        if cost > self.max_cost:
            return
        self._entries[key] = (value, cost)
        self._total += cost
        while self._total > self.max_cost:
            _, (_, dropped) = self._entries.popitem(last=False)
            self._total -= dropped

    def pop(self, key: Key) -> Value | None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return None
        self._total -= entry[1]
        return entry[0]

    def clear(self) -> None:
        self._entries.clear()
        self._total = 0
