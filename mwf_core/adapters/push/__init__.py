"""Push notifications through Expo (exponent-server-sdk): planner, sink, receipts."""

from .factory import AnyPresence, PushBundle, build_push
from .planner import RulePushPlanner, push_row_id

__all__ = ["AnyPresence", "PushBundle", "RulePushPlanner", "build_push", "push_row_id"]
