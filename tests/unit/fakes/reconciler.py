"""In-memory repositories (being built). Rows live in `self._s.tables[name]`."""

from __future__ import annotations

from .store import _Table


class InMemoryReconcilerRepository(_Table):
    pass
