"""The composition root: settings in, adapters and use cases out."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
from mwf_core.adapters.realtime.in_process import InProcessBroker
from mwf_core.adapters.system import SystemClock, UuidIds
from mwf_core.adapters.telemetry import DatabaseTelemetrySink
from mwf_core.config import Settings
from mwf_core.ports.auth import ProfileDirectory, TokenVerifier
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


    async def close(self) -> None:
        await self.enrichment.drain()
        await self.reconciler.drain()
        await self.telemetry.stop()  # flushes what is queued before the pool closes
        close_model = getattr(self.model_adapter, "close", None)
        if close_model is not None:
            close_model()  # Bedrock's worker threads and HTTP pool
        await stop_engine(self.engine)


def build_verifier(settings: Settings) -> TokenVerifier:
    """Clerk when configured; otherwise local dev tokens, which production refuses."""
    primary: TokenVerifier
    if settings.uses_clerk:
        if not settings.clerk_issuer:
            raise RuntimeError(
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
            raise RuntimeError(
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


def build_language_model(settings: Settings) -> LanguageModel:
    """MOCK_LLM → fixtures; AWS credentials → Bedrock; otherwise the offline mediator."""
    if settings.mock_llm:
        if settings.production:
            raise RuntimeError("MOCK_LLM is for end-to-end tests and refused in production")
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


async def build_container(settings: Settings, *, migrate: bool | None = None) -> Container:
    """Wire everything. Migrations run by default on the embedded SQLite database only;
    PostgreSQL deployments migrate explicitly with `mwf migrate`."""
    verifier = build_verifier(settings)
    should_migrate = settings.database_url is None if migrate is None else migrate
    engine = await open_database(settings, migrate=should_migrate)
    log.info("database: %s", "SQLite (embedded default)" if settings.database_url is None
             else settings.database_url.split("://", 1)[0])
    broker = InProcessBroker()
    log.info("realtime: in-process broker (outbox rows kept for later delivery)")
    ids = UuidIds()
    deps = Dependencies(
        uow=PiccoloUnitOfWorkFactory(engine, on_commit=broker.publish),
        clock=SystemClock(),
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
        sessions=SessionUseCases(deps),
        stage0=Stage0UseCases(deps),
        invitations=InvitationUseCases(deps),
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
    )
    # Analyses a restart interrupted (attempts left HELD/ANALYZING) run again in the background.
    try:
        recovered = await reconciler.recover_all()
        if recovered:
            log.info("reconciler: %d unfinished analyses scheduled again", recovered)
    except Exception:
        log.exception("reconciler: startup recovery failed (retried lazily by empathy status)")
    return container
