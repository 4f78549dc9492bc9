"""Attempt counters in PostgreSQL, so a limit holds across every server process."""

from collections.abc import Sequence

from domain.throttling import AttemptRule
from infrastructure.database.pool import Database


class PostgresAttemptCounter:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def exceeded(self, checks: Sequence[tuple[AttemptRule, str]]) -> bool:
        return await self._database.pool.fetchval(
            "SELECT coalesce(bool_or(c.hits >= r.max_hits), false)"
            " FROM unnest($1::text[], $2::int[]) AS r(key, max_hits)"
            " JOIN attempt_counters c ON c.key = r.key AND c.expires_at > now()",
            [rule.key(subject) for rule, subject in checks],
            [rule.limit for rule, _ in checks],
        )

    async def record(self, checks: Sequence[tuple[AttemptRule, str]]) -> None:
        # A counter whose window has run out starts again at this attempt.
        await self._database.pool.execute(
            "INSERT INTO attempt_counters AS c (key, hits, expires_at)"
            " SELECT r.key, 1, now() + make_interval(secs => r.window_seconds)"
            " FROM unnest($1::text[], $2::int[]) AS r(key, window_seconds)"
            " ON CONFLICT (key) DO UPDATE SET"
            " hits = CASE WHEN c.expires_at > now() THEN c.hits + 1 ELSE 1 END,"
            " expires_at = CASE WHEN c.expires_at > now() THEN c.expires_at"
            " ELSE excluded.expires_at END",
            [rule.key(subject) for rule, subject in checks],
            [rule.window_seconds for rule, _ in checks],
        )

    async def clear(self, rule: AttemptRule, subject: str) -> None:
        await self._database.pool.execute(
            "DELETE FROM attempt_counters WHERE key = $1", rule.key(subject)
        )
