"""What authentication remembers of the accounts it saw lately, so that a request pays no
query for its token: each account's TokenStanding (its role, whether it is active, from when
its tokens work), read again after a while, and forgotten at once when a revocation is heard
from any server process (the event bus brings TokensRevoked to every one)."""

import time
from uuid import UUID

from domain.events import LiveMessage, StatesRequested
from domain.users import TokensRevoked, TokenStanding


class KnownAccounts:
    """Bounded: the oldest are forgotten first. An account is read again `ttl_seconds` after
    it was remembered, in case a revocation was not heard."""

    def __init__(self, ttl_seconds: float = 60, capacity: int = 100_000) -> None:
        self._ttl = ttl_seconds
        self._capacity = capacity
        self._seen: dict[UUID, tuple[TokenStanding, float]] = {}
        # Counts what was forgotten: a standing read while something was is not remembered
        # (it may have been read before the revocation that was heard meanwhile).
        self.forgotten = 0

    def recall(self, user_id: UUID) -> TokenStanding | None:
        seen = self._seen.get(user_id)
        if seen is None or seen[1] <= time.monotonic():
            return None
        return seen[0]

    def remember(self, user_id: UUID, standing: TokenStanding, read_after: int) -> None:
        """`read_after` is what `forgotten` said before the standing was read."""
        if read_after != self.forgotten:
            return
        self._seen.pop(user_id, None)
        self._seen[user_id] = (standing, time.monotonic() + self._ttl)
        if len(self._seen) > self._capacity:
            del self._seen[next(iter(self._seen))]

    def forget(self, user_id: UUID) -> None:
        """The account changed: its next token is checked against the database."""
        self.forgotten += 1
        self._seen.pop(user_id, None)

    def forget_all(self) -> None:
        self.forgotten += 1
        self._seen.clear()

    def hear(self, message: LiveMessage) -> None:
        """An event bus subscriber: a revocation, from any process, forgets the account; and
        when the bus was away (StatesRequested), revocations may have been missed: every
        account is read again."""
        if isinstance(message, TokensRevoked):
            self.forget(message.user_id)
        elif isinstance(message, StatesRequested):
            self.forget_all()
