"""Stage 2: the reconciler and share offers (partner-journey.md §1.3.1, §3.6)."""

from __future__ import annotations

from mwf_core.ports.llm import LanguageModel
from mwf_core.usecases.runtime import Dependencies


class ReconcilerUseCases:
    def __init__(self, deps: Dependencies, llm: LanguageModel) -> None:
        self._deps, self._llm = deps, llm

    async def drain(self) -> None:
        """Wait for background analyses (used at shutdown and by tests)."""
