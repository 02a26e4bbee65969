"""Builds the Ably adapters from settings; None when ABLY_API_KEY is unset."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ably import AblyRest

from mwf_core.config import ConfigurationError, Settings

from .presence import AblyPresence
from .sink import AblySink
from .tokens import AblyTokenIssuer

log = logging.getLogger(__name__)

# Each request is bounded well inside the dispatcher's 10 s per-row budget.
OPEN_TIMEOUT_S = 4
REQUEST_TIMEOUT_S = 8


@dataclass
class AblyBundle:
    client: AblyRest
    sink: AblySink
    presence: AblyPresence
    tokens: AblyTokenIssuer

    async def close(self) -> None:
        await self.client.close()


def make_client(
    key: str,
    rest_host: str | None = None,
    port: int | None = None,
    tls: bool = True,
) -> AblyRest:
    """One AblyRest for the process. Retries are the dispatcher's job, so the SDK makes one
    attempt per call (a custom host has no fallback hosts anyway). JSON, not msgpack, so what
    goes on the wire is readable in logs and fakes."""
    options: dict[str, object] = {
        "tls": tls,
        "use_binary_protocol": False,
        # The count of hosts tried, the main one included: 0 would try none and publish()
        # would fail with an AttributeError. 1 = one attempt.
        "http_max_retry_count": 1,
        "http_open_timeout": OPEN_TIMEOUT_S,
        "http_request_timeout": REQUEST_TIMEOUT_S,
    }
    if rest_host:
        options["rest_host"] = rest_host
    if port:
        options["tls_port" if tls else "port"] = port
    return AblyRest(key=key, **options)


def build_ably(s: Settings) -> AblyBundle | None:
    """Refuses ABLY_TLS=false at startup: the SDK will not send the key (Basic auth) over plain
    HTTP (Ably error 40103), so every publish would fail and every presence check would read
    "absent" - pushes to people who have the session open - for as long as the process ran."""
    if not s.ably_api_key:
        log.info("ABLY_API_KEY unset: realtime events are not published to Ably")
        return None
    if not s.ably_tls:
        raise ConfigurationError(
            "ABLY_TLS=false cannot be used with ABLY_API_KEY: Ably refuses key auth over plain "
            "HTTP (error 40103). Remove ABLY_TLS, or serve the endpoint over TLS and trust its "
            "certificate through SSL_CERT_FILE"
        )
    client = make_client(s.ably_api_key, s.ably_rest_host, s.ably_rest_port, s.ably_tls)
    return AblyBundle(client, AblySink(client), AblyPresence(client), AblyTokenIssuer(client))
