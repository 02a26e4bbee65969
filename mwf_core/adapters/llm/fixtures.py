"""Scripted model answers for end-to-end tests (`MOCK_LLM=true`).

The fixture is chosen per request by `hints["fixture_id"]` (the `X-E2E-Fixture-ID` header),
falling back to the constructor's `default_fixture_id` (the `E2E_FIXTURE_ID` env var). A fixture
is a JSON document, registered in code (`fixtures=` / `register`) or read from
`<directory>/<id>.json` (ids: letters, digits, `_ . -`; code registrations win):

    {
      "initial": "Hi! What brings you here?",
      "responses": [
        "Plain reply for turn 0",
        {"text": "Reply for turn 1 <thinking>FeelHeardCheck: Y</thinking>",
         "state": {"offerFeelHeardCheck": true}},
        {"chunks": ["Split <thin", "king>x</thinking> reply"], "state": {}}
      ],
      "operations": {"summary": {"text": "...", "keyThemes": []},
                     "notable_facts": {"facts": []},
                     "reconciler": {"response": {"alignment": {"score": 90}}}},
      "errors": [2, {"turn": 3, "callType": "state_capture"},
                 {"turn": 4, "afterChunks": 2, "times": 1, "message": "boom"}]
    }

A bare JSON list is accepted as `responses` alone (the original's "flat array" fixtures).

Turn rule: the turn index is 0-based and counts the `mediator_reply` calls that user has
completed in that session under that fixture, over all stages — the key is
(fixture id, `session_id`, `user_id`). The state-capture call of a turn (`call_type`
"state_capture", or any request forcing `update_session_state`) reads the index its reply will
use and answers `ToolCall("update_session_state", responses[i].state or {})`. A reply that fails
or is cancelled does not use up its index, so a retry gets the same response. Past the end of
the list the last response is repeated. `reset()` starts all counts again.

Other calls: `initial_message` answers `initial` (or `operations["initial_message"]`); any
other `call_type` answers `operations[call_type]` (`-` and `_` are interchangeable): a string is
the text, anything else is sent as JSON text (or as the tool input when the request forces a
tool); `{"response": X}` alone answers X. A missing operation raises
LlmError(retryable=False, code "fixture_missing_operation") so callers use their fallbacks.

Errors: an int N, or `{"turn": N?, "callType": "mediator_reply"?, "times": 1?,
"afterChunks": 0?, "message"?, "code": "fixture_error"?, "retryable": true?}`. The matching call
(no turn: any turn) raises LlmError(retryable=True) — for a stream after `afterChunks` chunks —
the first `times` times only, so the retry succeeds.

Unknown fixture, or none selected: LlmError(retryable=False, code "fixture_not_found"). A file
that is not a valid fixture: LlmError(retryable=False, code "fixture_invalid").
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mwf_core.ports.llm import (
    LlmError,
    LlmRequest,
    LlmResult,
    ModelRole,
    StreamFinished,
    StreamItem,
    TextDelta,
    ToolCall,
)

from .offline import STATE_TOOL, estimate_usage, split_chunks

REPLY_CALL = "mediator_reply"
STATE_CALL = "state_capture"
_VALID_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


@dataclass(frozen=True, slots=True)
class FixtureResponse:
    chunks: tuple[str, ...]
    state: dict[str, Any] | None = None

    @property
    def text(self) -> str:
        return "".join(self.chunks)


@dataclass(frozen=True, slots=True)
class FixtureError:
    turn: int | None
    call_type: str = REPLY_CALL
    times: int = 1
    after_chunks: int = 0
    message: str = "scripted fixture failure"
    code: str = "fixture_error"
    retryable: bool = True


@dataclass(frozen=True, slots=True)
class Fixture:
    fixture_id: str
    responses: tuple[FixtureResponse, ...] = ()
    operations: Mapping[str, Any] | None = None
    errors: tuple[FixtureError, ...] = ()
    initial: str | None = None


def _response(item: Any) -> FixtureResponse:
    if isinstance(item, str):
        return FixtureResponse(tuple(split_chunks(item)))
    if not isinstance(item, dict):
        raise ValueError("each response must be a string or an object")
    state = item.get("state")
    if state is not None and not isinstance(state, dict):
        raise ValueError("a response's state must be an object")
    chunks = item.get("chunks")
    if chunks is not None:
        if not isinstance(chunks, list) or not all(isinstance(c, str) for c in chunks):
            raise ValueError("a response's chunks must be a list of strings")
        return FixtureResponse(tuple(chunks), state)
    text = item.get("text", "")
    if not isinstance(text, str):
        raise ValueError("a response's text must be a string")
    return FixtureResponse(tuple(split_chunks(text)), state)


def _error(item: Any) -> FixtureError:
    if isinstance(item, int) and not isinstance(item, bool):
        return FixtureError(turn=item)
    if not isinstance(item, dict):
        raise ValueError("each error must be a turn number or an object")
    turn = item.get("turn")
    if turn is not None and (not isinstance(turn, int) or isinstance(turn, bool)):
        raise ValueError("an error's turn must be an integer")
    return FixtureError(
        turn=turn,
        call_type=str(item.get("callType") or item.get("call_type") or REPLY_CALL),
        times=int(item.get("times", 1)),
        after_chunks=int(item.get("afterChunks", item.get("after_chunks", 0))),
        message=str(item.get("message") or "scripted fixture failure"),
        code=str(item.get("code") or "fixture_error"),
        retryable=bool(item.get("retryable", True)),
    )


def parse_fixture(fixture_id: str, document: Any) -> Fixture:
    """A fixture from its JSON document (see the module docstring); ValueError when invalid."""
    if isinstance(document, list):
        document = {"responses": document}
    if not isinstance(document, dict):
        raise ValueError("a fixture must be a JSON object or a list of responses")
    responses = document.get("responses", [])
    operations = document.get("operations", {})
    errors = document.get("errors", [])
    initial = document.get("initial")
    if not isinstance(responses, list):
        raise ValueError("responses must be a list")
    if not isinstance(operations, dict):
        raise ValueError("operations must be an object keyed by call type")
    if not isinstance(errors, list):
        raise ValueError("errors must be a list")
    if initial is not None and not isinstance(initial, str):
        raise ValueError("initial must be a string")
    return Fixture(fixture_id, tuple(_response(r) for r in responses), dict(operations),
                   tuple(_error(e) for e in errors), initial)


class FixtureLanguageModel:
    """A `LanguageModel` that plays back fixtures: see the module docstring."""

    def __init__(
        self,
        directory: str | Path | None = None,
        *,
        fixtures: Mapping[str, Any] | None = None,
        default_fixture_id: str = "",
    ) -> None:
        self._directory = Path(directory) if directory else None
        self._default = default_fixture_id.strip()
        self._lock = threading.Lock()
        self._registered: dict[str, Fixture] = {}
        self._loaded: dict[str, Fixture] = {}
        self._counts: dict[tuple[str, str, str], int] = {}
        self._fired: dict[tuple[str, str, str, int], int] = {}
        for fixture_id, document in (fixtures or {}).items():
            self.register(fixture_id, document)

    def register(self, fixture_id: str, document: Any) -> None:
        """Add or replace a fixture in code (ValueError when the document is invalid)."""
        fixture = parse_fixture(fixture_id, document)
        with self._lock:
            self._registered[fixture_id] = fixture

    def reset(self) -> None:
        """Forget turn counts, fired errors and cached files (registered fixtures stay)."""
        with self._lock:
            self._counts.clear()
            self._fired.clear()
            self._loaded.clear()

    def turn_index(self, fixture_id: str, session_id: str | None, user_id: str | None) -> int:
        """The index the next reply of this user in this session will use."""
        with self._lock:
            return self._counts.get((fixture_id, session_id or "", user_id or ""), 0)

    def model_id(self, role: ModelRole) -> str:
        return f"fixture:{self._default}" if self._default else "fixture"

    async def complete(self, request: LlmRequest) -> LlmResult:
        fixture = self.fixture_for(request)
        if not _is_reply(request):
            return self._answer(fixture, request)
        key = _key(fixture, request)
        index = self._reserve(key)
        try:
            response = _pick(fixture, index)
            error = self._take_error(fixture, key, REPLY_CALL, index)
            if error is not None:
                raise _llm_error(error)
        except BaseException:
            self._release(key, index)
            raise
        return self._result(fixture, request, response.text)

    async def stream(self, request: LlmRequest) -> AsyncIterator[StreamItem]:
        fixture = self.fixture_for(request)
        if not _is_reply(request):
            result = self._answer(fixture, request)
            for chunk in split_chunks(result.text):
                yield TextDelta(chunk)
            yield StreamFinished(result)
            return
        key = _key(fixture, request)
        index = self._reserve(key)
        done = False
        try:
            response = _pick(fixture, index)
            error = self._take_error(fixture, key, REPLY_CALL, index)
            for number, chunk in enumerate(response.chunks):
                if error is not None and number >= error.after_chunks:
                    raise _llm_error(error)
                yield TextDelta(chunk)
                await asyncio.sleep(0)
            if error is not None:
                raise _llm_error(error)
            done = True
            yield StreamFinished(self._result(fixture, request, response.text))
        finally:
            if not done:
                self._release(key, index)

    # -- fixtures -------------------------------------------------------------------------

    def fixture_for(self, request: LlmRequest) -> Fixture:
        fixture_id = str((request.hints or {}).get("fixture_id") or self._default).strip()
        if not fixture_id:
            raise LlmError("no E2E fixture selected: send the X-E2E-Fixture-ID header or set "
                           "E2E_FIXTURE_ID", retryable=False, code="fixture_not_found")
        with self._lock:
            found = self._registered.get(fixture_id) or self._loaded.get(fixture_id)
        if found is not None:
            return found
        fixture = self._load(fixture_id)
        with self._lock:
            self._loaded.setdefault(fixture_id, fixture)
        return fixture

    def _load(self, fixture_id: str) -> Fixture:
        path = (self._directory / f"{fixture_id}.json") if self._directory else None
        if path is None or not _VALID_ID.match(fixture_id) or not path.is_file():
            where = f" in {self._directory}" if self._directory else ""
            raise LlmError(f"unknown E2E fixture {fixture_id!r}: no such fixture registered"
                           f"{where}", retryable=False, code="fixture_not_found")
        try:
            return parse_fixture(fixture_id, json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as error:
            raise LlmError(f"E2E fixture {fixture_id!r} is invalid: {error}", retryable=False,
                           code="fixture_invalid") from error

    # -- turn counting (thread- and task-safe) --------------------------------------------

    def _reserve(self, key: tuple[str, str, str]) -> int:
        with self._lock:
            index = self._counts.get(key, 0)
            self._counts[key] = index + 1
            return index

    def _release(self, key: tuple[str, str, str], index: int) -> None:
        """Give a failed or cancelled reply's index back (unless a later reply took one)."""
        with self._lock:
            if self._counts.get(key) == index + 1:
                self._counts[key] = index

    def _take_error(self, fixture: Fixture, key: tuple[str, str, str], call_type: str,
                    index: int | None) -> FixtureError | None:
        with self._lock:
            for number, error in enumerate(fixture.errors):
                if _norm(error.call_type) != _norm(call_type):
                    continue
                if error.turn is not None and error.turn != index:
                    continue
                fired_key = (*key, number)
                if self._fired.get(fired_key, 0) < error.times:
                    self._fired[fired_key] = self._fired.get(fired_key, 0) + 1
                    return error
        return None

    # -- answers --------------------------------------------------------------------------

    def _answer(self, fixture: Fixture, request: LlmRequest) -> LlmResult:
        key = _key(fixture, request)
        index = self.turn_index(*key)
        call_type = STATE_CALL if _is_state_capture(request) else request.call_type
        error = self._take_error(fixture, key, call_type, index)
        if error is not None:
            raise _llm_error(error)
        if call_type == STATE_CALL:
            state = _pick(fixture, index).state if fixture.responses else None
            return self._tool(fixture, request, request.force_tool or STATE_TOOL, state or {})
        if request.call_type == "initial_message" and fixture.initial is not None:
            return self._result(fixture, request, fixture.initial)
        value = _operation(fixture, request.call_type)
        if request.force_tool:
            tool_input = value if isinstance(value, dict) else {"value": value}
            return self._tool(fixture, request, request.force_tool, tool_input)
        text = value if isinstance(value, str) else json.dumps(value)
        return self._result(fixture, request, text)

    @staticmethod
    def _result(fixture: Fixture, request: LlmRequest, text: str) -> LlmResult:
        return LlmResult(text=text, model_id=f"fixture:{fixture.fixture_id}",
                         usage=estimate_usage(request, text))

    @staticmethod
    def _tool(fixture: Fixture, request: LlmRequest, name: str,
              tool_input: dict[str, Any]) -> LlmResult:
        return LlmResult(text="", model_id=f"fixture:{fixture.fixture_id}",
                         usage=estimate_usage(request, json.dumps(tool_input)),
                         tool_calls=(ToolCall(name, dict(tool_input)),), stop_reason="tool_use")


def _norm(call_type: str) -> str:
    return call_type.strip().lower().replace("-", "_")


def _is_state_capture(request: LlmRequest) -> bool:
    return request.call_type == STATE_CALL or request.force_tool == STATE_TOOL


def _is_reply(request: LlmRequest) -> bool:
    return request.call_type == REPLY_CALL and not _is_state_capture(request)


def _key(fixture: Fixture, request: LlmRequest) -> tuple[str, str, str]:
    return fixture.fixture_id, request.session_id or "", request.user_id or ""


def _pick(fixture: Fixture, index: int) -> FixtureResponse:
    if not fixture.responses:
        raise LlmError(f"E2E fixture {fixture.fixture_id!r} has no responses",
                       retryable=False, code="fixture_no_response")
    return fixture.responses[min(index, len(fixture.responses) - 1)]


def _operation(fixture: Fixture, call_type: str) -> Any:
    operations = fixture.operations or {}
    wanted = _norm(call_type)
    for name, value in operations.items():
        if _norm(name) == wanted:
            if isinstance(value, dict) and set(value) == {"response"}:
                return value["response"]
            return value
    raise LlmError(f"E2E fixture {fixture.fixture_id!r} has no operation {call_type!r}",
                   retryable=False, code="fixture_missing_operation")


def _llm_error(error: FixtureError) -> LlmError:
    return LlmError(error.message, retryable=error.retryable, code=error.code)
