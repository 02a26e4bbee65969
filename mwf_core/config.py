"""Settings from the environment, with the original app's variable names where they exist."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 0 <= int(raw) <= 65535:
        raise ValueError(f"{name} must be a port number, got {raw!r}")
    return int(raw)


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
    e2e_auth_bypass: bool = False
    dev_secret: str | None = None
    dev_secret_path: Path = Path(".mwf/dev-token-secret")
    max_body_bytes: int = 100 * 1024

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
            e2e_auth_bypass=_flag(env.get("E2E_AUTH_BYPASS")),
            dev_secret=env.get("MWF_DEV_TOKEN_SECRET") or None,
            dev_secret_path=Path(env.get("MWF_DEV_TOKEN_SECRET_FILE", ".mwf/dev-token-secret")),
        )
