"""Piccolo repositories (being built)."""

from __future__ import annotations


class PiccoloStage4Repository:
    pass
