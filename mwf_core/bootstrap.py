"""The composition root: settings in, adapters and use cases out (the adapter choices are in
wiring_adapters.py, the outbox delivery in wiring_delivery.py)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mwf_core.adapters.db.engine import stop_engine
from mwf_core.adapters.db.open import open_encrypted_database
from mwf_core.adapters.db.unit_of_work import PiccoloUnitOfWorkFactory
from mwf_core.adapters.llm.telemetry import TelemetryRecordingModel
from mwf_core.adapters.realtime.in_process import InProcessBroker
from mwf_core.adapters.system import SystemClock, UuidIds
from mwf_core.adapters.telemetry import DatabaseTelemetrySink
from mwf_core.config import Settings
from mwf_core.domain.records import OutboxEvent
from mwf_core.ports.auth import TokenVerifier
from mwf_core.ports.llm import LanguageModel
from mwf_core.usecases.conversation import ConversationUseCases
from mwf_core.usecases.emotions import EmotionUseCases
from mwf_core.usecases.empathy import EmpathyUseCases
from mwf_core.usecases.enrichment import EnrichmentUseCases
from mwf_core.usecases.identity import IdentityUseCases
from mwf_core.usecases.invitations import InvitationUseCases
from mwf_core.usecases.journey import JourneyUseCases
from mwf_core.usecases.lifecycle import LifecycleUseCases
from mwf_core.usecases.messages import MessageUseCases
from mwf_core.usecases.needs import NeedsUseCases
from mwf_core.usecases.people import PeopleUseCases
from mwf_core.usecases.reconciler import ReconcilerUseCases
from mwf_core.usecases.runtime import Dependencies
from mwf_core.usecases.sessions import SessionUseCases
from mwf_core.usecases.stage0 import Stage0UseCases
from mwf_core.usecases.stage4 import Stage4UseCases
from mwf_core.usecases.strategies import StrategyUseCases
from mwf_core.wiring_adapters import (
    build_language_model,
    build_profile_directory,
    build_verifier,
    check_app_url,
)
from mwf_core.wiring_delivery import (
    add_delivery_use_cases,
    build_delivery,
    start_delivery,
)

log = logging.getLogger("mwf")


@dataclass(slots=True)
class Container:
    settings: Settings
    engine: Any
    telemetry: DatabaseTelemetrySink
    broker: InProcessBroker
    verifier: TokenVerifier
    identity: IdentityUseCases
    sessions: SessionUseCases
    stage0: Stage0UseCases
    invitations: InvitationUseCases
    lifecycle: LifecycleUseCases
    people: PeopleUseCases
    emotions: EmotionUseCases
    llm: LanguageModel
    messages: MessageUseCases
    conversation: ConversationUseCases
    enrichment: EnrichmentUseCases
    model_adapter: Any
    reconciler: ReconcilerUseCases
    empathy: EmpathyUseCases
    needs: NeedsUseCases
    stage4: Stage4UseCases
    strategies: StrategyUseCases
    journey: JourneyUseCases
    # Delivery (issue 5). Typed loosely so the container builds whichever packages are present.
    dispatcher: Any | None = None  # mwf_core.adapters.outbox.dispatcher.OutboxDispatcher
    realtime_auth: Any | None = None  # usecases.realtime_auth: async ably_token(actor) -> dict
    notification_prefs: Any | None = None  # usecases.notification_prefs: get / update
    event_stream: Any | None = None  # usecases.event_stream: watch(actor, session_id, after_seq)
    realtime: Any | None = None  # RealtimeBundle: .log .wakeups .presence, start/stop
    ably: Any | None = None  # AblyBundle: .sink .presence .tokens, close
    push: Any | None = None  # PushBundle: .sink .planner .receipts
    cipher: Any | None = None  # FieldCipher when FIELD_ENCRYPTION_KEY is set
    email_sink: Any | None = None  # EventSink for email: rows
    delivery: Any | None = None  # Delivery: all of the above, closed together

    async def close(self) -> None:
        await self.enrichment.drain()
        await self.reconciler.drain()
        # Delivery stops before the engine: its workers hold connections and leases (a lease
        # cut short runs out, and its rows go again with the same ids).
        if self.delivery is not None:
            await self.delivery.close()
        await self.telemetry.stop()  # flushes what is queued before the pool closes
        close_model = getattr(self.model_adapter, "close", None)
        if close_model is not None:
            close_model()  # Bedrock's worker threads and HTTP pool
        await stop_engine(self.engine)


async def build_container(settings: Settings, *, migrate: bool | None = None) -> Container:
    """Wire everything. Migrations run by default on the embedded SQLite database only;
    PostgreSQL deployments migrate explicitly with `mwf migrate`."""
    check_app_url(settings)
    verifier = build_verifier(settings)
    should_migrate = settings.database_url is None if migrate is None else migrate
    engine, cipher = await open_encrypted_database(settings, migrate=should_migrate)
    log.info(
        "database: %s",
        "SQLite (embedded default)"
        if settings.database_url is None
        else settings.database_url.split("://", 1)[0],
    )
    broker = InProcessBroker()
    clock = SystemClock()
    try:
        delivery = await build_delivery(settings, engine, clock)
    except BaseException:  # e.g. ABLY_TLS=false refused: nothing is left open behind it
        await stop_engine(engine)
        raise

    async def on_commit(events: Sequence[OutboxEvent]) -> None:
        # In-process subscribers first (tests, same-process listeners), then the dispatcher.
        try:
            await broker.publish(events)
        finally:
            await delivery.publish(events)

    ids = UuidIds()
    deps = Dependencies(
        uow=PiccoloUnitOfWorkFactory(engine, on_commit=on_commit),
        clock=clock,
        ids=ids,
        app_url=settings.app_url,
    )
    telemetry = DatabaseTelemetrySink(engine)
    telemetry.start()
    # Every model call, whichever adapter serves it, leaves one telemetry row.
    adapter = build_language_model(settings)
    llm = TelemetryRecordingModel(
        adapter, telemetry, SystemClock(), ids, log_prompts=settings.log_prompts
    )
    enrichment = EnrichmentUseCases(deps, llm)
    reconciler = ReconcilerUseCases(deps, llm)
    container = Container(
        settings=settings,
        engine=engine,
        telemetry=telemetry,
        broker=broker,
        verifier=verifier,
        identity=IdentityUseCases(deps, build_profile_directory(settings)),
        sessions=SessionUseCases(
            deps, invitation_emails_per_day=settings.invitation_emails_per_day
        ),
        stage0=Stage0UseCases(deps),
        invitations=InvitationUseCases(
            deps, invitation_emails_per_day=settings.invitation_emails_per_day
        ),
        lifecycle=LifecycleUseCases(deps),
        people=PeopleUseCases(deps),
        emotions=EmotionUseCases(deps),
        llm=llm,
        messages=MessageUseCases(deps, llm, schedule_reconciler=reconciler.schedule),
        conversation=ConversationUseCases(deps, llm, after_reply=enrichment.schedule),
        enrichment=enrichment,
        model_adapter=adapter,
        reconciler=reconciler,
        empathy=EmpathyUseCases(deps, llm, reconciler),
        needs=NeedsUseCases(deps, llm),
        stage4=Stage4UseCases(deps, llm),
        strategies=StrategyUseCases(deps, llm),
        journey=JourneyUseCases(deps, llm),
        dispatcher=delivery.dispatcher,
        realtime=delivery.realtime,
        ably=delivery.ably,
        push=delivery.push,
        email_sink=delivery.email,
        delivery=delivery,
        cipher=cipher,
    )
    add_delivery_use_cases(container, deps, delivery)
    await start_delivery(delivery)
    # Analyses a restart interrupted (attempts left HELD/ANALYZING) run again in the background.
    try:
        recovered = await reconciler.recover_all()
        if recovered:
            log.info("reconciler: %d unfinished analyses scheduled again", recovered)
    except Exception:
        log.exception("reconciler: startup recovery failed (retried lazily by empathy status)")
    return container
