"""`build_push`: the Expo sink and receipt poller, or a logging sink without configuration."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from piccolo.engine.base import Engine

from mwf_core.adapters.outbox.config import DispatcherConfig
from mwf_core.config import Settings
from mwf_core.ports.delivery import EventSink, PresenceChecker

from .directory import PushDirectory
from .expo_sink import ExpoPushSink, LogPushSink
from .planner import RulePushPlanner
from .receipts import NoReceipts, ReceiptPoller
from .transport import ExpoTransport

log = logging.getLogger("mwf")


class AnyPresence:
    """`PresenceChecker`: present if any source says so (Ably presence, an open event
    stream); a source that fails or is missing counts as "not here". The composition root
    builds the one the push sink asks."""

    def __init__(self, *checkers: PresenceChecker | None) -> None:
        self._checkers = [c for c in checkers if c is not None]

    async def is_present(self, session_id: str, user_id: str) -> bool:
        for checker in self._checkers:
            try:
                if await checker.is_present(session_id, user_id):
                    return True
            except Exception:
                log.debug("presence check failed", exc_info=True)
        return False


@dataclass(slots=True)
class PushBundle:
    sink: EventSink
    planner: RulePushPlanner
    receipts: Any  # ReceiptPoller or NoReceipts: start() (sync, on the running loop), stop()

    def start(self) -> None:
        self.receipts.start()

    async def close(self) -> None:
        await self.receipts.stop()
        await self.sink.close()


def build_push(s: Settings, engine: Engine, presence: PresenceChecker | None) -> PushBundle:
    planner = RulePushPlanner()
    if not (s.expo_access_token or s.expo_push_host):
        log.info(
            "push: Expo not configured (EXPO_ACCESS_TOKEN/EXPO_PUSH_HOST unset) - "
            "notifications are logged, not sent"
        )
        return PushBundle(LogPushSink(), planner, NoReceipts())
    directory = PushDirectory(engine)
    # A send thread per stream the dispatcher delivers at once: a push never waits for a thread.
    workers = DispatcherConfig.from_settings(s).max_streams
    transport = ExpoTransport(s.expo_push_host, s.expo_access_token, workers=workers)
    log.info(
        "push: Expo (%s%s)",
        s.expo_push_host or "https://exp.host",
        ", access token set" if s.expo_access_token else "",
    )
    return PushBundle(
        ExpoPushSink(transport, directory, presence), planner, ReceiptPoller(transport, directory)
    )
