"""Libraries: everyone sees those they may (their folders on the server, admins only); admins
add and remove them."""

from __future__ import annotations

from fastapi import status

from reelhouse.api.deps import AdminDep, CallerDep, token_router
from reelhouse.api.schemas import LibraryChangeRequest, LibraryOut, NewLibraryRequest
from reelhouse.http.deps import ServicesDep
from reelhouse.http.params import RowIdPath

router = token_router("/libraries", tags=["libraries"])


@router.get("")
async def list_libraries(caller: CallerDep, services: ServicesDep) -> list[LibraryOut]:
    libraries = await services.libraries.list(caller.visible_libraries)
    return [LibraryOut.seen_by(library, caller) for library in libraries]


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_library(
    body: NewLibraryRequest, admin: AdminDep, services: ServicesDep
) -> LibraryOut:
    library = await services.libraries.create(body.name, body.kind, body.paths)
    return LibraryOut.seen_by(library, admin)


@router.get("/{library_id}", responses={404: {"description": "No such library."}})
async def get_library(
    library_id: RowIdPath, caller: CallerDep, services: ServicesDep
) -> LibraryOut:
    library = await services.libraries.get(library_id, caller.visible_libraries)
    return LibraryOut.seen_by(library, caller)


@router.patch("/{library_id}", responses={404: {"description": "No such library."}})
async def change_library(
    library_id: RowIdPath, body: LibraryChangeRequest, admin: AdminDep, services: ServicesDep
) -> LibraryOut:
    """Rename a library, replace its folders, say whether its local artwork wins, or what it
    writes back beside its media."""
    write_back = None
    if body.write_back is not None:
        current = await services.libraries.get(library_id)
        write_back = body.write_back.applied_to(current.write_back)
    library = await services.libraries.update(
        library_id,
        name=body.name,
        paths=body.paths,
        prefer_local_artwork=body.prefer_local_artwork,
        write_back=write_back,
    )
    return LibraryOut.seen_by(library, admin)


@router.delete("/{library_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_library(library_id: RowIdPath, _admin: AdminDep, services: ServicesDep) -> None:
    await services.libraries.delete(library_id)
