"""Token verifiers: Clerk in production, local HS256 tokens and the E2E bypass elsewhere."""

from mwf_core.adapters.auth.clerk import ClerkTokenVerifier, bearer_token
from mwf_core.adapters.auth.dev_tokens import (
    DEV_ISSUER,
    DevTokenVerifier,
    load_or_create_dev_secret,
    mint_dev_token,
)
from mwf_core.adapters.auth.e2e_bypass import E2EBypassVerifier

__all__ = [
    "DEV_ISSUER",
    "ClerkTokenVerifier",
    "DevTokenVerifier",
    "E2EBypassVerifier",
    "bearer_token",
    "load_or_create_dev_secret",
    "mint_dev_token",
]
