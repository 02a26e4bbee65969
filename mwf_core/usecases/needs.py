"""Stage 3: needs (partner-journey.md §1.4, §3.7)."""

from __future__ import annotations

from mwf_core.ports.llm import LanguageModel
from mwf_core.usecases.runtime import Dependencies


class NeedsUseCases:
    def __init__(self, deps: Dependencies, llm: LanguageModel) -> None:
        self._deps, self._llm = deps, llm
