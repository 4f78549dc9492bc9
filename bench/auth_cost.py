"""What authenticating one request costs in process, on the path most requests take: the token
was verified before (JwtTokenCodec remembers it) and its account checked within the last
minute (AuthService remembers it), so no query is made. For costs of a few hundred
nanoseconds, which no load benchmark on a shared machine shows. Usage, for two source trees
(each with its src/ and tests/ folders, such as `git archive` makes):

    python bench/auth_cost.py /tmp/before
    python bench/auth_cost.py /tmp/after

Prints the best of five batches, in nanoseconds per authenticate."""

import asyncio
import sys
import time
from uuid import uuid4

TREE = sys.argv[1]
sys.path[:0] = [f"{TREE}/src", TREE]

from tests.unit.fakes import (  # noqa: E402
    FakeUnitOfWorkFactory,
    InMemoryAttemptCounter,
    PlainHasher,
)

from domain.throttling import AttemptPolicy  # noqa: E402
from domain.users import Identity, Role, User  # noqa: E402
from infrastructure.security import JwtTokenCodec  # noqa: E402
from services.auth import AuthService  # noqa: E402

CALLS = 200_000
POLICY = AttemptPolicy.with_limits(
    per_email_and_address=5, per_address=50, per_email=100, signups_per_address=300,
    window_seconds=900,
)  # fmt: skip


async def main() -> None:
    uow = FakeUnitOfWorkFactory()
    user = User(uuid4(), "Ada", "ada@example.com", "hashed:x", Role.TEACHER)
    uow.store.users[user.id] = user
    codec = JwtTokenCodec("k" * 64)
    auth = AuthService(uow, PlainHasher(), codec, InMemoryAttemptCounter(), POLICY)
    token = codec.issue(Identity(user.id, Role.TEACHER))
    await auth.authenticate(token)  # verified and checked: remembered from now on
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(CALLS):
            await auth.authenticate(token)
        best = min(best, (time.perf_counter() - started) / CALLS * 1e9)
    print(f"{TREE}: {best:.0f} ns per authenticate (best of 5 batches of {CALLS:,})")


asyncio.run(main())
