"""Piccolo repositories (being built)."""

from __future__ import annotations


class PiccoloEmpathyAttemptRepository:
    pass


class PiccoloEmpathyValidationRepository:
    pass
