"""Artwork rows: what providers offer for an item or a person, which one is chosen, and which
chosen ones still wait for their download."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import ColumnElement, delete, func, or_, select, text, true, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from reelhouse.content.catalogue.models import Credit, Image, ImageKind, Item
from reelhouse.infra.db.repository import BULK_CHUNK, chunked, constraint_errors, upsert

Owner = Literal["item_id", "person_id"]

#: The provider of images found beside the media (`provider_path`: the file's path).
LOCAL_PROVIDER = "local_file"

#: The provider of images an admin uploaded (`provider_path`: the stored copy's path).
UPLOAD_PROVIDER = "upload"
#: The locked field that keeps an item's artwork as chosen: a refresh offers it none, and
#: the local images found beside it are not selected over the choice.
ARTWORK_FIELD = "artwork"

#: The kinds the artwork job downloads: what the API and the page show.
DOWNLOADED_KINDS = (
    ImageKind.POSTER,
    ImageKind.BACKDROP,
    ImageKind.LOGO,
    ImageKind.STILL,
    ImageKind.PROFILE,
)


@dataclass(frozen=True, slots=True)
class ImageInput:
    kind: ImageKind
    provider: str
    url: str
    language: str | None = None
    width: int | None = None
    height: int | None = None
    score: float | None = None


@dataclass(frozen=True, slots=True)
class LocalSource:
    """A local image file as a scan saw it: a change of size or time means new content."""

    path: str
    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class LocalImage:
    id: int
    item_id: int
    kind: ImageKind
    source: LocalSource


@dataclass(frozen=True, slots=True)
class PendingImage:
    id: int
    url: str
    item_id: int | None
    person_id: int | None


@dataclass(frozen=True, slots=True)
class StoredCopy:
    """Where a downloaded image is in the store, and what it is."""

    path: str
    width: int | None
    height: int | None
    blurhash: str | None


def _pending(library_id: int, after_id: int, skip: Collection[int]) -> list[ColumnElement[bool]]:
    items = select(Item.id).where(Item.library_id == library_id, Item.deleted_at.is_(None))
    people = select(Credit.person_id).where(Credit.item_id.in_(items))
    # Items of no library (collections) are fetched with the libraries of their members.
    groups = select(Item.collection_id).where(
        Item.library_id == library_id, Item.deleted_at.is_(None), Item.collection_id.is_not(None)
    )
    where = [
        Image.id > after_id,
        Image.selected.is_(True),
        Image.local_path.is_(None),
        Image.kind.in_([k.value for k in DOWNLOADED_KINDS]),
        or_(Image.item_id.in_(items), Image.item_id.in_(groups), Image.person_id.in_(people)),
    ]
    if skip:
        where.append(Image.id.not_in(sorted(skip)))
    return where


class ArtworkRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def offer(
        self,
        owner: Owner,
        offers: Mapping[int, Sequence[ImageInput]],
        *,
        keep_chosen: bool = False,
    ) -> None:
        """Record what providers offer, per owner id; the first image of each kind becomes the
        owner's chosen one (with `keep_chosen`, only where none is chosen yet: a person's photo
        offered by every film they are in must not change, and be downloaded, each time).
        One upsert and one selection update for all owners together.

        Images offered before and not now are kept (a downloaded file may still be served).
        Local images are not offers: their selection is `select_local`'s.
        """
        rows: dict[tuple[int, str, str, str], dict[str, object]] = {}
        chosen: dict[tuple[int, str], tuple[int, str, str, str]] = {}
        for owner_id, images in offers.items():
            for image in images:
                key = (owner_id, image.kind.value, image.provider, image.url)
                chosen.setdefault((owner_id, image.kind.value), key)
                rows.setdefault(
                    key,
                    {
                        owner: owner_id,
                        "kind": image.kind.value,
                        "provider": image.provider,
                        "provider_path": image.url,
                        "language": image.language,
                        "width": image.width or None,
                        "height": image.height or None,
                        "score": image.score,
                        "selected": False,
                    },
                )
        if not rows:
            return
        table = Image.__table__
        column = getattr(Image, owner)
        if keep_chosen:
            settled = await self.session.execute(
                select(column, Image.kind).where(
                    column.in_(sorted(offers)), Image.selected.is_(True)
                )
            )
            for key in settled:
                chosen.pop((key[0], key[1]), None)
        with constraint_errors(f"images of {owner.removesuffix('_id')}s {sorted(offers)[:5]}"):
            for chunk in chunked(list(rows.values()), BULK_CHUNK // 10):
                insert = upsert(self.session, table)  # type: ignore[arg-type]
                statement = insert.on_conflict_do_update(
                    index_elements=[owner, "kind", "provider", "provider_path"],
                    index_where=text(f"{owner} IS NOT NULL"),
                    set_={c: insert.excluded[c] for c in ("language", "width", "height", "score")},
                )
                await self.session.execute(statement, chunk)
            picks = list(chosen.values())  # (owner id, kind, provider, url)
            for part in chunked(picks, BULK_CHUNK // 10):
                owners = sorted({pick[0] for pick in part})
                kinds = sorted({pick[1] for pick in part})
                await self.session.execute(
                    update(Image)
                    .where(column.in_(owners), Image.kind.in_(kinds))
                    .where(Image.provider != LOCAL_PROVIDER)  # see `select_local`
                    .where(tuple_(column, Image.kind).in_([(p[0], p[1]) for p in part]))
                    .values(
                        selected=tuple_(
                            column, Image.kind, Image.provider, Image.provider_path
                        ).in_(part)
                    )
                    .execution_options(synchronize_session=False)
                )

    async def pending(
        self, library_id: int, after_id: int, limit: int, *, skip: Collection[int] = ()
    ) -> list[PendingImage]:
        """Chosen images not downloaded yet of the library's items and of the people credited
        in them, in id order from `after_id` (a keyset, so each is tried once per pass), but
        those in `skip`."""
        rows = await self.session.execute(
            select(Image.id, Image.provider_path, Image.item_id, Image.person_id)
            .where(*_pending(library_id, after_id, skip))
            .order_by(Image.id)
            .limit(limit)
        )
        return [PendingImage(*row) for row in rows]

    async def count_pending(
        self, library_id: int, after_id: int, *, skip: Collection[int] = ()
    ) -> int:
        """How many images `pending` would give, all pages together."""
        count = await self.session.scalar(
            select(func.count()).select_from(Image).where(*_pending(library_id, after_id, skip))
        )
        return int(count or 0)

    async def downloaded_copies(self, urls: Sequence[str]) -> dict[str, StoredCopy]:
        """Stored files of these URLs, downloaded before for another item or person."""
        found: dict[str, StoredCopy] = {}
        for chunk in chunked(list(urls), BULK_CHUNK):
            rows = await self.session.execute(
                select(
                    Image.provider_path, Image.local_path, Image.width, Image.height, Image.blurhash
                ).where(Image.provider_path.in_(chunk), Image.local_path.is_not(None))
            )
            for url, path, width, height, blurhash in rows:
                if path is not None:  # the query says so; the type checker cannot know
                    found.setdefault(url, StoredCopy(path, width, height, blurhash))
        return found

    async def downloaded(self, image_ids: Sequence[int], copy: StoredCopy) -> None:
        await self.session.execute(
            update(Image)
            .where(Image.id.in_(image_ids))
            .values(
                local_path=copy.path,
                width=copy.width,
                height=copy.height,
                blurhash=copy.blurhash,
            )
        )

    async def local_images(self, library_id: int) -> list[LocalImage]:
        """The local images stored for the library's items."""
        rows = await self.session.execute(
            select(
                Image.id,
                Image.item_id,
                Image.kind,
                Image.provider_path,
                Image.source_size,
                Image.source_mtime_ns,
            )
            .join(Item, Item.id == Image.item_id)
            .where(Item.library_id == library_id, Image.provider == LOCAL_PROVIDER)
            .order_by(Image.id)
        )
        return [
            LocalImage(id, item_id, ImageKind(kind), LocalSource(path, size or 0, mtime or 0))
            for id, item_id, kind, path, size, mtime in rows
            if item_id is not None  # the join says so; the type checker cannot know
        ]

    async def keep_local(
        self, item_id: int, kind: ImageKind, source: LocalSource, copy: StoredCopy
    ) -> None:
        """`source`, stored as `copy`, is the item's local image of `kind` (in place of any
        other); unselected until `select_local`."""
        await self.session.execute(
            delete(Image).where(
                Image.item_id == item_id, Image.kind == kind, Image.provider == LOCAL_PROVIDER
            )
        )
        self.session.add(
            Image(
                item_id=item_id,
                kind=kind,
                provider=LOCAL_PROVIDER,
                provider_path=source.path,
                local_path=copy.path,
                width=copy.width,
                height=copy.height,
                blurhash=copy.blurhash,
                source_size=source.size,
                source_mtime_ns=source.mtime_ns,
                selected=False,
            )
        )
        await self.session.flush()

    async def drop_local(self, image_ids: Sequence[int]) -> None:
        for chunk in chunked(list(image_ids), BULK_CHUNK):
            await self.session.execute(delete(Image).where(Image.id.in_(chunk)))

    async def of_item(self, item_id: int, kind: ImageKind) -> list[Image]:
        """The item's images of `kind`: local ones first, then in the order they were
        offered."""
        rows = await self.session.scalars(
            select(Image)
            .where(Image.item_id == item_id, Image.kind == kind)
            .order_by(Image.provider != LOCAL_PROVIDER, Image.id)
        )
        return list(rows)

    async def keep_chosen(self, item_id: int, image: ImageInput, copy: StoredCopy) -> int:
        """Record `image`, stored as `copy`, as one the item may show (unselected), or bring
        its row up to date; its id."""
        stored = {"local_path": copy.path, "width": copy.width, "height": copy.height}
        stored["blurhash"] = copy.blurhash
        key = {
            "item_id": item_id,
            "kind": image.kind.value,
            "provider": image.provider,
            "provider_path": image.url,
        }
        values = {**key, "language": image.language, "score": image.score, **stored}
        insert = upsert(self.session, Image.__table__)  # type: ignore[arg-type]
        statement = insert.on_conflict_do_update(
            index_elements=list(key),
            index_where=text("item_id IS NOT NULL"),
            set_=stored,
        )
        with constraint_errors(f"chosen {image.kind} image of item {item_id}"):
            await self.session.execute(statement, [{**values, "selected": False}])
        found = await self.session.scalar(select(Image.id).filter_by(**key))
        assert found is not None  # noqa: S101 - upserted just above
        return found

    async def stored(self, image_id: int, copy: StoredCopy) -> None:
        """The image `image_id`, chosen before it was downloaded, is stored as `copy`."""
        await self.downloaded([image_id], copy)

    async def select_only(self, item_id: int, kind: ImageKind, image_id: int) -> None:
        """Make `image_id` the item's one selected image of `kind`."""
        await self.session.execute(
            update(Image)
            .where(Image.item_id == item_id, Image.kind == kind)
            .values(selected=Image.id == image_id)
            .execution_options(synchronize_session=False)
        )

    async def select_local(self, library_id: int, *, prefer_local: bool) -> list[int]:
        """Select the library's local images that win: all of them when the library prefers
        local artwork, else those of a kind of which the provider's choice is not stored (none
        offered, or its download failed). A selected local image is served before the
        provider's selected one (`AnyItemRepository.images` lists it first), so the
        provider's choice is kept, and comes back when the local file goes. An item whose
        artwork is locked keeps the image chosen for it. The items whose selection
        changed."""
        items = select(Item.id).where(Item.library_id == library_id)
        wins: ColumnElement[bool]
        if prefer_local:
            wins = true()
        else:
            chosen = aliased(Image)
            wins = ~(
                select(chosen.id)
                .where(
                    chosen.item_id == Image.item_id,
                    chosen.kind == Image.kind,
                    chosen.provider != LOCAL_PROVIDER,
                    chosen.selected.is_(True),
                    chosen.local_path.is_not(None),
                )
                .exists()
            )
        local = (Image.provider == LOCAL_PROVIDER, Image.item_id.in_(items))
        changed = await self.session.scalars(
            select(Image.item_id).where(*local, Image.selected != wins).distinct()
        )
        found = await self._unlocked(sorted(i for i in changed if i is not None))
        for chunk in chunked(found, BULK_CHUNK):
            await self.session.execute(
                update(Image)
                .where(*local, Image.item_id.in_(chunk))
                .values(selected=wins)
                .execution_options(synchronize_session=False)
            )
        return found

    async def _unlocked(self, item_ids: list[int]) -> list[int]:
        """Those of the items whose artwork is not locked (chosen by hand)."""
        locked: set[int] = set()
        for chunk in chunked(item_ids, BULK_CHUNK):
            rows = await self.session.execute(
                select(Item.id, Item.locked_fields).where(Item.id.in_(chunk))
            )
            locked.update(i for i, fields in rows if ARTWORK_FIELD in (fields or ()))
        return [i for i in item_ids if i not in locked]
