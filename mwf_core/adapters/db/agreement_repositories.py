"""Piccolo repositories (being built)."""

from __future__ import annotations


class PiccoloAgreementRepository:
    pass


class PiccoloRankingRepository:
    pass
