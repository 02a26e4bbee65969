"""Clerk's Backend API as the profile directory: a new user's email and names.

Clerk session tokens carry only the user id by default, so on a user's first request the
original app asked Clerk for the profile (`GET /v1/users/{id}` with the secret key). Done once
per user (existing rows are never re-fetched), with a short timeout; any failure leaves the
profile empty rather than failing sign-in.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import aiohttp

from mwf_core.ports.auth import Identity

log = logging.getLogger("mwf.auth")

DEFAULT_API_URL = "https://api.clerk.com"


def _primary_email(user: dict[str, Any]) -> str | None:
    addresses = [a for a in user.get("email_addresses") or [] if isinstance(a, dict)]
    primary = user.get("primary_email_address_id")
    chosen = next((a for a in addresses if a.get("id") == primary), None) or (
        addresses[0] if addresses else None
    )
    email = chosen.get("email_address") if chosen else None
    return email if isinstance(email, str) and email else None


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


class ClerkProfileDirectory:
    def __init__(self, secret_key: str, api_url: str = DEFAULT_API_URL,
                 timeout_seconds: float = 5.0) -> None:
        if not secret_key:
            raise ValueError("CLERK_SECRET_KEY is required to look profiles up")
        self._secret = secret_key
        self._api_url = api_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)

    async def lookup(self, subject: str) -> Identity | None:
        url = f"{self._api_url}/v1/users/{quote(subject, safe='')}"
        headers = {"Authorization": f"Bearer {self._secret}", "Accept": "application/json"}
        try:
            async with aiohttp.ClientSession(timeout=self._timeout) as http, \
                    http.get(url, headers=headers) as response:
                if response.status != 200:
                    log.warning("Clerk profile lookup answered %s", response.status)
                    return None
                user = await response.json()
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            log.warning("Clerk profile lookup failed: %r", error)
            return None
        if not isinstance(user, dict):
            return None
        first, last = _text(user.get("first_name")), _text(user.get("last_name"))
        name = " ".join(part for part in (first, last) if part) or None
        return Identity(subject=subject, email=_primary_email(user), first_name=first,
                        last_name=last, name=name)
