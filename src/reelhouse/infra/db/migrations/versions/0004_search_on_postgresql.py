"""search indexes on PostgreSQL that decide a match without reading the row

PostgreSQL only; SQLite's FTS5 tables stay as they are. Measured on a 100,000-item catalogue,
for a two-word query and a misspelt one:

- The word index was over an expression, so each row it found was read again and its vector
  computed from the title and overview once more; the vector is now a stored column
  (`search_words`), computed once per write.
- The trigram indexes were GIN, which checks `%` against the row of every title that shares a
  trigram with the query (9,460 rows for a two-word query, 38 ms); a GiST leaf holds a short
  title's trigrams themselves, so the index decides (12 ms).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 19:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WORDS = (
    "to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(original_title, '') || ' ' "
    "|| coalesce(overview, ''))"
)


#: Index name -> (table, column).
TRIGRAM_INDEXES = {
    "search_items_trigrams": ("items", "sort_title"),
    "search_people_trigrams": ("people", "sort_name"),
}


def _trigram_indexes(method: str) -> list[str]:
    """The trigram indexes again, as `gist` or `gin` (`<method>_trgm_ops`)."""
    statements = [f"DROP INDEX {name}" for name in TRIGRAM_INDEXES]
    for name, (table, column) in TRIGRAM_INDEXES.items():
        statements.append(
            f"CREATE INDEX {name} ON {table} USING {method} ({column} {method}_trgm_ops)"
        )
    return statements


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in [
        "DROP INDEX search_items_words",
        f"ALTER TABLE items ADD COLUMN search_words tsvector GENERATED ALWAYS AS ({WORDS}) STORED",
        "CREATE INDEX search_items_words ON items USING gin (search_words)",
        *_trigram_indexes("gist"),
    ]:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in [
        "DROP INDEX search_items_words",
        "ALTER TABLE items DROP COLUMN search_words",
        f"CREATE INDEX search_items_words ON items USING gin ({WORDS})",
        *_trigram_indexes("gin"),
    ]:
        op.execute(statement)
