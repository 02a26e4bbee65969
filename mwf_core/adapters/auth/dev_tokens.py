"""Local HS256 tokens for development, so the app runs without a Clerk account."""

from __future__ import annotations

import base64
import contextlib
import os
import pathlib
import secrets
import tempfile
import time
from typing import Any

import jwt

from mwf_core.adapters.auth.clerk import bearer_token
from mwf_core.domain.errors import Unauthorized
from mwf_core.ports.auth import Identity

DEV_ISSUER = "mwf-dev"
_ALGORITHMS = ["HS256"]
# PyJWT's recommended minimum for HS256 (the digest size); the generated secret is 43 chars.
_MIN_SECRET_CHARS = 32


def _checked_secret(secret: str) -> str:
    if len(secret) < _MIN_SECRET_CHARS:
        raise ValueError(f"The dev token secret must be at least {_MIN_SECRET_CHARS} characters")
    return secret


def mint_dev_token(
    secret: str,
    user_id: str,
    email: str | None = None,
    name: str | None = None,
    ttl_seconds: int = 30 * 24 * 3600,
) -> str:
    """A token that `DevTokenVerifier(secret, ...)` accepts as `user_id` until it expires."""
    if not user_id:
        raise ValueError("user_id must not be empty")
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": DEV_ISSUER,
        "sub": user_id,
        "iat": now,
        "exp": now + ttl_seconds,
    }
    if email is not None:
        claims["email"] = email
    if name is not None:
        claims["name"] = name
    return jwt.encode(claims, _checked_secret(secret), algorithm="HS256")


class DevTokenVerifier:
    """Accepts tokens from `mint_dev_token`; implements the `TokenVerifier` port."""

    def __init__(self, secret: str, environment: str) -> None:
        # The composition root should never wire this in production; this is the backstop,
        # because anyone holding the secret file could otherwise mint any user's identity.
        if environment.strip().lower() == "production":
            raise RuntimeError("Dev tokens are refused in production; configure Clerk instead")
        self._secret = _checked_secret(secret)

    async def verify(self, credentials: dict[str, str]) -> Identity:
        token = bearer_token(credentials)
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=_ALGORITHMS,
                issuer=DEV_ISSUER,
                options={"require": ["exp", "iat", "sub", "iss"], "verify_aud": False},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("Dev token has expired") from None
        except jwt.InvalidAlgorithmError:
            raise Unauthorized("Dev token algorithm is not allowed") from None
        except jwt.InvalidSignatureError:
            raise Unauthorized("Dev token signature is invalid") from None
        except jwt.InvalidIssuerError:
            raise Unauthorized("Token is not a dev token") from None
        except jwt.PyJWTError:
            raise Unauthorized("Invalid dev token") from None
        subject = claims["sub"]
        if not subject.strip():
            raise Unauthorized("Dev token has an empty subject")
        email = claims.get("email")
        name = claims.get("name")
        return Identity(
            subject=subject,
            email=email if isinstance(email, str) else None,
            name=name if isinstance(name, str) else None,
        )


def load_or_create_dev_secret(path: pathlib.Path) -> str:
    """The secret stored at `path`, created (mode 0600) on first use.

    `mwf serve` and `mwf token USER_ID` both call this, so they agree without configuration.
    """
    path = pathlib.Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        _create_secret_file(path)
    secret = path.read_text(encoding="utf-8").strip()
    if not secret:
        raise RuntimeError(f"Dev token secret file {path} is empty; delete it to regenerate")
    return secret


def _create_secret_file(path: pathlib.Path) -> None:
    secret = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii").rstrip("=")
    # Written to a private temp file, then hard-linked into place: the link fails if the file
    # exists, so two processes starting together both end up reading the same (complete)
    # secret instead of one overwriting the other or reading a half-written file.
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as tmp:
            tmp.write(secret + "\n")
        with contextlib.suppress(FileExistsError):
            os.link(tmp_name, path)
    finally:
        os.unlink(tmp_name)
