"""Alembic environment: always run through `reelhouse.infra.db.migrate` with a live connection."""

from __future__ import annotations

from alembic import context

from reelhouse.infra.db.migrate import include_object
from reelhouse.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,  # SQLite needs table rebuilds for most ALTERs
    compare_type=True,
    include_object=include_object,
)
with context.begin_transaction():
    context.run_migrations()
