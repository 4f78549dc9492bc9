"""PostgreSQL adapters: ORM models, repositories, the unit of work, migrations, engine."""
