"""Settings from the environment, with the original app's variable names where they exist."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_SONNET = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
DEFAULT_HAIKU = "us.anthropic.claude-haiku-4-5-20251001-v1:0"

# Any of these means "an AWS account is configured": boto3 finds the rest by itself.
_AWS_CREDENTIAL_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_PROFILE",
    "AWS_BEARER_TOKEN_BEDROCK",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
)


class ConfigurationError(RuntimeError):
    """The deployment's settings cannot work: the service refuses to start. The message says
    which setting to change and never contains a secret; `mwf` prints it as one line."""


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 0 <= int(raw) <= 65535:
        raise ValueError(f"{name} must be a port number, got {raw!r}")
    return int(raw)


def _flag_default(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{name} must be true or false, got {raw!r}")


def _number(env: Mapping[str, str], name: str, default: float, *, minimum: float) -> float:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {raw!r}") from None
    if not value >= minimum or value == float("inf"):
        raise ValueError(f"{name} must be a number >= {minimum:g}, got {raw!r}")
    return value


def _retention_days(env: Mapping[str, str]) -> float:
    # The invitation email cap counts the outbox rows of the last 24 hours: rows deleted
    # sooner would be forgotten and the cap exceeded.
    days = _number(env, "MWF_OUTBOX_RETENTION_DAYS", 7.0, minimum=0.0)
    if days < 1:
        raise ValueError(
            f"MWF_OUTBOX_RETENTION_DAYS must be at least 1 (the daily invitation email cap "
            f"counts the last 24 hours of outbox rows), got {env['MWF_OUTBOX_RETENTION_DAYS']!r}"
        )
    return days


@dataclass(frozen=True, slots=True)
class Settings:
    environment: str = "development"
    rest_port: int = 3000
    grpc_port: int = 50051
    host: str = "127.0.0.1"
    database_url: str | None = None  # None: a SQLite file in the working directory
    sqlite_path: str = "mwf.sqlite3"
    app_url: str = "http://localhost:3000"
    clerk_issuer: str | None = None
    clerk_jwks_url: str | None = None
    clerk_authorized_parties: frozenset[str] = field(default_factory=frozenset)
    clerk_secret_key: str | None = None  # profile lookups of new users (Backend API)
    clerk_api_url: str = "https://api.clerk.com"
    e2e_auth_bypass: bool = False
    dev_secret: str | None = None
    dev_secret_path: Path = Path(".mwf/dev-token-secret")
    max_body_bytes: int = 100 * 1024
    # The mediator's models: Bedrock when AWS credentials exist, else the offline mediator;
    # MOCK_LLM=true selects the end-to-end fixtures instead of either.
    mock_llm: bool = False
    e2e_fixture_id: str | None = None
    e2e_fixtures_dir: Path | None = None
    aws_region: str = "us-east-1"
    aws_credentials: bool = False
    bedrock_endpoint_url: str | None = None
    bedrock_sonnet_model_id: str = DEFAULT_SONNET
    bedrock_haiku_model_id: str = DEFAULT_HAIKU
    log_prompts: bool = False
    # Realtime delivery through Ably (off without a key: SSE/WatchSession still work).
    ably_api_key: str | None = None
    ably_rest_host: str | None = None
    ably_rest_port: int | None = None  # the TLS port when ably_tls
    ably_tls: bool = True
    ssl_cert_file: str | None = None  # logged only: httpx reads SSL_CERT_FILE itself
    # Invitation emails through Resend (logged without a key).
    resend_api_key: str | None = None
    from_email: str = "onboarding@resend.dev"
    resend_api_url: str = "https://api.resend.com"
    # Invitation emails one inviter may queue per rolling 24 hours (creates and resends).
    invitation_emails_per_day: int = 20
    # Push through Expo (logged without a token or host).
    expo_access_token: str | None = None
    expo_push_host: str | None = None
    # Field encryption at rest (base64 of 32 bytes; old keys only decrypt).
    field_encryption_key: str | None = None
    field_encryption_old_keys: tuple[str, ...] = ()
    require_field_encryption: bool = False
    # The outbox dispatcher.
    mwf_dispatcher: bool = True
    mwf_outbox_max_age_hours: float = 24.0  # transient failures retry until a row is this old
    mwf_outbox_backoff_base_ms: int = 1000
    mwf_outbox_backoff_max_ms: int = 300_000
    mwf_outbox_lease_seconds: float = 15.0
    mwf_outbox_sweep_seconds: float = 2.0
    mwf_outbox_retention_days: float = 7.0  # at least 1: the email cap reads a day of rows
    mwf_stream_poll_seconds: float = 5.0

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def uses_clerk(self) -> bool:
        return bool(self.clerk_issuer or self.clerk_jwks_url)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        parties = env.get("CLERK_AUTHORIZED_PARTIES", "")
        return cls(
            environment=(env.get("MWF_ENV") or env.get("NODE_ENV") or "development")
            .strip()
            .lower(),
            rest_port=_port(env, "PORT", 3000),
            grpc_port=_port(env, "GRPC_PORT", 50051),
            host=env.get("HOST", "127.0.0.1"),
            database_url=env.get("DATABASE_URL") or None,
            app_url=env.get("APP_URL") or env.get("WEBSITE_URL") or "http://localhost:3000",
            clerk_issuer=(env.get("CLERK_ISSUER") or "").rstrip("/") or None,
            clerk_jwks_url=env.get("CLERK_JWKS_URL") or None,
            clerk_authorized_parties=frozenset(p.strip() for p in parties.split(",") if p.strip()),
            clerk_secret_key=env.get("CLERK_SECRET_KEY") or None,
            clerk_api_url=env.get("CLERK_API_URL") or "https://api.clerk.com",
            e2e_auth_bypass=_flag(env.get("E2E_AUTH_BYPASS")),
            dev_secret=env.get("MWF_DEV_TOKEN_SECRET") or None,
            dev_secret_path=Path(env.get("MWF_DEV_TOKEN_SECRET_FILE", ".mwf/dev-token-secret")),
            mock_llm=_flag(env.get("MOCK_LLM")),
            e2e_fixture_id=env.get("E2E_FIXTURE_ID") or None,
            e2e_fixtures_dir=Path(env["E2E_FIXTURES_DIR"]) if env.get("E2E_FIXTURES_DIR") else None,
            aws_region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
            aws_credentials=any(env.get(name) for name in _AWS_CREDENTIAL_VARIABLES),
            bedrock_endpoint_url=env.get("AWS_ENDPOINT_URL_BEDROCK_RUNTIME") or None,
            bedrock_sonnet_model_id=env.get("BEDROCK_SONNET_MODEL_ID") or DEFAULT_SONNET,
            bedrock_haiku_model_id=env.get("BEDROCK_HAIKU_MODEL_ID") or DEFAULT_HAIKU,
            # Prompts hold people's private words: stored only when asked for explicitly.
            log_prompts=_flag(env.get("MWF_LOG_PROMPTS"))
            and not _flag(env.get("DISABLE_PROMPT_LOGGING")),
            ably_api_key=env.get("ABLY_API_KEY") or None,
            ably_rest_host=env.get("ABLY_REST_HOST") or None,
            ably_rest_port=_port(env, "ABLY_REST_PORT", 0) or None,
            ably_tls=_flag_default(env, "ABLY_TLS", True),
            ssl_cert_file=env.get("SSL_CERT_FILE") or None,
            resend_api_key=env.get("RESEND_API_KEY") or None,
            from_email=env.get("FROM_EMAIL") or "onboarding@resend.dev",
            resend_api_url=(env.get("RESEND_API_URL") or "https://api.resend.com").rstrip("/"),
            invitation_emails_per_day=int(
                _number(env, "MWF_INVITATION_EMAILS_PER_DAY", 20, minimum=1)
            ),
            expo_access_token=env.get("EXPO_ACCESS_TOKEN") or None,
            expo_push_host=(env.get("EXPO_PUSH_HOST") or "").rstrip("/") or None,
            field_encryption_key=env.get("FIELD_ENCRYPTION_KEY") or None,
            field_encryption_old_keys=tuple(
                k.strip() for k in env.get("FIELD_ENCRYPTION_OLD_KEYS", "").split(",") if k.strip()
            ),
            require_field_encryption=_flag(env.get("REQUIRE_FIELD_ENCRYPTION")),
            mwf_dispatcher=_flag_default(env, "MWF_DISPATCHER", True),
            mwf_outbox_max_age_hours=_number(env, "MWF_OUTBOX_MAX_AGE_HOURS", 24.0, minimum=0.0),
            mwf_outbox_backoff_base_ms=int(
                _number(env, "MWF_OUTBOX_BACKOFF_BASE_MS", 1000, minimum=1)
            ),
            mwf_outbox_backoff_max_ms=int(
                _number(env, "MWF_OUTBOX_BACKOFF_MAX_MS", 300_000, minimum=1)
            ),
            mwf_outbox_lease_seconds=_number(env, "MWF_OUTBOX_LEASE_SECONDS", 15.0, minimum=0.1),
            mwf_outbox_sweep_seconds=_number(env, "MWF_OUTBOX_SWEEP_SECONDS", 2.0, minimum=0.01),
            mwf_outbox_retention_days=_retention_days(env),
            mwf_stream_poll_seconds=_number(env, "MWF_STREAM_POLL_SECONDS", 5.0, minimum=0.01),
        )
