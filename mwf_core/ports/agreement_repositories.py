"""Agreements and the legacy strategy rankings."""

from __future__ import annotations

from typing import Protocol


class AgreementRepository(Protocol):
    """Placeholder: methods are added as the capability is built."""


class RankingRepository(Protocol):
    """Placeholder: methods are added as the capability is built."""
