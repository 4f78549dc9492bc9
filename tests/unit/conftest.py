import pytest

from domain.users import Identity, Role
from tests.factories import UserFactory
from tests.unit.fakes import (
    FakeTokens,
    FakeUnitOfWorkFactory,
    PlainHasher,
    RecordingEventBus,
    SteppingClock,
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def uow() -> FakeUnitOfWorkFactory:
    return FakeUnitOfWorkFactory()


@pytest.fixture
def hasher() -> PlainHasher:
    return PlainHasher()


@pytest.fixture
def tokens(clock) -> FakeTokens:
    return FakeTokens(clock)


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock()


@pytest.fixture
def add_user(uow: FakeUnitOfWorkFactory):
    """Stores a user of the given role and returns its identity."""

    def add(role: Role) -> Identity:
        user = UserFactory.build(role=role)
        uow.store.users[user.id] = user
        return Identity(user.id, role)

    return add


@pytest.fixture
def events() -> RecordingEventBus:
    return RecordingEventBus()
