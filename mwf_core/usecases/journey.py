"""Around the stages (partner-journey.md §3.2, §3.9): the generic stage advance, read state
(/viewed, /share-tab-viewed), calming exercises, and - from the journey_* modules - consent,
the timeline, pending actions and the badge count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mwf_core.domain import events
from mwf_core.domain.consent import (
    INTENSITY_MAX,
    INTENSITY_MIN,
    ExerciseCompletion,
    ExerciseType,
)
from mwf_core.domain.enums import SessionStatus, StageStatus
from mwf_core.domain.errors import (
    DomainError,
    ErrorCode,
    SessionNotActive,
    ValidationFailed,
    field_error,
)
from mwf_core.domain.gates import BlockedReason
from mwf_core.domain.records import DEFAULT_PRIVACY_PREFERENCES, User, UserVessel
from mwf_core.domain.timefmt import js_iso
from mwf_core.ports.llm import LanguageModel
from mwf_core.ports.repositories import UnitOfWork

from .journey_actions import BadgeCount, PendingActions, badge_count, pending_actions
from .journey_consent import ConsentUseCases
from .journey_timeline import Timeline, timeline
from .progression import move_user_to
from .runtime import Dependencies, in_transaction, new_event
from .session_view import SessionContext, advance_check, load_context, load_locked_context

CHAT_ITEM_ID_MAX = 64
# Where the generic advance may run: the stages are open (stage 0 also before the partner
# joined); a paused or finished session moves nobody.
ADVANCE_STATUSES = frozenset({SessionStatus.CREATED, SessionStatus.INVITED,
                              SessionStatus.ACTIVE})


class InvalidStage(DomainError):
    code = ErrorCode.INVALID_STAGE


@dataclass(frozen=True, slots=True)
class AdvanceResult:
    advanced: bool
    new_stage: int
    new_status: StageStatus
    advanced_at: datetime | None = None
    blocked_reason: BlockedReason | None = None
    unsatisfied_gates: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Viewed:
    viewed_at: datetime
    last_seen_chat_item_id: str | None


def _shows_activity(user: User) -> bool:
    return bool({**DEFAULT_PRIVACY_PREFERENCES, **user.privacy_preferences}["showActivityStatus"])


class JourneyUseCases:
    def __init__(self, deps: Dependencies, llm: LanguageModel) -> None:
        self._deps, self._llm = deps, llm
        self.consent = ConsentUseCases(deps)

    # --- stage advance ------------------------------------------------------------------

    async def advance_stage(self, actor: User, session_id: str) -> AdvanceResult:
        """The generic "move me on" (POST /stages/advance), by the gate table of
        domain/gates.py.

        - Blocked (nothing written): `GATES_NOT_SATISFIED` with the caller's missing keys,
          or `PARTNER_NOT_READY` with the partner's missing key names (never their values).
        - Allowed: the caller's current stage is completed and the next one opened (through
          `move_user_to`, in one locked transaction), and the partner gets `partner.advanced`.
        - Stage 4 is the last stage (INVALID_STAGE once its gates are met); a paused or
          finished session refuses with SESSION_NOT_ACTIVE.
        """

        async def work(uow: UnitOfWork) -> AdvanceResult:
            context = await load_locked_context(uow, session_id, actor)
            if context.session.status not in ADVANCE_STATUSES:
                raise SessionNotActive("Session is not active")
            mine = context.current(actor.id)
            check = advance_check(context)
            if mine is None or check is None:
                raise ValidationFailed("You have no open stage to advance from")
            if check.last_stage:
                raise InvalidStage("Stage 4 is the last stage: it ends with the session's "
                                   "closure")
            if not check.allowed:
                return AdvanceResult(False, mine.stage, mine.status,
                                     blocked_reason=check.blocked_reason,
                                     unsatisfied_gates=check.unsatisfied)
            now = self._deps.clock.now()
            opened = await move_user_to(uow, self._deps, session_id, context.progress,
                                        actor.id, mine.stage + 1, now=now)
            context.session.updated_at = now
            await uow.sessions.update(context.session)
            await uow.outbox.add(new_event(
                self._deps, events.session_channel(session_id), events.PARTNER_ADVANCED,
                session_id, {"toStage": opened.stage, "advancedAt": js_iso(now),
                             "triggeredByUserId": actor.id, "excludeUserId": actor.id},
            ))
            return AdvanceResult(True, opened.stage, opened.status, now)

        return await in_transaction(self._deps.uow, work)

    # --- read state ---------------------------------------------------------------------

    async def _announce_view(self, uow: UnitOfWork, context: SessionContext, name: str,
                             at: datetime) -> None:
        """Tells the partner that I looked, and when - only if I show my activity. Someone who
        hides it sends nothing at all: a viewed event with blanked times would still say "now"
        (every event carries its timestamp). The original's `empathyStatuses` is left out:
        each status view holds its owner's own words and the session channel reaches both
        devices. Its `presenceVisible` is left out too: it could only be true here, and the
        mobile app tests it as `presenceVisible !== false`, so a missing flag reads the same."""
        if not _shows_activity(context.viewer):
            return
        await uow.outbox.add(new_event(
            self._deps, events.session_channel(context.session.id), name, context.session.id,
            {"viewedAt": js_iso(at), "activeAt": js_iso(at),
             "excludeUserId": context.viewer.id}))

    async def mark_viewed(
        self, actor: User, session_id: str, last_seen_chat_item_id: str = ""
    ) -> Viewed:
        """POST /viewed: my last view time (and the newest chat item I saw, when given; kept
        otherwise). Sends `partner.session_viewed` unless I hide my activity; never bumps the
        session (no unread)."""
        if len(last_seen_chat_item_id) > CHAT_ITEM_ID_MAX:
            raise field_error("last_seen_chat_item_id",
                              f"lastSeenChatItemId must be at most {CHAT_ITEM_ID_MAX} "
                              "characters")

        async def work(uow: UnitOfWork) -> Viewed:
            # Locked: the vessel is written whole, and archive/delete write it too.
            context = await load_locked_context(uow, session_id, actor)
            now = self._deps.clock.now()
            vessel = await self._vessel(uow, context)
            vessel.last_viewed_at = now
            if last_seen_chat_item_id:
                vessel.last_seen_chat_item_id = last_seen_chat_item_id
            await uow.vessels.update_user_vessel(vessel)
            await self._announce_view(uow, context, events.PARTNER_SESSION_VIEWED, now)
            return Viewed(now, vessel.last_seen_chat_item_id)

        return await in_transaction(self._deps.uow, work)

    async def mark_share_tab_viewed(self, actor: User, session_id: str) -> datetime:
        """POST /share-tab-viewed: my last look at the share tab (resets `sentTabUpdates`
        and the context_received actions). Sends `partner.share_tab_viewed` unless I hide my
        activity."""

        async def work(uow: UnitOfWork) -> datetime:
            # Locked: the vessel is written whole, and archive/delete write it too.
            context = await load_locked_context(uow, session_id, actor)
            now = self._deps.clock.now()
            vessel = await self._vessel(uow, context)
            vessel.last_viewed_share_tab_at = now
            await uow.vessels.update_user_vessel(vessel)
            await self._announce_view(uow, context, events.PARTNER_SHARE_TAB_VIEWED, now)
            return now

        return await in_transaction(self._deps.uow, work)

    @staticmethod
    async def _vessel(uow: UnitOfWork, context: SessionContext) -> UserVessel:
        # Re-read inside this transaction: the context's copy may predate another write.
        vessel = await uow.vessels.user_vessel(context.session.id, context.viewer.id)
        if vessel is None:  # load_context already refused non-members
            raise ValidationFailed("You have not joined this session")
        return vessel

    # --- exercises ----------------------------------------------------------------------

    async def complete_exercise(
        self, actor: User, session_id: str, exercise_type: str,
        intensity_before: int | None = None, intensity_after: int | None = None,
    ) -> ExerciseCompletion:
        """POST /exercises/complete: logs a calming exercise in the caller's private vessel.
        Type is one of BREATHING_EXERCISE, BODY_SCAN, GROUNDING, PAUSE_SESSION; intensities,
        when given, are integers 1-10."""
        try:
            kind = ExerciseType(exercise_type)
        except ValueError:
            raise field_error("type", "type must be one of "
                              + ", ".join(t.value for t in ExerciseType)) from None
        errors: dict[str, list[str]] = {}
        for name, value in (("intensity_before", intensity_before),
                            ("intensity_after", intensity_after)):
            if value is not None and (isinstance(value, bool)
                                      or not INTENSITY_MIN <= value <= INTENSITY_MAX):
                errors[name] = [f"{name} must be an integer from 1 to 10"]
        if errors:
            raise ValidationFailed("Invalid exercise intensity", errors)

        async def work(uow: UnitOfWork) -> ExerciseCompletion:
            context = await load_context(uow, session_id, actor)
            vessel = await self._vessel(uow, context)
            completion = ExerciseCompletion(self._deps.ids.new_id(), vessel.id, kind,
                                            self._deps.clock.now(), intensity_before,
                                            intensity_after)
            await uow.exercises.add(completion)
            return completion

        return await in_transaction(self._deps.uow, work)

    # --- timeline, pending actions, badge count (journey_timeline / journey_actions) ----

    async def timeline(
        self, actor: User, session_id: str, before: datetime | None = None, limit: int = 0
    ) -> Timeline:
        return await timeline(self._deps, actor, session_id, before, limit)

    async def pending_actions(self, actor: User, session_id: str) -> PendingActions:
        return await pending_actions(self._deps, actor, session_id)

    async def badge_count(self, actor: User) -> BadgeCount:
        return await badge_count(self._deps, actor)
