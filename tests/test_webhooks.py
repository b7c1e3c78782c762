"""Sonarr, Radarr and Emby-style notifications become targeted scans of the folders they name.

The payloads follow what Sonarr v4 and Radarr v5 send (their Webhook and Emby connections),
with the fields reelhouse ignores left in.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reelhouse.http.problems import PROBLEM_JSON
from reelhouse.kinds import LibraryKind
from reelhouse.libraries.jobs import SCAN_KIND
from tests.support import PASSWORD, WEBHOOK_SECRET, Api, bearer

ARR = "/api/webhooks/arr"
MEDIA_UPDATED = "/Library/Media/Updated"
HOOK = {"X-Webhook-Secret": WEBHOOK_SECRET}

SHOW = "/media/tv/Breaking Bad"
SEASON = f"{SHOW}/Season 01"
EPISODE = f"{SEASON}/Breaking Bad - S01E01 - Pilot Bluray-1080p.mkv"
MOVIE = "/media/movies/Heat (1995)"
MOVIE_FILE = "Heat (1995) Bluray-1080p.mkv"

SONARR_SERIES = {
    "id": 1,
    "title": "Breaking Bad",
    "titleSlug": "breaking-bad",
    "path": SHOW,
    "tvdbId": 81189,
    "tvMazeId": 169,
    "tmdbId": 1396,
    "imdbId": "tt0903747",
    "type": "standard",
    "year": 2008,
    "genres": ["Crime", "Drama"],
    "images": [{"coverType": "poster", "url": "/MediaCover/1/poster.jpg", "remoteUrl": None}],
    "tags": ["hd"],
}
SONARR_EPISODES = [
    {
        "id": 11,
        "episodeNumber": 1,
        "seasonNumber": 1,
        "title": "Pilot",
        "overview": "A chemistry teacher...",
        "airDate": "2008-01-20",
        "airDateUtc": "2008-01-21T02:00:00Z",
        "seriesId": 1,
        "tvdbId": 349232,
    }
]
SONARR_EPISODE_FILE = {
    "id": 21,
    "relativePath": "Season 01/Breaking Bad - S01E01 - Pilot Bluray-1080p.mkv",
    "path": EPISODE,
    "quality": "Bluray-1080p",
    "qualityVersion": 1,
    "releaseGroup": "DEMAND",
    "sceneName": "Breaking.Bad.S01E01.1080p.BluRay.x264-DEMAND",
    "size": 2_345_678_901,
    "dateAdded": "2024-05-01T10:00:00Z",
    "languages": [{"id": 1, "name": "English"}],
    "mediaInfo": {"audioChannels": 5.1, "videoCodec": "x264", "width": 1920, "height": 1080},
    "sourcePath": "/downloads/complete/Breaking.Bad.S01E01.1080p.BluRay.x264-DEMAND.mkv",
}
SONARR_DOWNLOAD = {
    "eventType": "Download",
    "instanceName": "Sonarr",
    "applicationUrl": "",
    "series": SONARR_SERIES,
    "episodes": SONARR_EPISODES,
    "episodeFile": SONARR_EPISODE_FILE,
    "release": {"quality": "Bluray-1080p", "releaseTitle": "Breaking.Bad.S01E01", "size": 1},
    "isUpgrade": False,
    "downloadClient": "qBittorrent",
    "downloadClientType": "qBittorrent",
    "downloadId": "ABCDEF0123456789",
    "customFormatInfo": {"customFormats": [], "customFormatScore": 0},
}
SONARR_UPGRADE = {
    **SONARR_DOWNLOAD,
    "isUpgrade": True,
    "deletedFiles": [
        {
            **SONARR_EPISODE_FILE,
            "id": 20,
            "relativePath": "Season 01/Breaking Bad - S01E01 - Pilot HDTV-720p.mkv",
            "path": f"{SEASON}/Breaking Bad - S01E01 - Pilot HDTV-720p.mkv",
            "recycleBinPath": None,
        }
    ],
}
SONARR_RENAME = {
    "eventType": "Rename",
    "instanceName": "Sonarr",
    "series": SONARR_SERIES,
    "renamedEpisodeFiles": [
        {
            **SONARR_EPISODE_FILE,
            "previousRelativePath": "Season 1/breaking.bad.s01e01.mkv",
            "previousPath": f"{SHOW}/Season 1/breaking.bad.s01e01.mkv",
        }
    ],
}
SONARR_EPISODE_FILE_DELETE = {
    "eventType": "EpisodeFileDelete",
    "instanceName": "Sonarr",
    "series": SONARR_SERIES,
    "episodes": SONARR_EPISODES,
    "episodeFile": SONARR_EPISODE_FILE,
    "deleteReason": "manual",
}
SONARR_SERIES_DELETE = {
    "eventType": "SeriesDelete",
    "instanceName": "Sonarr",
    "series": SONARR_SERIES,
    "deletedFiles": True,
}
SONARR_GRAB = {
    "eventType": "Grab",
    "series": SONARR_SERIES,
    "episodes": SONARR_EPISODES,
    "release": {"quality": "WEBDL-1080p", "releaseTitle": "Breaking.Bad.S01E02", "size": 1},
    "downloadClient": "qBittorrent",
    "downloadId": "0123",
}
SONARR_TEST = {
    "eventType": "Test",
    "instanceName": "Sonarr",
    "series": {"id": 1, "title": "Test Title", "path": "C:\\testpath", "tvdbId": 1234},
    "episodes": [{"id": 123, "episodeNumber": 1, "seasonNumber": 1, "title": "Test title"}],
}

RADARR_MOVIE = {
    "id": 7,
    "title": "Heat",
    "year": 1995,
    "releaseDate": "1996-06-18",
    "folderPath": MOVIE,
    "tmdbId": 949,
    "imdbId": "tt0113277",
    "overview": "Obsessive master thief...",
    "tags": [],
}
RADARR_MOVIE_FILE = {
    "id": 31,
    "relativePath": MOVIE_FILE,
    "path": f"{MOVIE}/{MOVIE_FILE}",
    "quality": "Bluray-1080p",
    "qualityVersion": 1,
    "releaseGroup": "FGT",
    "sceneName": "Heat.1995.1080p.BluRay.x264-FGT",
    "indexerFlags": "0",
    "size": 12_884_901_888,
    "dateAdded": "2024-05-02T10:00:00Z",
    "mediaInfo": {"audioChannels": 5.1, "videoCodec": "x264"},
}
RADARR_DOWNLOAD = {
    "eventType": "Download",
    "instanceName": "Radarr",
    "applicationUrl": "",
    "movie": RADARR_MOVIE,
    "remoteMovie": {"tmdbId": 949, "imdbId": "tt0113277", "title": "Heat", "year": 1995},
    "movieFile": RADARR_MOVIE_FILE,
    "isUpgrade": False,
    "downloadClient": "SABnzbd",
    "downloadId": "SABnzbd_nzo_1",
}
RADARR_MOVIE_FILE_DELETE = {
    "eventType": "MovieFileDelete",
    "instanceName": "Radarr",
    "movie": RADARR_MOVIE,
    "movieFile": RADARR_MOVIE_FILE,
    "deleteReason": "upgrade",
}
RADARR_RENAME = {
    "eventType": "Rename",
    "movie": RADARR_MOVIE,
    "renamedMovieFiles": [
        {**RADARR_MOVIE_FILE, "previousRelativePath": "heat.mkv", "previousPath": f"{MOVIE}/h.mkv"}
    ],
}
RADARR_MOVIE_DELETE = {
    "eventType": "MovieDelete",
    "movie": RADARR_MOVIE,
    "deletedFiles": True,
    "movieFolderSize": 12_884_901_888,
}
RADARR_TEST = {
    "eventType": "Test",
    "instanceName": "Radarr",
    "movie": {"id": 1, "title": "Test Title", "year": 1970, "folderPath": "C:\\testpath"},
    "remoteMovie": {"tmdbId": 1234, "imdbId": "5678", "title": "Test title", "year": 1970},
    "release": {"quality": "Test Quality", "releaseTitle": "Test Title", "size": 9999999},
}


async def libraries(api: Api) -> dict[str, int]:
    """A movie and a TV library, and a kids' TV library nested inside the TV one."""
    made = {
        name: await api.services.libraries.create(name, kind, [root])
        for name, kind, root in (
            ("Movies", LibraryKind.MOVIES, "/media/movies"),
            ("TV", LibraryKind.TV, "/media/tv"),
            ("Kids", LibraryKind.TV, "/media/tv/kids"),
        )
    }
    return {name: library.id for name, library in made.items()}


async def scans(api: Api) -> dict[int, dict[str, Any]]:
    """The queued scans by job id: their arguments."""
    jobs = await api.services.jobs.list_jobs(kind=SCAN_KIND, limit=200)
    return {job.id: job.args for job in jobs}


@pytest.mark.parametrize(
    ("payload", "library", "folder"),
    [
        (SONARR_DOWNLOAD, "TV", SEASON),
        (SONARR_UPGRADE, "TV", SEASON),
        (SONARR_EPISODE_FILE_DELETE, "TV", SEASON),
        (SONARR_RENAME, "TV", SHOW),
        (SONARR_SERIES_DELETE, "TV", SHOW),
        (RADARR_DOWNLOAD, "Movies", MOVIE),
        (RADARR_MOVIE_FILE_DELETE, "Movies", MOVIE),
        (RADARR_RENAME, "Movies", MOVIE),
        (RADARR_MOVIE_DELETE, "Movies", MOVIE),
    ],
    ids=lambda value: value["eventType"] if isinstance(value, dict) else str(value),
)
async def test_arr_events_queue_a_scan_of_their_folder(
    ops_api: Api, payload: dict[str, Any], library: str, folder: str
) -> None:
    ids = await libraries(ops_api)
    response = await ops_api.client.post(ARR, json=payload, headers=HOOK)
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["event_type"] == payload["eventType"]
    assert body["unmatched"] == []
    assert await scans(ops_api) == {
        job_id: {"library_id": ids[library], "folder": folder} for job_id in body["job_ids"]
    }
    assert len(body["job_ids"]) == 1
    again = await ops_api.client.post(ARR, json=payload, headers=HOOK)
    assert again.json()["job_ids"] == body["job_ids"]  # still queued: the same scan


@pytest.mark.parametrize("payload", [SONARR_TEST, RADARR_TEST, SONARR_GRAB])
async def test_tests_and_other_events_answer_200_and_queue_nothing(
    ops_api: Api, payload: dict[str, Any]
) -> None:
    await libraries(ops_api)
    response = await ops_api.client.post(ARR, params={"secret": WEBHOOK_SECRET}, json=payload)
    assert response.status_code == 200, response.text
    assert response.json() == {"job_ids": [], "unmatched": [], "event_type": payload["eventType"]}
    assert await scans(ops_api) == {}


async def test_a_file_path_is_found_from_the_folder_when_only_relative(ops_api: Api) -> None:
    ids = await libraries(ops_api)
    older = copy.deepcopy(RADARR_DOWNLOAD)
    del older["movieFile"]["path"]
    response = await ops_api.client.post(ARR, json=older, headers=HOOK)
    assert response.status_code == 202
    assert list((await scans(ops_api)).values()) == [{"library_id": ids["Movies"], "folder": MOVIE}]


async def test_the_deepest_library_root_owns_a_path(ops_api: Api) -> None:
    ids = await libraries(ops_api)
    kids = copy.deepcopy(SONARR_DOWNLOAD)
    kids["series"]["path"] = "/media/tv/kids/Bluey"
    kids["episodeFile"]["path"] = "/media/tv/kids/Bluey/Season 1/Bluey - S01E01.mkv"
    assert (await ops_api.client.post(ARR, json=kids, headers=HOOK)).status_code == 202
    assert list((await scans(ops_api)).values()) == [
        {"library_id": ids["Kids"], "folder": "/media/tv/kids/Bluey/Season 1"}
    ]


async def test_a_path_in_no_library_queues_nothing_and_is_no_error(ops_api: Api) -> None:
    await libraries(ops_api)
    elsewhere = copy.deepcopy(SONARR_DOWNLOAD)
    elsewhere["series"]["path"] = "/srv/other/Breaking Bad"
    elsewhere["episodeFile"]["path"] = "/srv/other/Breaking Bad/Season 01/e1.mkv"
    response = await ops_api.client.post(ARR, json=elsewhere, headers=HOOK)
    assert response.status_code == 200
    assert response.json()["unmatched"] == ["/srv/other/Breaking Bad/Season 01/e1.mkv"]
    assert response.json()["job_ids"] == []
    assert await scans(ops_api) == {}


@pytest.mark.parametrize(
    "path", ["Season 01/e1.mkv", "/media/tv/../../etc/passwd", "/media/tv/a\x00b", "C:\\tv\\e.mkv"]
)
async def test_a_bad_path_is_refused_and_queues_nothing(ops_api: Api, path: str) -> None:
    await libraries(ops_api)
    bad = copy.deepcopy(SONARR_DOWNLOAD)
    bad["deletedFiles"] = [{"path": path}]  # next to a good path: nothing is queued for either
    response = await ops_api.client.post(ARR, json=bad, headers=HOOK)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    assert await scans(ops_api) == {}


@pytest.mark.parametrize(
    "body",
    [[], "Download", {"eventType": 5}, {"series": {"path": SHOW}}, {"eventType": "x" * 65}],
    ids=["list", "string", "number", "no-event", "long-event"],
)
async def test_a_malformed_payload_is_a_422(ops_api: Api, body: Any) -> None:
    response = await ops_api.client.post(ARR, json=body, headers=HOOK)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON


async def test_a_body_that_is_not_json_is_a_422(ops_api: Api) -> None:
    headers = {**HOOK, "Content-Type": "application/json"}
    response = await ops_api.client.post(ARR, content=b'{"eventType": "Downl', headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=16,
)
paths = st.one_of(st.text(max_size=40), st.sampled_from([SHOW, SEASON, EPISODE, MOVIE, "/"]))
arr_like = st.fixed_dictionaries(
    {"eventType": st.sampled_from(["Download", "Rename", "EpisodeFileDelete", "MovieDelete"])},
    optional={
        "series": st.fixed_dictionaries({}, optional={"path": paths | json_values}),
        "movie": st.fixed_dictionaries({}, optional={"folderPath": paths | json_values}),
        "episodeFile": st.fixed_dictionaries(
            {}, optional={"path": paths, "relativePath": paths | json_values}
        ),
        "episodeFiles": st.lists(st.fixed_dictionaries({"path": paths}), max_size=3),
        "deletedFiles": st.booleans() | st.lists(st.fixed_dictionaries({"path": paths})),
    },
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=json_values | arr_like)
async def test_no_webhook_body_is_a_server_error(ops_api: Api, body: Any) -> None:
    if not await ops_api.services.libraries.list():  # the first example
        await libraries(ops_api)
    for path, headers in ((ARR, HOOK), (MEDIA_UPDATED, {"X-Emby-Token": await admin(ops_api)})):
        response = await ops_api.client.post(path, json=body, headers=headers)
        assert response.status_code < 500, (path, body, response.text)


async def admin(api: Api) -> str:
    """An admin's token (one account for every example of a property test)."""
    if not await api.services.users.list_users():
        await api.services.users.create_user("root", PASSWORD, is_admin=True)
    return (await api.services.users.login("root", PASSWORD)).secret


# --- Emby / Jellyfin's "media updated" --------------------------------------------------------


@pytest.mark.parametrize("how", ["X-Emby-Token", "X-MediaBrowser-Token", "api_key", "Bearer"])
async def test_media_updated_takes_an_admin_token_as_emby_clients_send_it(
    ops_api: Api, how: str
) -> None:
    ids = await libraries(ops_api)
    token = await admin(ops_api)
    params = {"api_key": token} if how == "api_key" else {}
    headers = bearer(token) if how == "Bearer" else {how: token} if how != "api_key" else {}
    updates = {
        "Updates": [
            {"Path": SHOW, "UpdateType": "Modified"},
            {"Path": f"{MOVIE}/{MOVIE_FILE}", "UpdateType": "Created"},
            {"Path": "/srv/elsewhere", "UpdateType": "Deleted"},
        ]
    }
    response = await ops_api.client.post(
        MEDIA_UPDATED, json=updates, params=params, headers=headers
    )
    assert response.status_code == 202, response.text
    assert response.json()["unmatched"] == ["/srv/elsewhere"]
    queued = await scans(ops_api)
    assert sorted(response.json()["job_ids"]) == sorted(queued)
    assert sorted(queued.values(), key=str) == sorted(
        [{"library_id": ids["TV"], "folder": SHOW}, {"library_id": ids["Movies"], "folder": MOVIE}],
        key=str,
    )


async def test_media_updated_accepts_camel_case_and_refuses_plain_users(ops_api: Api) -> None:
    ids = await libraries(ops_api)
    token = await admin(ops_api)
    camel = {"updates": [{"path": SEASON, "updateType": "Created"}]}
    response = await ops_api.client.post(MEDIA_UPDATED, json=camel, headers={"X-Emby-Token": token})
    assert response.status_code == 202
    assert list((await scans(ops_api)).values()) == [{"library_id": ids["TV"], "folder": SEASON}]
    plain = await ops_api.token_for("kid")
    refused = await ops_api.client.post(MEDIA_UPDATED, json=camel, headers={"X-Emby-Token": plain})
    assert refused.status_code == 403
    assert refused.headers["content-type"] == PROBLEM_JSON


async def test_too_many_paths_in_one_call_are_refused(ops_api: Api) -> None:
    await libraries(ops_api)
    limit = ops_api.app.state.settings.webhooks.max_paths
    updates = {"Updates": [{"Path": f"{SHOW}/Season {n}"} for n in range(limit + 1)]}
    response = await ops_api.client.post(
        MEDIA_UPDATED, json=updates, headers={"X-Emby-Token": await admin(ops_api)}
    )
    assert response.status_code == 422
    assert "webhooks.max_paths" in response.json()["detail"]
    assert await scans(ops_api) == {}
