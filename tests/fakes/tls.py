"""Loopback fakes' plumbing: a throw-away TLS certificate, and a restartable faulty server.

Ably refuses key (Basic) auth over plain HTTP, so the Ably fake serves HTTPS with a certificate
for 127.0.0.1; the client trusts it through SSL_CERT_FILE (httpx reads it), which tests set
with monkeypatch so it never leaks into other tests.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class LoopbackCert:
    cert_path: Path
    key_path: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_path, self.key_path)
        return context


def make_loopback_cert(directory: Path) -> LoopbackCert:
    """A self-signed certificate valid for 127.0.0.1 and localhost (it is its own CA)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = directory / "loopback-cert.pem", directory / "loopback-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return LoopbackCert(cert_path, key_path)


class LoopbackServer:
    """An aiohttp app on 127.0.0.1 that keeps its port across `refuse()`/`resume()` and can be
    told to misbehave: answer an error status, hang, or refuse connections for a while.

    Subclasses implement `handle(request)` for the requests that get through. Every request,
    including the failed ones, is recorded by the subclass.
    """

    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self._ssl = ssl_context
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._fail: list[tuple[int, dict[str, Any], dict[str, str]]] = []
        self._hang = 0
        self._hung: asyncio.Event = asyncio.Event()
        self.hung_requests = 0

    @property
    def url(self) -> str:
        scheme = "https" if self._ssl else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    # ---- fault injection ----
    def fail_next(self, count: int, status: int = 503, body: dict[str, Any] | None = None,
                  headers: dict[str, str] | None = None) -> None:
        """The next `count` requests answer `status` with `body` (after being recorded)."""
        self._fail.extend([(status, body or {}, headers or {})] * count)

    def hang_next(self, count: int) -> None:
        """The next `count` requests never answer (until `release_hung()` or `stop()`)."""
        self._hang += count

    def release_hung(self) -> None:
        self._hung.set()
        self._hung = asyncio.Event()

    async def refuse(self) -> None:
        """Close the port (and every open connection): clients get 'connection refused'."""
        if self._runner is not None:
            self.release_hung()
            await self._runner.cleanup()
            self._runner = None

    async def resume(self) -> None:
        """Listen again on the same port."""
        await self._listen(self.port)

    # ---- lifecycle ----
    async def start(self) -> None:
        await self._listen(0)

    async def stop(self) -> None:
        await self.refuse()

    async def _listen(self, port: int) -> None:
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        runner = web.AppRunner(app, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", port, ssl_context=self._ssl)
        await site.start()
        self._runner = runner
        self.port = runner.addresses[0][1]

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.record(request, body)
        if self._hang > 0:
            self._hang -= 1
            self.hung_requests += 1
            await self._hung.wait()
            raise web.HTTPServiceUnavailable()
        if self._fail:
            status, payload, headers = self._fail.pop(0)
            return web.json_response(payload, status=status, headers=headers)
        return await self.handle(request, body)

    def record(self, request: web.Request, body: bytes) -> None:
        raise NotImplementedError

    async def handle(self, request: web.Request, body: bytes) -> web.StreamResponse:
        raise NotImplementedError
