"""Around the stages: consent, exercises, pending actions, timeline (partner-journey.md §3.9)."""

from __future__ import annotations

from mwf_core.ports.llm import LanguageModel
from mwf_core.usecases.runtime import Dependencies


class JourneyUseCases:
    def __init__(self, deps: Dependencies, llm: LanguageModel) -> None:
        self._deps, self._llm = deps, llm
