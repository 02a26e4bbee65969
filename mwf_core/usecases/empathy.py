"""Stage 2: the empathy exchange (partner-journey.md §1.3, §3.5)."""

from __future__ import annotations

from mwf_core.ports.llm import LanguageModel
from mwf_core.usecases.reconciler import ReconcilerUseCases
from mwf_core.usecases.runtime import Dependencies


class EmpathyUseCases:
    def __init__(
        self, deps: Dependencies, llm: LanguageModel, reconciler: ReconcilerUseCases
    ) -> None:
        self._deps, self._llm, self._reconciler = deps, llm, reconciler
