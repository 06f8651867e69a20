"""Counting a streamed answer with the model's tokenizer, at checkpoints: ``Progress`` events.

A cost limit is a promise, and four characters a token breaks it: digits between spaces,
CJK or emoji run at one token a character or more. So the provider counts what streamed with
litellm's token counter (where litellm runs: this process or the warm worker) each time
``every`` characters of new text have arrived, never per chunk, and only the new text, cut
before its last whitespace (where no tokenizer joins two tokens, so the pieces add up to the
count of the whole; text without whitespace, CJK say, is cut anywhere and errs high, never
low). Whoever reads the events (the cost guard) takes what follows the counted bytes at its
upper bound, a token a UTF-8 byte.
"""

from __future__ import annotations

from typing import Any

from appam_cli.providers.events import Progress

COUNT_EVERY = 160  # characters of new text (answer and reasoning) between two counts, by default


def utf8_bytes(text: str) -> int:
    """The most tokens ``text`` can be for a byte-level tokenizer (each token is a byte or more)."""
    return len(text.encode("utf-8", "surrogatepass"))


class _Part:
    """The count of one part of the answer (its text, or its reasoning)."""

    def __init__(self) -> None:
        self.tokens = 0
        self.bytes = 0
        self.pending: list[str] = []

    def count(self, tally: TokenTally) -> int:
        """Count the pending text up to its last whitespace; how many characters are left pending."""
        if not self.pending:
            return 0
        text = "".join(self.pending)
        cut = max(text.rfind(" "), text.rfind("\n"))
        if cut <= 0:
            cut = len(text)
        done, rest = text[:cut], text[cut:]
        self.tokens += tally.tokens(done)
        self.bytes += utf8_bytes(done)
        self.pending = [rest] if rest else []
        return len(rest)


class TokenTally:
    """The running token count of one answer; ``add`` returns a Progress at each checkpoint."""

    def __init__(self, litellm: Any, model: str, every: int | None = None) -> None:
        self.litellm = litellm
        self.model = model
        self.every = max(1, every or COUNT_EVERY)  # a cost guard close to its limit asks for finer counts
        self.text = _Part()
        self.reasoning = _Part()
        self._pending = 0  # characters not counted yet

    def add(self, text: str, *, reasoning: bool = False) -> Progress | None:
        (self.reasoning if reasoning else self.text).pending.append(text)
        self._pending += len(text)
        return self.count() if self._pending >= self.every else None

    def count(self) -> Progress:
        """Count what arrived since the last checkpoint; the totals so far."""
        self._pending = self.text.count(self) + self.reasoning.count(self)
        return Progress(
            output_tokens=self.text.tokens + self.reasoning.tokens,
            reasoning_tokens=self.reasoning.tokens,
            text_bytes=self.text.bytes,
            reasoning_bytes=self.reasoning.bytes,
        )

    def tokens(self, text: str) -> int:
        try:
            return int(self.litellm.token_counter(model=self.model, text=text))
        except Exception:  # no tokenizer for it: the upper bound
            return utf8_bytes(text)
