"""Alembic's entry point: upgrades run on the engine the service hands over (see grader.service.db)."""

from __future__ import annotations

from alembic import context

from grader.service.db import Base

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
