"""The Jellyfin-compatible API: Jellyfin's routes, JSON shapes, ids and authentication over
reelhouse's own services (`docs/jellyfin.md`), so that existing Jellyfin clients work
unchanged. A thin adapter: no SQL, no query, rule or cache of its own.

Modules: `ids` (Jellyfin ids of reelhouse rows), `auth` (the `MediaBrowser` header and the
caller), `params` (query parameters in any case), `dtos` (the JSON shapes), `mapping` (views
to DTOs, in batches), `routing` (case-insensitive paths; `/Items` shared with Sonarr's lookup),
`profiles` (a client's `DeviceProfile` as reelhouse's), and the routes by area (`passwords`:
changing one's own, or an admin another's).
"""

from __future__ import annotations

from fastapi import APIRouter

from reelhouse.compat.jellyfin import (
    browse,
    images,
    passwords,
    playback,
    server,
    sessions,
    shows,
    userdata,
)


def routers() -> tuple[APIRouter, ...]:
    """Every router of the Jellyfin API, in the order the app holds them."""
    return (
        server.router,
        passwords.router,
        browse.router,
        shows.router,
        images.router,
        userdata.router,
        playback.router,
        sessions.router,
    )
