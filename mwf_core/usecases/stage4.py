"""Stage 4: proposals, selections and closure (partner-journey.md §1.5, §3.8)."""

from __future__ import annotations

from mwf_core.ports.llm import LanguageModel
from mwf_core.usecases.runtime import Dependencies


class Stage4UseCases:
    def __init__(self, deps: Dependencies, llm: LanguageModel) -> None:
        self._deps, self._llm = deps, llm
