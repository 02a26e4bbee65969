"""Production refuses to start without a public APP_URL: invitation links and emails would
otherwise point invitees at localhost."""

from __future__ import annotations

import pytest

from mwf_core.bootstrap import build_container
from mwf_core.config import Settings
from mwf_core.wiring_adapters import check_app_url

CLERK = {"MWF_ENV": "production", "CLERK_ISSUER": "https://clerk.example.test"}


async def test_production_without_app_url_refuses_to_start() -> None:
    settings = Settings.from_env(CLERK)  # APP_URL unset: the localhost default
    with pytest.raises(RuntimeError, match="APP_URL") as refused:
        await build_container(settings)
    assert "http://localhost:3000" in str(refused.value)


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:3000",
        "https://LOCALHOST",
        "http://127.0.0.1:8080",
        "http://[::1]:3000",
        "http://0.0.0.0",
        "https://app.localhost",
        "meetwithoutfear.com",  # no scheme: not a link a mail client opens
        "ftp://meetwithoutfear.com",
    ],
)
def test_production_refuses_a_local_or_unusable_app_url(url: str) -> None:
    with pytest.raises(RuntimeError, match="APP_URL"):
        check_app_url(Settings.from_env({**CLERK, "APP_URL": url}))


@pytest.mark.parametrize("url", ["https://meetwithoutfear.com", "https://app.example.test/"])
def test_production_accepts_a_public_app_url(url: str) -> None:
    check_app_url(Settings.from_env({**CLERK, "APP_URL": url}))


def test_development_keeps_the_localhost_default() -> None:
    check_app_url(Settings.from_env({}))
