"""Ably REST: publishing outbox rows, reading presence, signing token requests for clients."""

from .factory import AblyBundle, build_ably
from .names import ably_channel, presence_channel

__all__ = ["AblyBundle", "ably_channel", "build_ably", "presence_channel"]
