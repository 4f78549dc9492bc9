"""One unit of work's hold on the database (the repositories and views share it)."""

from asyncpg.transaction import Transaction

from infrastructure.database.pool import Connection, Database


class Connector:
    """One unit of work's hold on the database: a connection taken from the pool on first use,
    and a transaction begun only when something must be atomic (a write or a lock). Plain
    reads run without one, in a single round trip."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._connection: Connection | None = None
        self._transaction: Transaction | None = None

    async def connection(self) -> Connection:
        """The connection, for one statement that needs no transaction of ours (a read, or a
        write that is atomic by itself)."""
        if self._connection is None:
            self._connection = await self._database.lend()
        return self._connection

    async def transaction(self) -> Connection:
        """The connection, inside this unit of work's transaction (begun on first use)."""
        connection = await self.connection()
        if self._transaction is None:
            self._transaction = connection.transaction()
            await self._transaction.start()
        return connection

    async def commit(self) -> None:
        if self._transaction is not None:
            await self._transaction.commit()
            self._transaction = None

    async def close(self) -> None:
        """Rolls back whatever was not committed and gives the connection back."""
        if self._connection is None:
            return
        try:
            if self._transaction is not None and not self._connection.is_closed():
                await self._transaction.rollback()
        finally:
            self._transaction = None
            connection, self._connection = self._connection, None
            await self._database.take_back(connection)
