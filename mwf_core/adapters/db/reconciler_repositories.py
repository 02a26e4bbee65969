"""Piccolo repositories (being built)."""

from __future__ import annotations


class PiccoloReconcilerRepository:
    pass
