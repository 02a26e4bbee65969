"""Composition root, adapter choices: which token verifier, language model and profile
directory the settings ask for, and the production checks that refuse a bad configuration."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlsplit

from mwf_core.adapters.auth import (
    ClerkTokenVerifier,
    DevTokenVerifier,
    E2EBypassVerifier,
    load_or_create_dev_secret,
)
from mwf_core.adapters.auth.clerk_profiles import ClerkProfileDirectory
from mwf_core.adapters.auth.selector import BypassOrPrimaryVerifier
from mwf_core.adapters.llm.fixtures import FixtureLanguageModel
from mwf_core.adapters.llm.offline import OfflineMediator
from mwf_core.config import ConfigurationError, Settings
from mwf_core.ports.auth import ProfileDirectory, TokenVerifier
from mwf_core.ports.llm import LanguageModel

log = logging.getLogger("mwf")

# The fixtures that ship with the service (E2E_FIXTURES_DIR points elsewhere).
SHIPPED_FIXTURES = Path(__file__).parent / "adapters" / "llm" / "fixture_files"

_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})


def check_app_url(settings: Settings) -> None:
    """Production refuses an APP_URL that is unset (the localhost default) or local: invitation
    links and emails would send invitees to a page that does not exist for them."""
    if not settings.production:
        return
    parsed = urlsplit(settings.app_url)
    host = (parsed.hostname or "").lower()
    if (
        parsed.scheme not in ("http", "https")
        or not host
        or host in _LOCAL_HOSTS
        or host.endswith(".localhost")
    ):
        raise ConfigurationError(
            f"MWF_ENV=production needs APP_URL set to the public web address invitation links "
            f"open (e.g. https://meetwithoutfear.com); got {settings.app_url!r}"
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


def build_language_model(settings: Settings) -> LanguageModel:
    """MOCK_LLM → fixtures; AWS credentials → Bedrock; otherwise the offline mediator."""
    if settings.mock_llm:
        if settings.production:
            raise ConfigurationError("MOCK_LLM is for end-to-end tests and refused in production")
        log.warning(
            "mediator: MOCK_LLM fixtures (fixture %s)",
            settings.e2e_fixture_id or "from the X-E2E-Fixture-ID header",
        )
        return FixtureLanguageModel(
            settings.e2e_fixtures_dir or SHIPPED_FIXTURES,
            default_fixture_id=settings.e2e_fixture_id or "",
        )
    if settings.aws_credentials:
        from mwf_core.adapters.llm.bedrock import BedrockLanguageModel

        log.info(
            "mediator: AWS Bedrock (%s / %s, region %s)",
            settings.bedrock_sonnet_model_id,
            settings.bedrock_haiku_model_id,
            settings.aws_region,
        )
        return BedrockLanguageModel(
            mediator_model_id=settings.bedrock_sonnet_model_id,
            mechanic_model_id=settings.bedrock_haiku_model_id,
            region=settings.aws_region,
            endpoint_url=settings.bedrock_endpoint_url,
        )
    log.info(
        "mediator: OFFLINE mediator - deterministic prompts, not a language model "
        "(configure AWS credentials for Bedrock)"
    )
    return OfflineMediator()


def build_profile_directory(settings: Settings) -> ProfileDirectory | None:
    """Clerk's Backend API fills new users' names and email when the secret key is set."""
    if settings.uses_clerk and settings.clerk_secret_key:
        log.info("auth: new users' profiles from Clerk (%s)", settings.clerk_api_url)
        return ClerkProfileDirectory(settings.clerk_secret_key, settings.clerk_api_url)
    if settings.uses_clerk:
        log.warning("auth: CLERK_SECRET_KEY unset - new users get only what their token says")
    return None
