"""Attempt counters in PostgreSQL, so a limit holds across every server process."""

from domain.throttling import AttemptChecks, AttemptRule, PaceRule
from infrastructure.database.outages import unavailable_on_outage
from infrastructure.database.pool import Connection, Database

# One statement takes a slot from every counter. ON CONFLICT DO UPDATE locks each existing
# counter and judges its WHERE on the newest version, so concurrent attempts cannot all read
# "room left": each counter goes up only while it is under its limit. Counters are taken in
# key order, so concurrent statements lock them in the same order and never deadlock. A
# counter whose window has run out starts again at this attempt.
_TAKE = """
WITH wanted AS (
    SELECT * FROM unnest($1::text[], $2::int[], $3::int[]) AS w(key, max_hits, window_seconds)
)
INSERT INTO attempt_counters AS c (key, hits, expires_at)
SELECT key, 1, now() + make_interval(secs => window_seconds) FROM wanted ORDER BY key
ON CONFLICT (key) DO UPDATE SET
    hits = CASE WHEN c.expires_at > now() THEN c.hits + 1 ELSE 1 END,
    expires_at = CASE WHEN c.expires_at > now() THEN c.expires_at ELSE excluded.expires_at END
WHERE c.expires_at <= now() OR c.hits < (SELECT max_hits FROM wanted WHERE wanted.key = c.key)
RETURNING c.key
"""


# A subject's turns under a pace rule, as a virtual schedule (GCRA): `expires_at` holds the
# moment after its last turn taken. The next turn is at that moment, or now if it has passed;
# taking it moves the moment one interval on, unless the turn is further than the longest wait
# (then no row comes back and nothing changes). One statement, so racing attempts on any
# process get distinct turns.
_TURN = """
INSERT INTO attempt_counters AS c (key, hits, expires_at)
VALUES ($1, 1, now() + make_interval(secs => $2::float8))
ON CONFLICT (key) DO UPDATE SET
    hits = c.hits + 1,
    expires_at = greatest(c.expires_at, now()) + make_interval(secs => $2::float8)
WHERE greatest(c.expires_at, now()) <= now() + make_interval(secs => $3::float8)
RETURNING extract(epoch FROM c.expires_at - now())::float8 - $2::float8 AS wait
"""


def _keys(checks: AttemptChecks) -> list[str]:
    return [rule.key(subject) for rule, subject in checks]


class PostgresAttemptCounter:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def take(self, checks: AttemptChecks) -> bool:
        keys = _keys(checks)
        async with unavailable_on_outage(), self._database.loan() as connection:
            rows = await connection.fetch(
                _TAKE,
                keys,
                [rule.limit for rule, _ in checks],
                [rule.window_seconds for rule, _ in checks],
            )
            taken = {row["key"] for row in rows}
            if len(taken) == len(set(keys)):
                return True
            await _uncount(connection, list(taken))
            return False

    async def give_back(self, checks: AttemptChecks) -> None:
        async with unavailable_on_outage(), self._database.loan() as connection:
            await _uncount(connection, _keys(checks))

    async def clear(self, rule: AttemptRule, subject: str) -> None:
        async with unavailable_on_outage(), self._database.loan() as connection:
            await connection.execute(
                "DELETE FROM attempt_counters WHERE key = $1", rule.key(subject)
            )

    async def turn(self, rule: PaceRule, subject: str) -> float | None:
        async with unavailable_on_outage(), self._database.loan() as connection:
            wait = await connection.fetchval(
                _TURN, rule.key(subject), rule.interval_seconds, rule.max_wait_seconds
            )
        return None if wait is None else max(0.0, wait)


async def _uncount(connection: Connection, keys: list[str]) -> None:
    # Locks the counters in key order first, as _TAKE does: an UPDATE alone locks them in
    # whatever order it scans, and deadlocks against concurrent takes.
    if keys:
        await connection.execute(
            "UPDATE attempt_counters c SET hits = greatest(c.hits - 1, 0)"
            " FROM (SELECT key FROM attempt_counters WHERE key = ANY($1::text[])"
            "       AND expires_at > now() ORDER BY key FOR UPDATE) AS locked"
            " WHERE c.key = locked.key",
            keys,
        )
