"""SessionService RPCs of one capability, mixed into SessionServicer (being built)."""

from __future__ import annotations

from mwf_core.bootstrap import Container


class StrategyRpcs:
    _c: Container
