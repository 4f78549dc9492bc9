"""PostgreSQL adapters: table models (advanced-alchemy, for the migrations), repositories in
SQL on an asyncpg pool, the unit of work, migrations."""
