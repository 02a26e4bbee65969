"""Piccolo repositories (being built)."""

from __future__ import annotations


class PiccoloExerciseRepository:
    pass
