"""Changes other programs report, turned into targeted scans of the folders they name.

- `POST /api/webhooks/arr`: Sonarr's and Radarr's "Webhook" connection, authenticated by the
  shared secret `webhooks.secret` (header `X-Webhook-Secret`, or `?secret=` in the URL).
- `POST /Library/Media/Updated`: the call Sonarr, Radarr and other tools make to an Emby or
  Jellyfin server after a change, authenticated by an admin's API token.

A path in no library queues nothing and is answered with success (Sonarr and Radarr retry
errors, and a folder reelhouse does not serve is not one).
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel, to_pascal

from reelhouse.api.deps import MediaServerAdminDep, open_router
from reelhouse.bootstrap import Services
from reelhouse.errors import AuthenticationError, InvalidInputError, PermissionDeniedError
from reelhouse.http.deps import ServicesDep, SettingsDep
from reelhouse.http.params import PathText
from reelhouse.infra.logging import get_logger
from reelhouse.libraries.roots import normalize_root

log = get_logger(__name__)
router = open_router(tags=["webhooks"])
media_server_router = APIRouter(tags=["webhooks"])

SECRET_HEADER = "X-Webhook-Secret"  # noqa: S105 - a header name, not a secret
#: Events whose files are rescanned through their folders: imports (upgrades too) and deletions.
FILE_EVENTS = frozenset(
    {"Download", "Upgrade", "ImportComplete", "EpisodeFileDelete", "MovieFileDelete"}
)
#: Events about a whole series or movie: its folder is rescanned.
FOLDER_EVENTS = frozenset({"Rename", "SeriesDelete", "MovieDelete"})


class ArrModel(BaseModel):
    """Sonarr and Radarr payloads as they send them: camelCase, nulls, many fields we ignore."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class ArrFile(ArrModel):
    path: PathText | None = None
    relative_path: PathText | None = None


class ArrSeries(ArrModel):
    path: PathText | None = None


class ArrMovie(ArrModel):
    folder_path: PathText | None = None


class ArrEvent(ArrModel):
    event_type: str = Field(max_length=64)
    series: ArrSeries | None = None
    movie: ArrMovie | None = None
    episode_file: ArrFile | None = None
    episode_files: list[ArrFile] | None = None
    movie_file: ArrFile | None = None
    # The files an upgrade replaced (a list), or whether a series or movie deletion removed
    # its files (a boolean).
    deleted_files: list[ArrFile] | bool | None = None

    def folder(self) -> str | None:
        """The series' or the movie's folder."""
        if self.series is not None and self.series.path:
            return self.series.path
        if self.movie is not None and self.movie.folder_path:
            return self.movie.folder_path
        return None

    def paths(self) -> list[str]:
        """What to rescan: the files an import or a deletion names (their folders are
        scanned), else the series' or movie's folder; nothing for other events."""
        if self.event_type in FILE_EVENTS:
            files = [self.episode_file, self.movie_file, *(self.episode_files or ())]
            if isinstance(self.deleted_files, list):
                files += self.deleted_files
            found = [path for path in (self._file_path(f) for f in files if f) if path]
            if found:
                return found
        if self.event_type in FILE_EVENTS | FOLDER_EVENTS:
            folder = self.folder()
            return [folder] if folder else []
        return []

    def _file_path(self, file: ArrFile) -> str | None:
        folder = self.folder()
        if file.path:
            return file.path
        if file.relative_path and folder:
            return str(PurePosixPath(folder) / file.relative_path)
        return None


class MediaServerModel(BaseModel):
    """Emby's PascalCase, and the camelCase some senders use."""

    model_config = ConfigDict(alias_generator=to_pascal, populate_by_name=True, extra="ignore")


class MediaUpdate(MediaServerModel):
    # `UpdateType` (Created, Modified, Deleted) is not needed: the folder is rescanned
    # whatever happened in it.
    path: PathText


class MediaUpdates(MediaServerModel):
    updates: list[MediaUpdate]


class ScansOut(BaseModel):
    job_ids: list[int] = Field(description="The scans queued (or already queued) for the paths.")
    unmatched: list[str] = Field(description="Paths in no library: nothing was queued for them.")


class ArrScansOut(ScansOut):
    event_type: str


async def webhook_secret(
    configured: SettingsDep,
    secret: Annotated[str | None, Query(description="The shared secret, in the URL.")] = None,
    header: Annotated[str | None, Header(alias=SECRET_HEADER)] = None,
) -> None:
    """The caller knows `webhooks.secret` (compared in constant time)."""
    expected = configured.webhooks.secret
    if expected is None:
        raise PermissionDeniedError("the Sonarr/Radarr webhook is off: set webhooks.secret")
    given = header if header is not None else secret
    if given is None or not hmac.compare_digest(
        given.encode(), expected.get_secret_value().encode()
    ):
        raise AuthenticationError(
            f"this webhook needs the secret of webhooks.secret in `{SECRET_HEADER}` or `?secret=`"
        )


SCANS_RESPONSES: dict[int | str, dict[str, str]] = {
    200: {"description": "Nothing to scan (a test, an event without files, paths elsewhere)."},
    202: {"description": "Scans queued."},
}


@router.post(
    "/webhooks/arr",
    dependencies=[Depends(webhook_secret)],
    status_code=status.HTTP_202_ACCEPTED,
    responses=SCANS_RESPONSES,
)
async def arr_webhook(
    event: ArrEvent, services: ServicesDep, configured: SettingsDep, response: Response
) -> ArrScansOut:
    """Sonarr's or Radarr's "Webhook" connection: imports, upgrades, renames and deletions
    become targeted scans of the folders they touch; other events are ignored."""
    paths = event.paths()
    log.info("arr webhook", event_type=event.event_type, paths=len(paths))
    scans = await scan_paths(services, paths, configured.webhooks.max_paths, response)
    return ArrScansOut(event_type=event.event_type, **scans.model_dump())


@media_server_router.post(
    "/Library/Media/Updated", status_code=status.HTTP_202_ACCEPTED, responses=SCANS_RESPONSES
)
async def media_updated(
    body: MediaUpdates,
    _admin: MediaServerAdminDep,
    services: ServicesDep,
    configured: SettingsDep,
    response: Response,
) -> ScansOut:
    """Emby's and Jellyfin's "media updated" call: each path (a folder, or a file whose
    folder is meant) becomes a targeted scan."""
    paths = [update.path for update in body.updates]
    return await scan_paths(services, paths, configured.webhooks.max_paths, response)


async def scan_paths(
    services: Services, paths: Iterable[str], max_paths: int, response: Response
) -> ScansOut:
    """Queue a scan per path, all validated first so that a bad one queues nothing."""
    wanted = list(dict.fromkeys(normalize_root(path, field="path") for path in paths))
    if len(wanted) > max_paths:
        raise InvalidInputError(
            f"{len(wanted)} paths in one call; at most {max_paths} (webhooks.max_paths)",
            field="path",
        )
    job_ids: list[int] = []
    unmatched: list[str] = []
    for path in wanted:
        enqueued = await services.libraries.scan_path(path)
        if enqueued is None:
            unmatched.append(path)
        elif enqueued.job.id not in job_ids:
            job_ids.append(enqueued.job.id)
    response.status_code = status.HTTP_202_ACCEPTED if job_ids else status.HTTP_200_OK
    return ScansOut(job_ids=job_ids, unmatched=unmatched)
