"""Stage 2: the reconciler and share offers (partner-journey.md §1.3.1, §3.6).

One direction (guesser -> subject) is analysed once the guesser's attempt is HELD and the
subject has felt heard (or again after a resubmit, when the attempt is ANALYZING). The work runs
in the background, in three steps, so no model call ever holds a transaction open:

1. a short transaction checks the attempt and moves it HELD -> ANALYZING, and reads the inputs;
2. the model calls (analysis, then the share suggestion when sharing is offered);
3. one transaction stores the result (superseding older ones of the direction) together with
   its consequence: READY (+ the mutual reveal check) or a share offer to the subject with the
   attempt AWAITING_SHARING. Result and offer are written together or not at all (the original
   wrote them separately and polled for the result; here the read is in the same transaction).

The analysis is honoured on every path (the original forced READY when both shared at once).
Forced READY happens only through the circuit breaker (more than 3 resubmits) or when the
subject already shared context in this direction and gaps remain (no second offer).

A process that dies between steps 1 and 3 leaves the attempt ANALYZING, and one that dies
between a commit that made an attempt analysable (consent, feel-heard) and its `schedule`
leaves it HELD; a run whose steps fail after the transaction retries is logged and leaves the
attempt as it was (HELD or ANALYZING), never half-written. Both are picked up again:
`recover_all` at startup (bootstrap) and lazily by `EmpathyUseCases.status` for the viewer's
session, through `resume`, when nothing runs for the direction in this process. Re-running is
idempotent: the finishing step re-checks the attempt's status and version.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

from mwf_core.domain import events
from mwf_core.domain.empathy import EmpathyAttempt, EmpathyEvent, EmpathyStatus
from mwf_core.domain.enums import MessageRole, Stage, StageStatus
from mwf_core.domain.errors import DomainError, Forbidden, NotFound
from mwf_core.domain.privacy import PARTNER_FALLBACK_NAME, display_name
from mwf_core.domain.reconciler import (
    Analysis,
    RecommendedAction,
    ReconcilerResult,
    ShareOffer,
    ShareOfferStatus,
    circuit_breaker_tripped,
    sharing_offered,
)
from mwf_core.domain.records import StageProgress, User
from mwf_core.ports.llm import LanguageModel
from mwf_core.ports.repositories import UnitOfWork

from .empathy_common import name_for, save_move, status_for
from .empathy_reveal import reveal_if_ready
from .empathy_status import finished_stage1
from .journey_actions import pending_action_event
from .lane import emit_to_user, message_dto, write_line
from .reconciler_offers import ShareOfferOperations
from .reconciler_texts import (
    ALIGNMENT_LINE,
    AWAITING_LINE,
    BREAKER_LINE,
    AnalysisInput,
    analyse,
    share_suggestion,
)
from .runtime import Dependencies, in_transaction
from .session_view import SessionContext, load_locked_context

log = logging.getLogger("mwf.reconciler")

LANE_READ = 500


@dataclass(frozen=True, slots=True)
class _Job:
    guesser: User
    attempt_version: int
    breaker: bool
    already_shared: bool
    input: AnalysisInput


class ReconcilerUseCases(ShareOfferOperations):
    def __init__(self, deps: Dependencies, llm: LanguageModel) -> None:
        self._deps, self._llm = deps, llm
        self._tasks: set[asyncio.Task[None]] = set()
        self._running: set[tuple[str, str]] = set()
        self._again: set[tuple[str, str]] = set()

    # ---- scheduling -------------------------------------------------------------------------

    def schedule(self, session_id: str, guesser_id: str) -> None:
        """Analyse the direction guesser -> partner in the background. One run at a time per
        direction; a request during a run makes it run once more afterwards. Never raises."""
        direction = (session_id, guesser_id)
        if direction in self._running:
            self._again.add(direction)
            return
        self._running.add(direction)
        task = asyncio.create_task(self._loop(direction))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _loop(self, direction: tuple[str, str]) -> None:
        try:
            while True:
                self._again.discard(direction)
                await self.run(*direction)
                if direction not in self._again:
                    return
        finally:
            self._running.discard(direction)

    async def drain(self) -> None:
        """Wait for background analyses (used at shutdown and by tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def resume(self, session_id: str, guesser_id: str) -> bool:
        """Schedule the direction unless a run for it is going on in this process (then the
        run will see the attempt anyway). Returns whether a run was scheduled."""
        if (session_id, guesser_id) in self._running:
            return False
        self.schedule(session_id, guesser_id)
        return True

    async def recover(self, session_id: str) -> int:
        """Schedule again the attempts of one session left waiting for an analysis (HELD or
        ANALYZING, subject done with stage 1) with nothing running for them; returns how
        many."""
        async def read(uow: UnitOfWork) -> list[EmpathyAttempt]:
            return [a for a in await uow.empathy_attempts.for_session(session_id)
                    if a.status in (EmpathyStatus.HELD, EmpathyStatus.ANALYZING)]

        return await self._reschedule(await in_transaction(self._deps.uow, read))

    async def recover_all(self, updated_before: datetime | None = None) -> int:
        """The sweep over every session (run once at startup): attempts left HELD or
        ANALYZING by a restart, a crashed run or a schedule that never ran after its commit
        (optionally only those unchanged since `updated_before`) are analysed again. Re-running
        an ANALYZING attempt is safe: `_start` keeps it ANALYZING and `_finish` writes only when
        the attempt's version is still the one read. Returns how many were scheduled."""
        async def read(uow: UnitOfWork) -> list[EmpathyAttempt]:
            return await uow.empathy_attempts.awaiting_analysis(updated_before)

        return await self._reschedule(await in_transaction(self._deps.uow, read))

    async def _reschedule(self, waiting: list[EmpathyAttempt]) -> int:
        async def eligible(uow: UnitOfWork) -> list[tuple[str, str]]:
            rows_of: dict[str, list[StageProgress]] = {}
            found = []
            for attempt in waiting:
                guesser_id = attempt.source_user_id
                if guesser_id is None:
                    continue
                if attempt.session_id not in rows_of:
                    rows_of[attempt.session_id] = await uow.progress.for_session(
                        attempt.session_id)
                rows = rows_of[attempt.session_id]
                if any(finished_stage1(rows, r.user_id) for r in rows
                       if r.user_id != guesser_id):
                    found.append((attempt.session_id, guesser_id))
            return found

        directions = await in_transaction(self._deps.uow, eligible) if waiting else []
        return sum(1 for direction in directions if self.resume(*direction))

    # ---- the analysis -----------------------------------------------------------------------

    async def run(self, session_id: str, guesser_id: str) -> None:
        """One analysis of one direction, start to finish. Errors are logged, never raised."""
        try:
            job = await in_transaction(self._deps.uow,
                                       lambda uow: self._start(uow, session_id, guesser_id))
            if job is None:
                return
            analysis: Analysis | None = None
            suggestion: tuple[str, str] | None = None
            if not job.breaker:
                analysis = await analyse(self._llm, job.input)
                offer = sharing_offered(analysis.recommended_action,
                                        analysis.suggested_share_focus)
                if offer and not job.already_shared:
                    suggestion = await share_suggestion(self._llm, job.input, analysis)
            await in_transaction(self._deps.uow,
                                 lambda uow: self._finish(uow, job, analysis, suggestion))
        except DomainError as error:
            log.info("reconciler %s -> partner in %s stopped: %s", guesser_id, session_id,
                     error.message)
        except Exception:
            log.exception("reconciler %s -> partner in %s failed", guesser_id, session_id)

    async def _start(self, uow: UnitOfWork, session_id: str, guesser_id: str) -> _Job | None:
        guesser = await uow.users.get(guesser_id)
        if guesser is None:
            return None
        try:
            context = await load_locked_context(uow, session_id, guesser)
        except (NotFound, Forbidden):
            return None  # the session went away, or the guesser is no longer in it
        attempt = await uow.empathy_attempts.by_author(session_id, guesser_id)
        if attempt is None or attempt.status not in (EmpathyStatus.HELD, EmpathyStatus.ANALYZING):
            return None
        subject_id = context.partner_id
        if subject_id is None:
            return None
        felt_heard = context.row(subject_id, Stage.WITNESS)
        if felt_heard is None or felt_heard.status is not StageStatus.COMPLETED:
            return None
        breaker = circuit_breaker_tripped(attempt.revision_count)
        if attempt.status is EmpathyStatus.HELD:
            await save_move(uow, attempt, EmpathyEvent.ANALYSIS_STARTED, self._deps.clock.now())
        lane = await uow.messages.lane(session_id, subject_id, LANE_READ, oldest_first=True)
        said = tuple(m.content for m in lane
                     if m.role is MessageRole.USER and m.stage == Stage.WITNESS)
        vessel = context.partner_vessel
        memory = await uow.memories.get(vessel.id) if vessel else None
        facts = tuple(f.get("fact", "") for f in (memory.notable_facts if memory else [])
                      if f.get("fact"))
        offers = await uow.reconciler.offers_for_session(session_id)
        already_shared = any(o.guesser_id == guesser_id and o.status is ShareOfferStatus.ACCEPTED
                             for o in offers)
        job_input = AnalysisInput(
            session_id=session_id, guesser_id=guesser_id,
            guesser_name=guesser.first_name or guesser.name or PARTNER_FALLBACK_NAME,
            subject_id=subject_id,
            subject_name=name_for(context, guesser_id),
            statement=attempt.content, subject_messages=said, notable_facts=facts,
            iteration=attempt.revision_count,
        )
        return _Job(guesser, attempt.status_version, breaker, already_shared, job_input)

    async def _finish(self, uow: UnitOfWork, job: _Job, analysis: Analysis | None,
                      suggestion: tuple[str, str] | None) -> None:
        session_id = job.input.session_id
        context = await load_locked_context(uow, session_id, job.guesser)
        attempt = await uow.empathy_attempts.by_author(session_id, job.guesser.id)
        if (attempt is None or attempt.status is not EmpathyStatus.ANALYZING
                or attempt.status_version != job.attempt_version):
            return  # someone else finished this run, or the attempt moved on: stale
        now = self._deps.clock.now()
        result = self._result(job, analysis, suggestion, now)
        await uow.reconciler.supersede_results(session_id, job.guesser.id, now)
        await uow.reconciler.add_result(result)
        subject_name = job.input.subject_name
        if job.breaker:
            await save_move(uow, attempt, EmpathyEvent.CIRCUIT_BREAKER, now)
            await self._guesser_line(uow, job, BREAKER_LINE.format(subject=subject_name), now)
            await reveal_if_ready(uow, self._deps, context)
            return
        if suggestion is None:
            # PROCEED, or sharing was already done in this direction (no second offer): ready
            # as it is, with neutral words when the analysis still saw a gap.
            gap_left = analysis is not None and sharing_offered(
                analysis.recommended_action, analysis.suggested_share_focus)
            line = BREAKER_LINE if gap_left else ALIGNMENT_LINE
            await save_move(uow, attempt, EmpathyEvent.ANALYSIS_PROCEED, now)
            await self._guesser_line(uow, job, line.format(subject=subject_name), now)
            await reveal_if_ready(uow, self._deps, context)
            return
        await self._offer(uow, context, job, attempt, result, now)

    def _result(self, job: _Job, analysis: Analysis | None, suggestion: tuple[str, str] | None,
                now: datetime) -> ReconcilerResult:
        a = analysis or Analysis(rationale="Circuit breaker: too many refinements.")
        return ReconcilerResult(
            id=self._deps.ids.new_id(), session_id=job.input.session_id,
            guesser_id=job.guesser.id, subject_id=job.input.subject_id,
            created_at=now,
            alignment_score=a.alignment_score, alignment_summary=a.alignment_summary,
            correctly_identified=list(a.correctly_identified), gap_severity=a.gap_severity,
            gap_summary=a.gap_summary, missed_feelings=list(a.missed_feelings),
            misattributions=list(a.misattributions), most_important_gap=a.most_important_gap,
            recommended_action=(RecommendedAction.PROCEED if analysis is None
                                else a.recommended_action),
            rationale=a.rationale, sharing_would_help=a.sharing_would_help,
            suggested_share_focus=a.suggested_share_focus, area_hint=a.area_hint,
            guidance_type=a.guidance_type, prompt_seed=a.prompt_seed,
            suggested_share_content=suggestion[0] if suggestion else None,
            suggested_share_reason=suggestion[1] if suggestion else None,
            iteration=job.input.iteration, was_circuit_breaker_trip=job.breaker,
        )

    async def _guesser_line(self, uow: UnitOfWork, job: _Job, text: str, now: datetime) -> None:
        """The fixed line in the guesser's lane (not repeated when it is already the last AI
        line), announced on the guesser's own channel."""
        session_id, guesser_id = job.input.session_id, job.guesser.id
        recent = await uow.messages.lane(session_id, guesser_id, 20)
        last_ai = next((m for m in reversed(recent) if m.role is MessageRole.AI), None)
        if last_ai is not None and last_ai.content == text:
            return
        line = await write_line(uow, self._deps, session_id, guesser_id, MessageRole.AI, text,
                                Stage.PERSPECTIVE_STRETCH, now)
        await emit_to_user(uow, self._deps, session_id, guesser_id, events.MESSAGE_AI_RESPONSE,
                           {"message": message_dto(line)})

    async def _offer(self, uow: UnitOfWork, context: SessionContext, job: _Job,
                     attempt: EmpathyAttempt, result: ReconcilerResult, now: datetime) -> None:
        session_id, guesser_id = job.input.session_id, job.guesser.id
        subject_id = job.input.subject_id
        content = result.suggested_share_content or ""
        reason = result.suggested_share_reason or ""
        # Any older open offer in this direction is replaced by the new one.
        old = await uow.reconciler.open_offer_for(session_id, subject_id)
        if old is not None and old.guesser_id == guesser_id:
            old.status, old.updated_at = ShareOfferStatus.EXPIRED, now
            await uow.reconciler.update_offer(old)
        suggestion_line = await write_line(uow, self._deps, session_id, subject_id,
                                           MessageRole.SHARE_SUGGESTION, content,
                                           Stage.PERSPECTIVE_STRETCH, now)
        offer = ShareOffer(
            id=self._deps.ids.new_id(), session_id=session_id, result_id=result.id,
            user_id=subject_id, guesser_id=guesser_id, status=ShareOfferStatus.PENDING,
            created_at=now, updated_at=now,
            suggested_content=content, suggested_reason=reason,
            suggested_share_focus=result.suggested_share_focus,
            recommended_action=result.recommended_action,
            offer_message_id=suggestion_line.id, iteration=result.iteration,
        )
        await uow.reconciler.add_offer(offer)
        await save_move(uow, attempt, EmpathyEvent.SHARING_OFFERED, now)
        # The guesser's name as the subject knows them (their nickname for the guesser).
        subject_member = context.partner_member
        guesser_name = display_name(job.guesser, subject_member) or job.input.guesser_name
        # The suggestion is the subject's private material: only on the subject's channel.
        await emit_to_user(
            uow, self._deps, session_id, subject_id, events.EMPATHY_SHARE_SUGGESTION,
            {"guesserName": guesser_name, "suggestedContent": content,
             "suggestedReason": reason, "offerId": offer.id, "triggeredByUserId": guesser_id,
             "empathyStatus": await status_for(uow, context, subject_id)})
        await uow.outbox.add(pending_action_event(self._deps, session_id, subject_id,
                                                  "share_offer", offer.id))
        await emit_to_user(
            uow, self._deps, session_id, guesser_id, events.EMPATHY_STATUS_UPDATED,
            {"status": EmpathyStatus.AWAITING_SHARING.value,
             "subjectName": job.input.subject_name,
             "message": AWAITING_LINE.format(subject=job.input.subject_name),
             "empathyStatus": await status_for(uow, context, guesser_id)})

