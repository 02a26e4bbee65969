"""Streaming filter for the visible reply: hides the model's private and structured blocks.

Feed the streamed text chunk by chunk; each `feed` returns the text that is safe to show now.
`finish()` returns the last visible text and every hidden block that was closed.

What is hidden (tag names are case-insensitive and may carry attributes):
- `<thinking>…</thinking>`: the model's private note. The prompt asks for it only at the start;
  a later one is hidden as well, since the person should never read the mediator's planning.
- `<draft>`, `<need>`, `<need-action>`, `<needs>`, `<stage4_proposals>`,
  `<stage4_walkthrough>`, `<dispatch>` blocks with their content (legacy micro-tags). Nested tags
  inside a hidden block are part of its content. Self-closing forms (`<draft/>`) and stray
  closing tags of these names are removed too.
- A block still open at `finish()` is dropped (its content is not captured).

Whitespace: leading whitespace of the visible reply is trimmed, and trailing whitespace is held
back until more visible text follows (so it is dropped at the end). The result never depends on
how the text was split into chunks: every decision looks only at the text, and a `<` that may
start one of these tags is held until the tag is complete or clearly something else ("a < b",
"<3" and unknown tags such as `<div>` pass through).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HIDDEN_TAGS: frozenset[str] = frozenset({
    "thinking", "draft", "need", "need-action", "needs", "stage4_proposals",
    "stage4_walkthrough", "dispatch",
})
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
_MAX_NAME = max(len(t) for t in HIDDEN_TAGS)
# Attributes longer than this without a closing ">" mean it was not one of our tags.
_MAX_ATTRS = 200

_WAIT, _NO, _OPEN, _CLOSE = "wait", "no", "open", "close"


@dataclass(frozen=True, slots=True)
class HiddenBlock:
    tag: str
    content: str


@dataclass(frozen=True, slots=True)
class FilterResult:
    """`tail` is the last visible text to send; `text` the whole visible reply."""

    tail: str
    text: str
    blocks: tuple[HiddenBlock, ...]

    def contents(self, tag: str) -> tuple[str, ...]:
        return tuple(b.content for b in self.blocks if b.tag == tag)

    @property
    def draft(self) -> str | None:
        """The last `<draft>` content, stripped (legacy topic frame or empathy statement)."""
        found = self.contents("draft")
        return found[-1].strip() if found else None

    @property
    def dispatch(self) -> str | None:
        """The last `<dispatch>` content, stripped (e.g. EXPLAIN_PROCESS, SAFETY_CONCERN)."""
        found = self.contents("dispatch")
        return found[-1].strip() if found else None


class ReplyFilter:
    """One instance per streamed reply. Not thread-safe; cheap to create."""

    def __init__(self) -> None:
        self._buf = ""
        self._inside: str | None = None  # the hidden tag we are in
        self._close: re.Pattern[str] | None = None
        self._started = False  # any visible non-whitespace emitted yet
        self._pending_ws = ""
        self._visible: list[str] = []
        self._blocks: list[HiddenBlock] = []
        self._finished = False

    def feed(self, chunk: str) -> str:
        """Add streamed text; return the visible text that is safe to show now (may be "")."""
        if self._finished:
            raise RuntimeError("feed() after finish()")
        self._buf += chunk
        return self._run(final=False)

    def finish(self) -> FilterResult:
        """End of stream: flush what is safe, drop an unclosed hidden block."""
        if self._finished:
            raise RuntimeError("finish() called twice")
        tail = self._run(final=True)
        self._finished = True
        self._buf = ""
        return FilterResult(tail, "".join(self._visible), tuple(self._blocks))

    def _run(self, *, final: bool) -> str:
        out: list[str] = []
        while self._buf:
            if self._inside is not None:
                assert self._close is not None
                m = self._close.search(self._buf)
                if m is None:
                    if final:  # unclosed block: dropped
                        self._buf = ""
                    break
                self._blocks.append(HiddenBlock(self._inside, self._buf[: m.start()]))
                self._buf = self._buf[m.end():]
                self._inside = self._close = None
                continue
            lt = self._buf.find("<")
            if lt < 0:
                out.append(self._emit(self._buf))
                self._buf = ""
                break
            if lt:
                out.append(self._emit(self._buf[:lt]))
                self._buf = self._buf[lt:]
            kind, name, end = _match_tag(self._buf, final)
            if kind == _WAIT:
                break
            if kind == _NO:
                out.append(self._emit("<"))
                self._buf = self._buf[1:]
                continue
            self._buf = self._buf[end:]
            if kind == _OPEN:
                self._inside = name
                self._close = re.compile(rf"</\s*{re.escape(name)}\s*>", re.IGNORECASE)
            # _CLOSE (a stray closing tag) and self-closing tags are simply removed.
        text = "".join(out)
        if text:
            self._visible.append(text)
        return text

    def _emit(self, text: str) -> str:
        if not self._started:
            text = text.lstrip()
            if not text:
                return ""
            self._started = True
        text = self._pending_ws + text
        visible = text.rstrip()
        self._pending_ws = text[len(visible):]
        return visible


def _match_tag(buf: str, final: bool) -> tuple[str, str, int]:
    """Classify the `<` at buf[0]: (_WAIT|_NO|_OPEN|_CLOSE, tag name, index after the tag).

    _OPEN with a self-closing tag is reported as _CLOSE (nothing to hide after it). _WAIT only
    when the buffer ends before the answer is known; with `final` that becomes _NO.
    """
    undecided = (_NO if final else _WAIT), "", 0
    j = 1
    closing = j < len(buf) and buf[j] == "/"
    if closing:
        j += 1
    k = j
    while k < len(buf) and buf[k] in _NAME_CHARS and k - j <= _MAX_NAME:
        k += 1
    name = buf[j:k].lower()
    if k == len(buf):
        if any(tag.startswith(name) for tag in HIDDEN_TAGS):
            return undecided
        return _NO, "", 0
    if name not in HIDDEN_TAGS:
        return _NO, "", 0
    if closing:
        m = k
        while m < len(buf) and buf[m] in " \t\r\n" and m - k <= _MAX_ATTRS:
            m += 1
        if m - k > _MAX_ATTRS:
            return _NO, "", 0
        if m == len(buf):
            return undecided
        return (_CLOSE, name, m + 1) if buf[m] == ">" else (_NO, "", 0)
    if buf[k] == ">":
        return _OPEN, name, k + 1
    if buf[k] not in " \t\r\n/":
        return _NO, "", 0
    m = k
    while m < len(buf) and m - k <= _MAX_ATTRS:
        if buf[m] == "<":
            return _NO, "", 0
        if buf[m] == ">":
            return (_CLOSE if buf[m - 1] == "/" else _OPEN), name, m + 1
        m += 1
    if m - k > _MAX_ATTRS:
        return _NO, "", 0
    return undecided


def filter_reply(text: str) -> FilterResult:
    """The whole reply at once (non-streamed answers, fixtures, tests)."""
    f = ReplyFilter()
    head = f.feed(text)
    result = f.finish()
    return FilterResult(head + result.tail, result.text, result.blocks)
