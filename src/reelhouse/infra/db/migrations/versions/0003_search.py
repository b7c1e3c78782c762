"""search indexes

Full-text search differs by database, so this is the one migration with two branches:
SQLite gets FTS5 tables kept current by triggers; PostgreSQL gets GIN indexes (full text, and
pg_trgm trigrams for typo tolerance). Every object here is named `search_*` so that the schema
comparison with the models leaves them out (see `reelhouse.infra.db.migrate.include_object`).
Trigram matching runs over `sort_title` / `sort_name`, which are already case-folded and free of
accents, so neither database needs an accent-folding extension.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 11:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ITEM_TEXT = "title, original_title, overview"


def _fts5_table(name: str, source: str, columns: str, tokenize: str) -> list[str]:
    """An external-content FTS5 table over `source` and the triggers that keep it current."""
    old = ", ".join(f"old.{c.strip()}" for c in columns.split(","))
    new = ", ".join(f"new.{c.strip()}" for c in columns.split(","))
    return [
        f"CREATE VIRTUAL TABLE {name} USING fts5({columns}, content='{source}', "
        f"content_rowid='id', tokenize='{tokenize}')",
        f"INSERT INTO {name}({name}) VALUES ('rebuild')",
        f"CREATE TRIGGER {name}_insert AFTER INSERT ON {source} BEGIN "
        f"INSERT INTO {name}(rowid, {columns}) VALUES (new.id, {new}); END",
        f"CREATE TRIGGER {name}_delete AFTER DELETE ON {source} BEGIN "
        f"INSERT INTO {name}({name}, rowid, {columns}) VALUES ('delete', old.id, {old}); END",
        f"CREATE TRIGGER {name}_update AFTER UPDATE OF {columns} ON {source} BEGIN "
        f"INSERT INTO {name}({name}, rowid, {columns}) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO {name}(rowid, {columns}) VALUES (new.id, {new}); END",
    ]


def upgrade() -> None:
    # Both: title prefixes, the search's second source of candidates for typos in short words.
    op.create_index("ix_items_sort_title", "items", ["sort_title"])
    if op.get_bind().dialect.name == "sqlite":
        statements = [
            *_fts5_table("search_items_words", "items", ITEM_TEXT, "unicode61 remove_diacritics 2"),
            *_fts5_table("search_items_trigrams", "items", "sort_title", "trigram"),
            *_fts5_table("search_people_trigrams", "people", "sort_name", "trigram"),
        ]
    else:
        statements = [
            "CREATE EXTENSION IF NOT EXISTS pg_trgm",
            "CREATE INDEX search_items_words ON items USING gin (to_tsvector('simple', "
            "coalesce(title, '') || ' ' || coalesce(original_title, '') || ' ' || "
            "coalesce(overview, '')))",
            "CREATE INDEX search_items_trigrams ON items USING gin (sort_title gin_trgm_ops)",
            "CREATE INDEX search_people_trigrams ON people USING gin (sort_name gin_trgm_ops)",
        ]
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in ("search_items_words", "search_items_trigrams", "search_people_trigrams"):
            for event in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER {table}_{event}")
            op.execute(f"DROP TABLE {table}")
    else:
        for index in ("search_items_words", "search_items_trigrams", "search_people_trigrams"):
            op.execute(f"DROP INDEX {index}")
    op.drop_index("ix_items_sort_title", "items")
