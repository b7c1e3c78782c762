"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25 10:46:36.307313
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "genres",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_genres")),
        sa.UniqueConstraint("name", name=op.f("uq_genres_name")),
    )
    op.create_table(
        "jobs",
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=True),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_owner", sa.String(length=128), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("progress", sa.JSON(), nullable=False),
        sa.Column("checkpoint", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.CheckConstraint(
            "state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')",
            name=op.f("ck_jobs_state"),
        ),
        sa.CheckConstraint("attempts >= 0 AND max_attempts > 0", name=op.f("ck_jobs_attempts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index("ix_jobs_claim", ["state", "run_at", "priority"], unique=False)
        batch_op.create_index("ix_jobs_finished_at", ["finished_at"], unique=False)
        batch_op.create_index("ix_jobs_lease_expires_at", ["lease_expires_at"], unique=False)
        batch_op.create_index(
            "uq_jobs_active_kind_key",
            ["kind", "key"],
            unique=True,
            sqlite_where=sa.text("state IN ('queued', 'running') AND key IS NOT NULL"),
            postgresql_where=sa.text("state IN ('queued', 'running') AND key IS NOT NULL"),
        )

    op.create_table(
        "job_item_failures",
        sa.Column("job_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("item", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["jobs.id"],
            name=op.f("fk_job_item_failures_job_id_jobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_item_failures")),
    )
    with op.batch_alter_table("job_item_failures", schema=None) as batch_op:
        batch_op.create_index("ix_job_item_failures_job_id_item", ["job_id", "item"], unique=False)

    op.create_table(
        "job_schedules",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "last_job_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["last_job_id"],
            ["jobs.id"],
            name=op.f("fk_job_schedules_last_job_id_jobs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_schedules")),
    )

    op.create_table(
        "libraries",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('movies', 'tv')", name=op.f("ck_libraries_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_libraries")),
        sa.UniqueConstraint("name", name=op.f("uq_libraries_name")),
    )
    op.create_table(
        "people",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("sort_name", sa.Text(), nullable=False),
        sa.Column("biography", sa.Text(), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("death_date", sa.Date(), nullable=True),
        sa.Column("birthplace", sa.Text(), nullable=True),
        sa.Column("tmdb_id", sa.BigInteger(), nullable=True),
        sa.Column("tvdb_id", sa.BigInteger(), nullable=True),
        sa.Column("imdb_id", sa.String(length=16), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
    )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.create_index("ix_people_sort_name", ["sort_name"], unique=False)
        batch_op.create_index("uq_people_imdb_id", ["imdb_id"], unique=True)
        batch_op.create_index("uq_people_tmdb_id", ["tmdb_id"], unique=True)
        batch_op.create_index("uq_people_tvdb_id", ["tvdb_id"], unique=True)

    op.create_table(
        "studios",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("tmdb_id", sa.BigInteger(), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.CheckConstraint("kind IN ('studio', 'network')", name=op.f("ck_studios_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_studios")),
    )
    with op.batch_alter_table("studios", schema=None) as batch_op:
        batch_op.create_index("uq_studios_kind_name", ["kind", "name"], unique=True)

    op.create_table(
        "items",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column(
            "library_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("parent_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("series_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "collection_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("sort_title", sa.Text(), nullable=False),
        sa.Column("original_title", sa.Text(), nullable=True),
        sa.Column("original_language", sa.String(length=16), nullable=True),
        sa.Column("overview", sa.Text(), nullable=True),
        sa.Column("tagline", sa.Text(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("release_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("runtime_minutes", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("certification", sa.String(length=32), nullable=True),
        sa.Column("community_rating", sa.Float(), nullable=True),
        sa.Column("edition", sa.String(length=100), nullable=True),
        sa.Column("index_number", sa.Integer(), nullable=True),
        sa.Column("parent_index_number", sa.Integer(), nullable=True),
        sa.Column("absolute_number", sa.Integer(), nullable=True),
        sa.Column("tmdb_id", sa.BigInteger(), nullable=True),
        sa.Column("tvdb_id", sa.BigInteger(), nullable=True),
        sa.Column("imdb_id", sa.String(length=16), nullable=True),
        sa.Column("other_ids", sa.JSON(), nullable=False),
        sa.Column("locked_fields", sa.JSON(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("metadata_refreshed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.CheckConstraint(
            "kind IN ('movie', 'collection', 'series', 'season', 'episode')",
            name=op.f("ck_items_kind"),
        ),
        sa.CheckConstraint(
            "community_rating BETWEEN 0 AND 10", name=op.f("ck_items_community_rating_range")
        ),
        sa.CheckConstraint("tmdb_id > 0", name=op.f("ck_items_tmdb_id_positive")),
        sa.CheckConstraint("tvdb_id > 0", name=op.f("ck_items_tvdb_id_positive")),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["items.id"],
            name=op.f("fk_items_collection_id_items"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["library_id"],
            ["libraries.id"],
            name=op.f("fk_items_library_id_libraries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["items.id"], name=op.f("fk_items_parent_id_items"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["series_id"], ["items.id"], name=op.f("fk_items_series_id_items"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_items")),
    )
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.create_index("ix_items_collection_id", ["collection_id"], unique=False)
        batch_op.create_index(
            "ix_items_listing_added",
            ["library_id", "kind", "added_at", "id"],
            unique=False,
            sqlite_where=sa.text("deleted_at IS NULL"),
            postgresql_where=sa.text("deleted_at IS NULL"),
        )
        batch_op.create_index(
            "ix_items_listing_rating",
            ["library_id", "kind", "community_rating", "id"],
            unique=False,
            sqlite_where=sa.text("deleted_at IS NULL"),
            postgresql_where=sa.text("deleted_at IS NULL"),
        )
        batch_op.create_index(
            "ix_items_listing_release",
            ["library_id", "kind", "release_date", "id"],
            unique=False,
            sqlite_where=sa.text("deleted_at IS NULL"),
            postgresql_where=sa.text("deleted_at IS NULL"),
        )
        batch_op.create_index(
            "ix_items_listing_title",
            ["library_id", "kind", "sort_title", "id"],
            unique=False,
            sqlite_where=sa.text("deleted_at IS NULL"),
            postgresql_where=sa.text("deleted_at IS NULL"),
        )
        batch_op.create_index(
            "ix_items_listing_year",
            ["library_id", "kind", "year", "id"],
            unique=False,
            sqlite_where=sa.text("deleted_at IS NULL"),
            postgresql_where=sa.text("deleted_at IS NULL"),
        )
        batch_op.create_index("ix_items_parent_id", ["parent_id"], unique=False)
        batch_op.create_index("ix_items_series_id", ["series_id"], unique=False)
        batch_op.create_index(
            "uq_items_kind_imdb_id",
            ["kind", "imdb_id"],
            unique=True,
            sqlite_where=sa.text("deleted_at IS NULL AND imdb_id IS NOT NULL"),
            postgresql_where=sa.text("deleted_at IS NULL AND imdb_id IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_items_kind_tmdb_id",
            ["kind", "tmdb_id"],
            unique=True,
            sqlite_where=sa.text("deleted_at IS NULL AND tmdb_id IS NOT NULL"),
            postgresql_where=sa.text("deleted_at IS NULL AND tmdb_id IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_items_kind_tvdb_id",
            ["kind", "tvdb_id"],
            unique=True,
            sqlite_where=sa.text("deleted_at IS NULL AND tvdb_id IS NOT NULL"),
            postgresql_where=sa.text("deleted_at IS NULL AND tvdb_id IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_items_parent_id_index_number",
            ["parent_id", "index_number"],
            unique=True,
            sqlite_where=sa.text("deleted_at IS NULL AND kind IN ('season', 'episode')"),
            postgresql_where=sa.text("deleted_at IS NULL AND kind IN ('season', 'episode')"),
        )

    op.create_table(
        "library_paths",
        sa.Column(
            "library_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["library_id"],
            ["libraries.id"],
            name=op.f("fk_library_paths_library_id_libraries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_library_paths")),
    )
    with op.batch_alter_table("library_paths", schema=None) as batch_op:
        batch_op.create_index(
            "uq_library_paths_library_id_path", ["library_id", "path"], unique=True
        )

    op.create_table(
        "media_files",
        sa.Column(
            "library_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("path_bytes", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mtime_ns", sa.BigInteger(), nullable=False),
        sa.Column("inode", sa.BigInteger(), nullable=False),
        sa.Column("device", sa.BigInteger(), nullable=False),
        sa.Column("container", sa.String(length=16), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("missing_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("identity", sa.JSON(), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.CheckConstraint("state IN ('present', 'missing')", name=op.f("ck_media_files_state")),
        sa.CheckConstraint("size >= 0", name=op.f("ck_media_files_size_not_negative")),
        sa.ForeignKeyConstraint(
            ["library_id"],
            ["libraries.id"],
            name=op.f("fk_media_files_library_id_libraries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_files")),
    )
    with op.batch_alter_table("media_files", schema=None) as batch_op:
        batch_op.create_index("ix_media_files_device_inode", ["device", "inode"], unique=False)
        batch_op.create_index(
            "ix_media_files_library_id_state", ["library_id", "state"], unique=False
        )
        batch_op.create_index(
            "uq_media_files_library_id_path_bytes", ["library_id", "path_bytes"], unique=True
        )

    op.create_table(
        "credits",
        sa.Column("item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("character", sa.Text(), nullable=False),
        sa.Column("department", sa.String(length=64), nullable=False),
        sa.Column("job", sa.String(length=128), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.CheckConstraint("role IN ('cast', 'crew')", name=op.f("ck_credits_role")),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_credits_item_id_items"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_credits_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credits")),
    )
    with op.batch_alter_table("credits", schema=None) as batch_op:
        batch_op.create_index("ix_credits_person_id", ["person_id"], unique=False)
        batch_op.create_index(
            "uq_credits_identity", ["item_id", "person_id", "role", "job", "character"], unique=True
        )

    op.create_table(
        "images",
        sa.Column("item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("provider_path", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("local_path", sa.Text(), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("blurhash", sa.String(length=128), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("selected", sa.Boolean(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.CheckConstraint(
            "kind IN ('poster', 'backdrop', 'logo', 'banner', 'thumb', 'still', 'profile')",
            name=op.f("ck_images_kind"),
        ),
        sa.CheckConstraint(
            "(item_id IS NULL) <> (person_id IS NULL)", name=op.f("ck_images_one_owner")
        ),
        sa.CheckConstraint("width > 0 AND height > 0", name=op.f("ck_images_positive_size")),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_images_item_id_items"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_images_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_images")),
    )
    with op.batch_alter_table("images", schema=None) as batch_op:
        batch_op.create_index(
            "uq_images_item_source",
            ["item_id", "kind", "provider", "provider_path"],
            unique=True,
            sqlite_where=sa.text("item_id IS NOT NULL"),
            postgresql_where=sa.text("item_id IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_images_person_source",
            ["person_id", "kind", "provider", "provider_path"],
            unique=True,
            sqlite_where=sa.text("person_id IS NOT NULL"),
            postgresql_where=sa.text("person_id IS NOT NULL"),
        )

    op.create_table(
        "item_genres",
        sa.Column("item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("genre_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["genre_id"],
            ["genres.id"],
            name=op.f("fk_item_genres_genre_id_genres"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_item_genres_item_id_items"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("item_id", "genre_id", name=op.f("pk_item_genres")),
    )
    with op.batch_alter_table("item_genres", schema=None) as batch_op:
        batch_op.create_index("ix_item_genres_genre_id", ["genre_id"], unique=False)

    op.create_table(
        "item_studios",
        sa.Column("item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "studio_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_item_studios_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["studio_id"],
            ["studios.id"],
            name=op.f("fk_item_studios_studio_id_studios"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("item_id", "studio_id", name=op.f("pk_item_studios")),
    )
    with op.batch_alter_table("item_studios", schema=None) as batch_op:
        batch_op.create_index("ix_item_studios_studio_id", ["studio_id"], unique=False)

    op.create_table(
        "item_translations",
        sa.Column("item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("overview", sa.Text(), nullable=True),
        sa.Column("tagline", sa.Text(), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_item_translations_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_translations")),
    )
    with op.batch_alter_table("item_translations", schema=None) as batch_op:
        batch_op.create_index(
            "uq_item_translations_item_id_language", ["item_id", "language"], unique=True
        )

    op.create_table(
        "media_file_items",
        sa.Column(
            "media_file_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("extra_type", sa.String(length=32), nullable=True),
        sa.Column("part", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_media_file_items_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["media_file_id"],
            ["media_files.id"],
            name=op.f("fk_media_file_items_media_file_id_media_files"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("media_file_id", "item_id", name=op.f("pk_media_file_items")),
    )
    with op.batch_alter_table("media_file_items", schema=None) as batch_op:
        batch_op.create_index("ix_media_file_items_item_id", ["item_id"], unique=False)

    op.create_table(
        "ratings",
        sa.Column("item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("max_value", sa.Float(), nullable=False),
        sa.Column("votes", sa.BigInteger(), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.CheckConstraint(
            "value >= 0 AND value <= max_value", name=op.f("ck_ratings_value_range")
        ),
        sa.CheckConstraint("votes >= 0", name=op.f("ck_ratings_votes_not_negative")),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_ratings_item_id_items"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ratings")),
    )
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.create_index("uq_ratings_item_id_source", ["item_id", "source"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.drop_index("uq_ratings_item_id_source")

    op.drop_table("ratings")
    with op.batch_alter_table("media_file_items", schema=None) as batch_op:
        batch_op.drop_index("ix_media_file_items_item_id")

    op.drop_table("media_file_items")
    with op.batch_alter_table("item_translations", schema=None) as batch_op:
        batch_op.drop_index("uq_item_translations_item_id_language")

    op.drop_table("item_translations")
    with op.batch_alter_table("item_studios", schema=None) as batch_op:
        batch_op.drop_index("ix_item_studios_studio_id")

    op.drop_table("item_studios")
    with op.batch_alter_table("item_genres", schema=None) as batch_op:
        batch_op.drop_index("ix_item_genres_genre_id")

    op.drop_table("item_genres")
    with op.batch_alter_table("images", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_images_person_source",
            sqlite_where=sa.text("person_id IS NOT NULL"),
            postgresql_where=sa.text("person_id IS NOT NULL"),
        )
        batch_op.drop_index(
            "uq_images_item_source",
            sqlite_where=sa.text("item_id IS NOT NULL"),
            postgresql_where=sa.text("item_id IS NOT NULL"),
        )

    op.drop_table("images")
    with op.batch_alter_table("credits", schema=None) as batch_op:
        batch_op.drop_index("uq_credits_identity")
        batch_op.drop_index("ix_credits_person_id")

    op.drop_table("credits")
    with op.batch_alter_table("media_files", schema=None) as batch_op:
        batch_op.drop_index("uq_media_files_library_id_path_bytes")
        batch_op.drop_index("ix_media_files_library_id_state")
        batch_op.drop_index("ix_media_files_device_inode")

    op.drop_table("media_files")
    with op.batch_alter_table("library_paths", schema=None) as batch_op:
        batch_op.drop_index("uq_library_paths_library_id_path")

    op.drop_table("library_paths")
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_items_parent_id_index_number",
            sqlite_where=sa.text("deleted_at IS NULL AND kind IN ('season', 'episode')"),
            postgresql_where=sa.text("deleted_at IS NULL AND kind IN ('season', 'episode')"),
        )
        batch_op.drop_index(
            "uq_items_kind_tvdb_id",
            sqlite_where=sa.text("deleted_at IS NULL AND tvdb_id IS NOT NULL"),
            postgresql_where=sa.text("deleted_at IS NULL AND tvdb_id IS NOT NULL"),
        )
        batch_op.drop_index(
            "uq_items_kind_tmdb_id",
            sqlite_where=sa.text("deleted_at IS NULL AND tmdb_id IS NOT NULL"),
            postgresql_where=sa.text("deleted_at IS NULL AND tmdb_id IS NOT NULL"),
        )
        batch_op.drop_index(
            "uq_items_kind_imdb_id",
            sqlite_where=sa.text("deleted_at IS NULL AND imdb_id IS NOT NULL"),
            postgresql_where=sa.text("deleted_at IS NULL AND imdb_id IS NOT NULL"),
        )
        batch_op.drop_index("ix_items_series_id")
        batch_op.drop_index("ix_items_parent_id")
        batch_op.drop_index(
            "ix_items_listing_year",
            sqlite_where=sa.text("deleted_at IS NULL"),
            postgresql_where=sa.text("deleted_at IS NULL"),
        )
        batch_op.drop_index(
            "ix_items_listing_title",
            sqlite_where=sa.text("deleted_at IS NULL"),
            postgresql_where=sa.text("deleted_at IS NULL"),
        )
        batch_op.drop_index(
            "ix_items_listing_release",
            sqlite_where=sa.text("deleted_at IS NULL"),
            postgresql_where=sa.text("deleted_at IS NULL"),
        )
        batch_op.drop_index(
            "ix_items_listing_rating",
            sqlite_where=sa.text("deleted_at IS NULL"),
            postgresql_where=sa.text("deleted_at IS NULL"),
        )
        batch_op.drop_index(
            "ix_items_listing_added",
            sqlite_where=sa.text("deleted_at IS NULL"),
            postgresql_where=sa.text("deleted_at IS NULL"),
        )
        batch_op.drop_index("ix_items_collection_id")

    op.drop_table("items")
    with op.batch_alter_table("studios", schema=None) as batch_op:
        batch_op.drop_index("uq_studios_kind_name")

    op.drop_table("studios")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index("uq_people_tvdb_id")
        batch_op.drop_index("uq_people_tmdb_id")
        batch_op.drop_index("uq_people_imdb_id")
        batch_op.drop_index("ix_people_sort_name")

    op.drop_table("people")
    op.drop_table("libraries")
    op.drop_table("job_schedules")
    with op.batch_alter_table("job_item_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_job_item_failures_job_id_item")

    op.drop_table("job_item_failures")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_jobs_active_kind_key",
            sqlite_where=sa.text("state IN ('queued', 'running') AND key IS NOT NULL"),
            postgresql_where=sa.text("state IN ('queued', 'running') AND key IS NOT NULL"),
        )
        batch_op.drop_index("ix_jobs_lease_expires_at")
        batch_op.drop_index("ix_jobs_finished_at")
        batch_op.drop_index("ix_jobs_claim")

    op.drop_table("jobs")
    op.drop_table("genres")
