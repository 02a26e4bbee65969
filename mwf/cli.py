"""The `mwf` command: serve, grpc, gateway, migrate, token."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys

from mwf_core.config import ConfigurationError, Settings

log = logging.getLogger("mwf")


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)


async def _serve(settings: Settings, *, with_grpc: bool, with_gateway: bool,
                 grpc_target: str | None) -> None:
    from rest_gateway.app import run_gateway

    stop = asyncio.Event()
    _stop_on_signals(stop)
    running = None
    container = None
    try:
        if with_grpc:
            from grpc_server.server import start_grpc_server
            from mwf_core.bootstrap import build_container

            container = await build_container(settings)
            running = await start_grpc_server(container, settings.host, settings.grpc_port)
            grpc_target = grpc_target or f"127.0.0.1:{running.port}"
        if with_gateway:
            assert grpc_target, "the gateway needs --grpc-target"
            await run_gateway(grpc_target, settings.host, settings.rest_port, stop,
                              max_body_bytes=settings.max_body_bytes)
        else:
            await stop.wait()
    finally:
        if running is not None:
            await running.stop()
        if container is not None:
            await container.close()


async def _migrate(settings: Settings) -> None:
    from mwf_core.adapters.db.engine import stop_engine
    from mwf_core.adapters.db.open import open_database

    engine = await open_database(settings, migrate=True)
    await stop_engine(engine)
    print("migrations applied")


def _token(settings: Settings, user_id: str, email: str | None, name: str | None) -> str:
    from mwf_core.adapters.auth import load_or_create_dev_secret, mint_dev_token

    if settings.production:
        raise SystemExit("dev tokens are refused in production")
    secret = settings.dev_secret or load_or_create_dev_secret(settings.dev_secret_path)
    return mint_dev_token(secret, user_id, email=email, name=name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mwf", description="Meet Without Fear backend")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="gRPC server and REST gateway in one process")
    commands.add_parser("grpc", help="the gRPC server alone")
    gateway = commands.add_parser("gateway", help="the REST gateway alone")
    gateway.add_argument("--grpc-target", required=True, help="HOST:PORT of the gRPC server")
    commands.add_parser("migrate", help="apply database migrations to DATABASE_URL")
    token = commands.add_parser("token", help="print a dev token for USER_ID")
    token.add_argument("user_id")
    token.add_argument("--email")
    token.add_argument("--name")
    reencrypt = commands.add_parser(
        "reencrypt", help="rewrite encrypted fields under FIELD_ENCRYPTION_KEY (key rotation)")
    reencrypt.add_argument("--batch-size", type=int, default=500, help="rows per transaction")
    outbox = commands.add_parser("outbox", help="outbox delivery: dead letters, retries, a worker")
    outbox_actions = outbox.add_subparsers(dest="outbox_action", required=True)
    dead = outbox_actions.add_parser("dead", help="list rows that will not be delivered")
    dead.add_argument("--limit", type=int, default=100)
    retry = outbox_actions.add_parser(
        "retry", help="put DEAD rows back to PENDING (they keep their seq)",
        description="Put DEAD rows back to PENDING; they keep their seq, so clients ordering "
        "by seq place them right. A row older than rows of its stream already delivered would "
        "reach Ably, push or email after them: then nothing changes unless --force is given.")
    retry.add_argument("ids", nargs="*", metavar="ID")
    retry.add_argument("--all-dead", action="store_true", help="every DEAD row")
    retry.add_argument("--force", action="store_true",
                       help="retry even rows that would arrive after later rows of their stream")
    outbox_actions.add_parser("status", help="row counts per status")
    outbox_actions.add_parser("run", help="a delivery-only process (sequence and deliver)")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        settings = Settings.from_env()
    except ValueError as error:
        print(f"mwf: {error}", file=sys.stderr)
        return 2
    try:
        return _run(args, settings)
    except ConfigurationError as error:
        # An operator's mistake (a malformed or wrong key, a setting production refuses): one
        # line saying what to do, not a traceback. The messages never contain a secret.
        print(f"mwf {args.command}: {error}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "token":
        print(_token(settings, args.user_id, args.email, args.name))
        return 0
    if args.command == "migrate":
        asyncio.run(_migrate(settings))
        return 0
    if args.command == "outbox":
        from mwf_core.adapters.outbox.commands import outbox_command

        return asyncio.run(outbox_command(settings, args.outbox_action,
                                          getattr(args, "ids", ()),
                                          all_dead=getattr(args, "all_dead", False),
                                          limit=getattr(args, "limit", 100),
                                          force=getattr(args, "force", False)))
    if args.command == "reencrypt":
        from mwf_core.adapters.crypto.reencrypt import reencrypt_command

        return asyncio.run(reencrypt_command(settings, max(args.batch_size, 1)))
    asyncio.run(
        _serve(
            settings,
            with_grpc=args.command in ("serve", "grpc"),
            with_gateway=args.command in ("serve", "gateway"),
            grpc_target=getattr(args, "grpc_target", None),
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
