"""The migrations build exactly the schema the models describe."""

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from infrastructure.database.models import metadata
from infrastructure.database.urls import async_url


def test_migrated_database_matches_the_models(server, database_url):
    # The server fixture has migrated the database at start-up.
    async def differences():
        engine = create_async_engine(async_url(database_url), poolclass=NullPool)
        async with engine.connect() as connection:
            found = await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), metadata
                )
            )
        await engine.dispose()
        return found

    assert asyncio.run(differences()) == []
