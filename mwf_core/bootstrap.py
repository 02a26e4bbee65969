"""The composition root: settings in, adapters and use cases out."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mwf_core.adapters.auth import (
    ClerkTokenVerifier,
    DevTokenVerifier,
    E2EBypassVerifier,
    load_or_create_dev_secret,
)
from mwf_core.adapters.auth.clerk_profiles import ClerkProfileDirectory
from mwf_core.adapters.auth.selector import BypassOrPrimaryVerifier
from mwf_core.adapters.db.engine import (
    bind_tables,
    engine_from_url,
    start_engine,
    stop_engine,
)
from mwf_core.adapters.db.migrate import apply_migrations
from mwf_core.adapters.db.unit_of_work import PiccoloUnitOfWorkFactory
from mwf_core.adapters.llm.fixtures import FixtureLanguageModel
from mwf_core.adapters.llm.offline import OfflineMediator
from mwf_core.adapters.llm.telemetry import TelemetryRecordingModel
from mwf_core.adapters.outbox.dispatcher import DispatcherConfig, OutboxDispatcher
from mwf_core.adapters.outbox.local_sink import LocalSink, LogSink
from mwf_core.adapters.push.factory import AnyPresence
from mwf_core.adapters.realtime.in_process import InProcessBroker
from mwf_core.adapters.system import SystemClock, UuidIds
from mwf_core.adapters.telemetry import DatabaseTelemetrySink
from mwf_core.config import ConfigurationError, Settings
from mwf_core.domain.records import OutboxEvent
from mwf_core.ports.auth import ProfileDirectory, TokenVerifier
from mwf_core.ports.delivery import EventSink, PresenceChecker
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

log = logging.getLogger("mwf")

# The fixtures that ship with the service (E2E_FIXTURES_DIR points elsewhere).
SHIPPED_FIXTURES = Path(__file__).parent / "adapters" / "llm" / "fixture_files"


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


def _add_delivery_use_cases(container: Container, deps: Dependencies, delivery: Delivery) -> None:
    realtime_auth = _optional("mwf_core.usecases.realtime_auth", "RealtimeAuthUseCases")
    if realtime_auth is not None:
        tokens = delivery.ably.tokens if delivery.ably is not None else None
        container.realtime_auth = realtime_auth(
            deps, tokens, production=container.settings.production
        )
    prefs = _optional("mwf_core.usecases.notification_prefs", "NotificationPreferenceUseCases")
    if prefs is not None:
        container.notification_prefs = prefs(deps)
    stream = _optional("mwf_core.usecases.event_stream", "EventStreamUseCases")
    if stream is not None and delivery.realtime is not None:
        realtime = delivery.realtime
        container.event_stream = stream(
            deps, realtime.log, realtime.wakeups, realtime.presence,
            poll_seconds=container.settings.mwf_stream_poll_seconds,
        )


def build_verifier(settings: Settings) -> TokenVerifier:
    """Clerk when configured; otherwise local dev tokens, which production refuses."""
    primary: TokenVerifier
    if settings.uses_clerk:
        if not settings.clerk_issuer:
            raise ConfigurationError(
                "CLERK_JWKS_URL is set without CLERK_ISSUER: tokens are only trusted with their "
                "issuer checked; set CLERK_ISSUER to your Clerk Frontend API URL"
            )
        issuer = settings.clerk_issuer
        primary = ClerkTokenVerifier(
            issuer=issuer,
            jwks_url=settings.clerk_jwks_url,
            authorized_parties=settings.clerk_authorized_parties,
        )
        log.info("auth: Clerk tokens (issuer %s)", issuer)
    else:
        if settings.production:
            raise ConfigurationError(
                "MWF_ENV=production needs Clerk: set CLERK_ISSUER (and CLERK_JWKS_URL if the "
                "keys live elsewhere); dev tokens are refused in production"
            )
        secret = settings.dev_secret or load_or_create_dev_secret(settings.dev_secret_path)
        primary = DevTokenVerifier(secret, settings.environment)
        log.info("auth: local dev tokens (mint one with `mwf token USER_ID`)")
    if settings.e2e_auth_bypass:
        log.warning("auth: E2E bypass headers accepted (x-e2e-user-id)")
        return BypassOrPrimaryVerifier(E2EBypassVerifier(settings.environment), primary)
    return primary


_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})


def check_app_url(settings: Settings) -> None:
    """Production refuses an APP_URL that is unset (the localhost default) or local: invitation
    links and emails would send invitees to a page that does not exist for them."""
    if not settings.production:
        return
    parsed = urlsplit(settings.app_url)
    host = (parsed.hostname or "").lower()
    if parsed.scheme not in ("http", "https") or not host or host in _LOCAL_HOSTS \
            or host.endswith(".localhost"):
        raise ConfigurationError(
            f"MWF_ENV=production needs APP_URL set to the public web address invitation links "
            f"open (e.g. https://meetwithoutfear.com); got {settings.app_url!r}"
        )


def build_language_model(settings: Settings) -> LanguageModel:
    """MOCK_LLM → fixtures; AWS credentials → Bedrock; otherwise the offline mediator."""
    if settings.mock_llm:
        if settings.production:
            raise ConfigurationError("MOCK_LLM is for end-to-end tests and refused in production")
        log.warning("mediator: MOCK_LLM fixtures (fixture %s)",
                    settings.e2e_fixture_id or "from the X-E2E-Fixture-ID header")
        return FixtureLanguageModel(settings.e2e_fixtures_dir or SHIPPED_FIXTURES,
                                    default_fixture_id=settings.e2e_fixture_id or "")
    if settings.aws_credentials:
        from mwf_core.adapters.llm.bedrock import BedrockLanguageModel

        log.info("mediator: AWS Bedrock (%s / %s, region %s)", settings.bedrock_sonnet_model_id,
                 settings.bedrock_haiku_model_id, settings.aws_region)
        return BedrockLanguageModel(
            mediator_model_id=settings.bedrock_sonnet_model_id,
            mechanic_model_id=settings.bedrock_haiku_model_id,
            region=settings.aws_region,
            endpoint_url=settings.bedrock_endpoint_url,
        )
    log.info("mediator: OFFLINE mediator - deterministic prompts, not a language model "
             "(configure AWS credentials for Bedrock)")
    return OfflineMediator()


def build_profile_directory(settings: Settings) -> ProfileDirectory | None:
    """Clerk's Backend API fills new users' names and email when the secret key is set."""
    if settings.uses_clerk and settings.clerk_secret_key:
        log.info("auth: new users' profiles from Clerk (%s)", settings.clerk_api_url)
        return ClerkProfileDirectory(settings.clerk_secret_key, settings.clerk_api_url)
    if settings.uses_clerk:
        log.warning("auth: CLERK_SECRET_KEY unset - new users get only what their token says")
    return None


async def open_database(settings: Settings, *, migrate: bool) -> Any:
    engine = engine_from_url(settings.database_url, default_sqlite_path=settings.sqlite_path)
    bind_tables(engine)
    await start_engine(engine)
    if migrate:
        applied = await apply_migrations(engine)
        if applied:
            log.info("database: applied migrations %s", ", ".join(applied))
    return engine


def _optional(module: str, name: str) -> Any | None:
    """A factory of another package, or None when its module is not there (the core works
    without it: deliveries then go to log sinks). Errors inside an existing module propagate."""
    try:
        found = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            return None
        raise
    return getattr(found, name, None)


@dataclass(slots=True)
class Delivery:
    dispatcher: OutboxDispatcher
    realtime: Any | None
    ably: Any | None
    push: Any | None
    email: EventSink
    presence: PresenceChecker

    async def publish(self, events: Sequence[OutboxEvent]) -> None:
        await self.dispatcher.kick(events)

    async def close(self) -> None:
        """The dispatcher first (its workers use the sinks), then each sink and poller."""
        steps: list[tuple[str, Any]] = [("dispatcher", self.dispatcher.stop)]
        if self.push is not None:
            steps.append(("push", self.push.close))
        if self.ably is not None:
            steps.append(("ably", self.ably.close))
        steps.append(("email", self.email.close))
        if self.realtime is not None:
            steps.append(("realtime", self.realtime.stop))
        for name, step in steps:
            try:
                await step()
            except Exception:
                log.exception("closing %s failed", name)


async def build_delivery(settings: Settings, engine: Any, clock: SystemClock) -> Delivery:
    """Sinks by channel: Ably (or the local sink) for session:/user:, Resend (or a log) for
    email:, Expo (or a log) for push:; the dispatcher that feeds them; the event log."""
    build_realtime = _optional("mwf_core.adapters.realtime.factory", "build_realtime")
    build_ably = _optional("mwf_core.adapters.ably.factory", "build_ably")
    build_email_sink = _optional("mwf_core.adapters.email.factory", "build_email_sink")
    build_push = _optional("mwf_core.adapters.push.factory", "build_push")
    realtime = build_realtime(settings, engine) if build_realtime else None
    ably = build_ably(settings) if build_ably else None
    if ably is not None:
        log.info("realtime: Ably (%s)", settings.ably_rest_host or "rest.ably.io")
    else:
        log.info("realtime: Ably off (ABLY_API_KEY unset) - SSE, WatchSession and in-process "
                 "subscribers only")
    if settings.ssl_cert_file:
        log.info("TLS: SSL_CERT_FILE=%s replaces the CA bundle of Ably/Resend/Clerk clients",
                 settings.ssl_cert_file)
    presence = AnyPresence(
        ably.presence if ably is not None else None,
        realtime.presence if realtime is not None else None,
    )
    invitation_status = _optional(
        "mwf_core.adapters.email.invitation_status", "DatabaseInvitationStatus"
    )
    email: EventSink = (
        build_email_sink(settings, invitation_status(clock) if invitation_status else None)
        if build_email_sink else LogSink("email", ("email:",))
    )
    push = build_push(settings, engine, presence) if build_push else None
    sinks: list[EventSink] = [
        ably.sink if ably is not None else LocalSink(),
        email,
        push.sink if push is not None else LogSink("push", ("push:",)),
    ]
    dispatcher = OutboxDispatcher(
        engine,
        sinks,
        clock,
        DispatcherConfig.from_settings(settings),
        planner=push.planner if push is not None else None,
        wakeups=realtime.wakeups if realtime is not None else None,
    )
    if not settings.mwf_dispatcher:
        log.warning("outbox: MWF_DISPATCHER=off - events are sequenced (live streams work) but "
                    "delivered only by another process (`mwf outbox run`)")
    return Delivery(dispatcher, realtime, ably, push, email, presence)


async def _start_delivery(delivery: Delivery) -> None:
    if delivery.realtime is not None:
        await delivery.realtime.start()
    if delivery.push is not None:
        delivery.push.start()
    delivery.dispatcher.start()


async def build_container(settings: Settings, *, migrate: bool | None = None) -> Container:
    """Wire everything. Migrations run by default on the embedded SQLite database only;
    PostgreSQL deployments migrate explicitly with `mwf migrate`."""
    check_app_url(settings)
    verifier = build_verifier(settings)
    should_migrate = settings.database_url is None if migrate is None else migrate
    engine = await open_database(settings, migrate=should_migrate)
    log.info("database: %s", "SQLite (embedded default)" if settings.database_url is None
             else settings.database_url.split("://", 1)[0])
    configure_field_encryption = _optional(
        "mwf_core.adapters.crypto.factory", "configure_field_encryption"
    )
    try:
        cipher = (
            await configure_field_encryption(settings, engine)
            if configure_field_encryption else None
        )
    except BaseException:
        await stop_engine(engine)
        raise
    broker = InProcessBroker()
    clock = SystemClock()
    delivery = await build_delivery(settings, engine, clock)

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
    llm = TelemetryRecordingModel(adapter, telemetry, SystemClock(), ids,
                                  log_prompts=settings.log_prompts)
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
    _add_delivery_use_cases(container, deps, delivery)
    await _start_delivery(delivery)
    # Analyses a restart interrupted (attempts left HELD/ANALYZING) run again in the background.
    try:
        recovered = await reconciler.recover_all()
        if recovered:
            log.info("reconciler: %d unfinished analyses scheduled again", recovered)
    except Exception:
        log.exception("reconciler: startup recovery failed (retried lazily by empathy status)")
    return container
