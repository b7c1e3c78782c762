"""Direct play over HTTP on both databases: a library of real files on disk (one made by ffmpeg,
others random bytes), scanned and enriched by the real pipeline against the fake TMDb and
TheTVDB, then streamed whole, by ranges and conditionally, in-process and through the real
server (zero copy, and the chunked fallback), by callers who may and may not see the library."""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, replace
from email.utils import formatdate
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from hypothesis import given
from hypothesis import strategies as st
from starlette.types import Message, Receive, Scope, Send
from structlog.testing import capture_logs

from reelhouse.config import MediaSettings, Settings
from reelhouse.http.files import attachment
from reelhouse.http.middleware import FileAwareGZipMiddleware
from reelhouse.http.problems import PROBLEM_JSON
from reelhouse.http.ranges import UNSATISFIABLE, ByteRange, requested_range
from reelhouse.http.server_protocol import bounded_httptools
from reelhouse.http.zerocopy import ZERO_COPY_SEND
from reelhouse.kinds import ItemKind
from reelhouse.playback.files import PlayableFile
from reelhouse.playback.opening import FileGoneError, open_playable
from reelhouse.testing.fake_providers.app import FakeProviders
from reelhouse.testing.media import h264_aac_mp4
from tests.jobs_support import eventually
from tests.pipeline_support import (
    add_library,
    pipeline_settings,
    running_server,
    settled,
    stored_files,
)
from tests.support import PASSWORD, Api, bearer
from tests.test_web import log_in
from tests.test_web_player import attribute
from tests.test_web_watch import page

#: Small chunks, so that every body here takes several reads or sendfile calls.
CHUNK = 64 * 1024
BIG = 3 * 1024 * 1024 + 123
NON_ASCII_NAME = "Amélie à Straße (2001).mkv"


@dataclass
class Played:
    """The app with its catalogue, the files on disk, and each file's item and file id."""

    api: Api
    admin: dict[str, str]
    movies_library: int
    paths: dict[str, Path]
    item: dict[str, int]
    file: dict[str, int]
    series: int

    def url(self, key: str, what: str = "stream") -> str:
        return f"/api/items/{self.item[key]}/{what}"

    def bytes(self, key: str) -> bytes:
        return self.paths[key].read_bytes()


def random_file(path: Path, size: int, seed: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(random.Random(seed).randbytes(size))
    return path


def build_library(root: Path, outside: Path, fake: FakeProviders) -> dict[str, Path]:
    """Movies (a real mp4 with a local trailer, a large file with a non-ASCII name, a film in
    two parts, links into and out of the library) and one episode; files outside the
    library."""
    titles = fake.catalogue.library_titles()
    films = [t for t in titles if not t.series]
    show = next(t for t in titles if t.series)
    movies = root / "Movies"

    def folder(n: int) -> Path:
        film = films[n]
        made = movies / f"{film.title} ({film.year}) [tmdbid-{film.provider_id}]"
        made.mkdir(parents=True, exist_ok=True)
        return made

    first = films[0]
    stacked = f"{films[1].title} ({films[1].year})"
    paths = {
        "real": h264_aac_mp4(folder(0), f"{first.title} ({first.year}).mp4"),
        "trailer": random_file(folder(0) / f"{first.title} ({first.year})-trailer.mkv", 40_000, 7),
        "big": random_file(movies / "Amélie à Straße (2001)" / NON_ASCII_NAME, BIG, 1),
        "part1": random_file(folder(1) / f"{stacked} - cd1.mkv", 200_000, 2),
        "part2": random_file(folder(1) / f"{stacked} - cd2.mkv", 300_000, 3),
        "secret": random_file(outside / "secret.mkv", 50_000, 4),
        "shared": random_file(movies / "shared" / "film.bin", 70_000, 5),
        "episode": random_file(
            root / "TV" / f"{show.title} ({show.year}) [tvdbid-{show.provider_id}]" / "Season 01"
            / f"{show.title} S01E01.mkv", 100_000, 6
        ),
    }  # fmt: skip
    paths["linked_out"] = movies / "Escape Hatch (1999)" / "Escape Hatch (1999).mkv"
    paths["linked_in"] = movies / "Mirror Hall (2005)" / "Mirror Hall (2005).mkv"
    for link, target in (("linked_out", "secret"), ("linked_in", "shared")):
        paths[link].parent.mkdir(parents=True)
        paths[link].symlink_to(paths[target])
    return paths


@asynccontextmanager
async def played(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
    *,
    follow_links_out: bool = False,
    **media: Any,
) -> AsyncIterator[Played]:
    """The real app and workers over a scanned and enriched library of `build_library`
    (`follow_links_out`: `scan.follow_symlinks_outside_roots`)."""
    root = tmp_path / "library"
    paths = build_library(root, tmp_path / "outside", fake)
    media_settings = MediaSettings(stream_chunk_bytes=CHUNK, **media)
    settings = pipeline_settings(provider_settings, database_url, tmp_path / "data")
    scan = settings.scan.model_copy(update={"follow_symlinks_outside_roots": follow_links_out})
    settings = settings.model_copy(update={"media": media_settings, "scan": scan})
    async with running_server(settings) as (api, admin):
        movies = await add_library(api, admin, "Movies", "movies", root / "Movies")
        shows = await add_library(api, admin, "TV", "tv", root / "TV")
        for library_id in (movies, shows):
            scan = await api.client.post(f"/api/libraries/{library_id}/scan", headers=admin)
            assert scan.status_code == 202, scan.text
            await settled(api)
        by_path = await stored_files(api)
        found = {key: by_path[str(path)] for key, path in paths.items() if str(path) in by_path}
        # A link out of the library is indexed only when scan.follow_symlinks_outside_roots is on.
        unindexed = {"secret", "shared"} | (set() if follow_links_out else {"linked_out"})
        assert set(found) == set(paths) - unindexed, sorted(found)
        assert found["part1"].item_id == found["part2"].item_id, "the two parts are one film"
        series = found["episode"].series_id
        assert series is not None
        yield Played(
            api,
            admin,
            movies,
            paths,
            item={key: stored.item_id for key, stored in found.items()},
            file={key: stored.file_id for key, stored in found.items()},
            series=series,
        )


async def test_whole_files_ranges_and_conditions(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
) -> None:
    async with played(provider_settings, database_url, tmp_path, fake) as library:
        client, admin = library.api.client, library.admin
        real, big = library.bytes("real"), library.bytes("big")

        whole = await client.get(library.url("real"), headers=admin)
        assert whole.status_code == 200
        assert whole.content == real
        assert whole.headers["content-type"] == "video/mp4"
        assert whole.headers["content-length"] == str(len(real))
        assert whole.headers["accept-ranges"] == "bytes"
        assert "content-disposition" not in whole.headers
        etag, modified = whole.headers["etag"], whole.headers["last-modified"]
        stat = library.paths["real"].stat()
        assert etag == f'"{stat.st_ino:x}-{stat.st_size:x}-{stat.st_mtime_ns:x}"'
        assert modified == formatdate(stat.st_mtime_ns // 10**9, usegmt=True)

        with capture_logs() as logs:
            ranged = await client.get(
                library.url("real"), headers={**admin, "Range": "bytes=1000-1999"}
            )
        assert ranged.status_code == 206
        assert ranged.content == real[1000:2000]
        assert ranged.headers["content-range"] == f"bytes 1000-1999/{len(real)}"
        assert ranged.headers["content-length"] == "1000"
        assert ranged.headers["etag"] == etag
        (line,) = [log for log in logs if log["event"] == "direct play"]
        assert line["item_id"] == library.item["real"]
        assert line["file_id"] == library.file["real"]
        assert line["range"] == f"bytes 1000-1999/{len(real)}"
        assert line["planned_bytes"] == 1000
        assert line["status"] == 206
        assert isinstance(line["user_id"], int)

        for header, expected in [
            ("bytes=-500", big[-500:]),  # suffix
            (f"bytes={BIG - 700}-", big[-700:]),  # open
            ("bytes=100-99999999999", big[100:]),  # past the end: to the end
            (f"bytes=-{BIG * 2}", big),  # a suffix longer than the file: all of it
            ("bytes=0-0", big[:1]),
            (f"bytes={CHUNK - 1}-{3 * CHUNK}", big[CHUNK - 1 : 3 * CHUNK + 1]),  # across chunks
        ]:
            response = await client.get(library.url("big"), headers={**admin, "Range": header})
            assert response.status_code == 206, header
            assert response.content == expected, header
            assert response.headers["content-length"] == str(len(expected))
            assert response.headers["content-type"] == "video/x-matroska"
        assert (await client.get(library.url("big"), headers=admin)).content == big

        for header in (f"bytes={BIG}-", f"bytes={BIG + 10}-{BIG + 20}", "bytes=-0"):
            refused = await client.get(library.url("big"), headers={**admin, "Range": header})
            assert refused.status_code == 416, header
            assert refused.headers["content-range"] == f"bytes */{BIG}"
            assert refused.headers["content-type"] == PROBLEM_JSON
        # Ignored (RFC 9110 §14.2): not bytes, not valid, several ranges: the whole file.
        for header in (
            "items=0-5",
            "bytes=5-1",
            "bytes=a-b",
            "bytes=0-1,5-6",
            "bytes=+1-1_0",
        ):
            response = await client.get(library.url("big"), headers={**admin, "Range": header})
            assert response.status_code == 200, header
            assert response.headers["content-length"] == str(BIG)

        big_etag = (await client.head(library.url("big"), headers=admin)).headers["etag"]
        big_modified = formatdate(library.paths["big"].stat().st_mtime, usegmt=True)
        for if_range, status in [
            (big_etag, 206),
            (big_modified, 206),
            ('"another"', 200),
            (f"W/{big_etag}", 200),  # If-Range compares strongly
            ("Mon, 01 Jan 1990 00:00:00 GMT", 200),
            ("not a date", 200),
        ]:
            response = await client.get(
                library.url("big"),
                headers={**admin, "Range": "bytes=10-19", "If-Range": if_range},
            )
            assert response.status_code == status, if_range
            assert response.content == (big[10:20] if status == 206 else big)

        for if_none_match in (etag, f'"x", W/{etag}', "*"):
            cached = await client.get(
                library.url("real"), headers={**admin, "If-None-Match": if_none_match}
            )
            assert cached.status_code == 304, if_none_match
            assert cached.content == b""
            assert cached.headers["etag"] == etag
        stale = await client.get(library.url("real"), headers={**admin, "If-None-Match": '"x"'})
        assert stale.status_code == 200

        head = await client.head(library.url("big"), headers={**admin, "Range": "bytes=0-9"})
        assert head.status_code == 200  # Range is defined for GET only
        assert head.content == b""
        assert head.headers["content-length"] == str(BIG)
        assert head.headers["etag"] == big_etag

        # Never gzipped, whatever the client accepts.
        gzip = {**admin, "Accept-Encoding": "gzip"}
        plain = await client.get(library.url("big"), headers=gzip)
        assert "content-encoding" not in plain.headers
        assert plain.content == big

        download = await client.get(library.url("big", "download"), headers=admin)
        assert download.content == big
        assert download.headers["content-disposition"] == (
            'attachment; filename="Amelie a Stra_e (2001).mkv"; '
            "filename*=UTF-8''Am%C3%A9lie%20%C3%A0%20Stra%C3%9Fe%20%282001%29.mkv"
        )
        ascii_download = await client.head(library.url("real", "download"), headers=admin)
        name = library.paths["real"].name
        assert ascii_download.headers["content-disposition"] == f'attachment; filename="{name}"'


async def test_who_may_play_what(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
) -> None:
    async with played(provider_settings, database_url, tmp_path, fake) as library:
        api, client, admin = library.api, library.api.client, library.admin
        parts = library.bytes("part1"), library.bytes("part2")

        first = await client.get(library.url("part1"), headers=admin)
        assert first.content == parts[0]
        by_part = await client.get(library.url("part1"), params={"part": 2}, headers=admin)
        assert by_part.content == parts[1]
        by_file = await client.get(
            library.url("part1"), params={"file": library.file["part2"], "part": 1}, headers=admin
        )
        assert by_file.content == parts[1]  # the file wins over the part
        episode = await client.get(library.url("episode"), headers=admin)
        assert episode.content == library.bytes("episode")

        # The film's local trailer plays when asked for by its file, never in the film's place.
        assert library.item["trailer"] == library.item["real"]
        main = await client.get(library.url("real"), headers=admin)
        assert main.content == library.bytes("real")
        trailer = await client.get(
            library.url("real"), params={"file": library.file["trailer"]}, headers=admin
        )
        assert trailer.content == library.bytes("trailer")

        for url, params in [
            (library.url("part1"), {"file": library.file["trailer"]}),  # another item's extra
            (library.url("real"), {"part": 2}),  # no such part
            (library.url("real"), {"file": library.file["big"]}),  # another item's file
            (library.url("real"), {"file": 2**62}),
            (f"/api/items/{library.series}/stream", {}),  # a series holds no file
            ("/api/items/999999/stream", {}),
            ("/api/items/999999/download", {}),
        ]:
            missing = await client.get(url, params=params, headers=admin)
            assert missing.status_code == 404, (url, params)
            assert missing.headers["content-type"] == PROBLEM_JSON
        for bad in ({"file": "0"}, {"part": "0"}, {"part": "one"}, {"file": str(2**63)}):
            invalid = await client.get(library.url("real"), params=bad, headers=admin)
            assert invalid.status_code == 422, bad

        assert (await client.get(library.url("real"))).status_code == 401
        user = await api.services.users.create_user("kid", PASSWORD)
        kid = bearer((await api.services.users.login("kid", PASSWORD)).secret)
        hidden = await client.get(library.url("real"), headers=kid)
        assert hidden.status_code == 404
        assert hidden.json()["detail"] == f"item {library.item['real']} does not exist"
        assert (await client.head(library.url("real", "download"), headers=kid)).status_code == 404
        await api.services.users.set_user_libraries(user.id, [library.movies_library])
        granted = await client.get(library.url("real"), headers=kid)
        assert granted.content == library.bytes("real")
        assert (await client.get(library.url("episode"), headers=kid)).status_code == 404

        # The film's page offers its trailer; the trailer's player has no progress address,
        # so playing it leaves the film's watch state alone.
        await log_in(api, "ann", is_admin=True)
        film, trailer_id = library.item["real"], library.file["trailer"]
        play_trailer = f"/items/{film}/play?file={trailer_id}"
        assert f'href="{play_trailer}"' in await page(api, f"/movies/{film}")
        player = await page(api, play_trailer)
        assert attribute(player, "file") == str(trailer_id)
        assert "data-progress-url" not in player
        assert "Trailer: " in player
        assert attribute(await page(api, f"/items/{film}/play"), "progress-url")
        elsewhere = await client.get(f"/items/{library.item['part1']}/play?file={trailer_id}")
        assert elsewhere.status_code == 404


async def test_links_out_of_the_library_are_served_when_followed(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
) -> None:
    """`scan.follow_symlinks_outside_roots` on: today's links in from another disk are indexed
    and played; off, see `test_files_changed_on_disk_since_the_scan`."""
    async with played(
        provider_settings, database_url, tmp_path, fake, follow_links_out=True
    ) as library:
        client, admin = library.api.client, library.admin
        linked = await client.get(library.url("linked_out"), headers=admin)
        assert linked.status_code == 200
        assert linked.content == library.bytes("secret")
        ranged = await client.get(
            library.url("linked_out"), headers=admin | {"Range": "bytes=10-19"}
        )
        assert ranged.content == library.bytes("secret")[10:20]


def playable(path: Path, root: Path) -> PlayableFile:
    found = path.stat()
    return PlayableFile(
        id=1, library_id=1, part=1, path=str(path), path_bytes=os.fsencode(path),
        size=found.st_size, mtime_ns=found.st_mtime_ns, inode=found.st_ino, container="mkv",
        item_kind=ItemKind.MOVIE, item_title="Film", extra_type=None, roots=(str(root),),
    )  # fmt: skip


def test_only_an_unconfined_file_is_opened_through_a_link_out(tmp_path: Path) -> None:
    library, outside = tmp_path / "library", tmp_path / "outside"
    secret = random_file(outside / "secret.mkv", 5000, 9)
    link = library / "Film (2000).mkv"
    library.mkdir()
    link.symlink_to(secret)
    media = playable(link, library)
    with pytest.raises(FileGoneError, match="file 1 is not inside its library"):
        open_playable(media)
    opened = open_playable(replace(media, confined=False))
    try:
        assert opened.file.read() == secret.read_bytes()
    finally:
        opened.close()


async def test_files_changed_on_disk_since_the_scan(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
) -> None:
    async with played(provider_settings, database_url, tmp_path, fake) as library:
        client, admin = library.api.client, library.admin

        inside = await client.get(library.url("linked_in"), headers=admin)
        assert inside.content == library.bytes("shared")
        # The stored link now leads out of the library: never served, whatever it leads to.
        library.paths["linked_in"].unlink()
        library.paths["linked_in"].symlink_to(library.paths["secret"])
        for what in ("stream", "download"):
            outside = await client.get(library.url("linked_in", what), headers=admin)
            assert outside.status_code == 404
            assert (
                outside.json()["detail"]
                == f"file {library.file['linked_in']} is not inside its library"
            )
        info = await client.get(library.url("linked_in", "playback-info"), headers=admin)
        assert info.status_code in (404, 422), info.text
        assert str(library.paths["secret"].parent) not in info.text

        before = await client.head(library.url("part2"), headers=admin)
        replacement = library.paths["part2"].with_suffix(".new")
        random_file(replacement, 1234, 7).replace(library.paths["part2"])  # a new inode
        replaced = await client.get(library.url("part1"), params={"part": 2}, headers=admin)
        assert replaced.content == library.bytes("part2")
        assert replaced.headers["content-length"] == "1234"
        assert replaced.headers["etag"] != before.headers["etag"]

        library.paths["real"].unlink()
        gone = await client.get(library.url("real"), headers=admin)
        assert gone.status_code == 404
        assert gone.headers["content-type"] == PROBLEM_JSON
        assert gone.json()["detail"] == f"file {library.file['real']} is gone from the disk"
        kept = await client.get(f"/api/movies/{library.item['real']}", headers=admin)
        assert kept.status_code == 200
        assert [f["path"] for f in kept.json()["files"]] == [str(library.paths["real"])]

        os.mkfifo(library.paths["episode"].with_suffix(".fifo"))
        library.paths["episode"].unlink()
        library.paths["episode"].with_suffix(".fifo").rename(library.paths["episode"])
        fifo = await client.get(library.url("episode"), headers=admin)  # must not hang
        assert fifo.status_code == 404


# ---- the real server: zero copy, and the chunked fallback --------------------------------


def descriptors_of(path: Path) -> int:
    """How many descriptors of this process are open on `path`."""
    found = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            found += os.readlink(f"/proc/self/fd/{fd}") == str(path)
        except OSError:
            continue  # closed since the listing
    return found


@asynccontextmanager
async def real_server(api: Api, protocol: Any) -> AsyncIterator[tuple[str, uvicorn.Server]]:
    """uvicorn serving the started app on a loopback port, on this test's event loop."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(api.app, lifespan="off", http=protocol, log_config=None)
    server = uvicorn.Server(config)
    task = asyncio.get_running_loop().create_task(server.serve(sockets=[sock]))

    async def started() -> bool:
        return server.started

    await eventually(started, within_s=10, what="the server to start")
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}", server
    finally:
        server.should_exit = True
        await task
        sock.close()


@contextmanager
def counted_sendfiles() -> Iterator[list[int]]:
    """The byte counts of every `loop.sendfile` while the block runs."""
    loop = asyncio.get_running_loop()
    counts: list[int] = []
    original = loop.sendfile

    async def counting(transport: Any, file: Any, offset: int = 0, count: int | None = None,
                       **kwargs: Any) -> int:  # fmt: skip
        sent = await original(transport, file, offset, count, **kwargs)
        counts.append(sent)
        return sent

    loop.sendfile = counting  # type: ignore[method-assign]
    try:
        yield counts
    finally:
        del loop.sendfile


@asynccontextmanager
async def asking(url: str, path: str, token: str) -> AsyncIterator[asyncio.StreamReader]:
    """A raw connection that has asked for `path`; reset when the block ends."""
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\r\n"
    writer.write(request.encode())
    try:
        yield reader
    finally:
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        writer.close()


async def read_then_hang_up(url: str, path: str, token: str, keep: int) -> int:
    """Ask for `path`, read `keep` bytes of the answer, and reset the connection."""
    async with asking(url, path, token) as reader:
        got = 0
        while got < keep:
            got += len(await reader.read(65536))
        return got


async def read_while_cut_short(url: str, path: str, token: str, file: Path) -> int:
    """Ask for `path`, cut `file` to 1 MiB once the answer flows, read to the end."""
    async with asking(url, path, token) as reader:
        got = len(await reader.read(65536))
        os.truncate(file, 1024 * 1024)
        while chunk := await reader.read(65536):
            got += len(chunk)
        return got


@pytest.mark.parametrize("zero_copy", [True, False], ids=["sendfile", "chunks"])
async def test_the_real_server_streams_and_forgets_clients_that_leave(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
    caplog: pytest.LogCaptureFixture,
    zero_copy: bool,
) -> None:
    caplog.set_level(logging.WARNING)
    async with played(provider_settings, database_url, tmp_path, fake) as library:
        huge = random_file(library.paths["big"], 64 * 1024 * 1024, 8).read_bytes()
        protocol = bounded_httptools(16 * 1024) if zero_copy else "httptools"
        token = library.admin["Authorization"].removeprefix("Bearer ")
        async with real_server(library.api, protocol) as (url, server):
            with counted_sendfiles() as sendfiles:
                async with httpx.AsyncClient(base_url=url, headers=library.admin) as client:
                    whole = await client.get(library.url("big"))
                    ranged = await client.get(
                        library.url("big"), headers={"Range": "bytes=100000-299999"}
                    )
                    gzip = await client.get(
                        library.url("real"), headers={"Accept-Encoding": "gzip"}
                    )
                    head = await client.head(library.url("big"))
                    again = await client.get(library.url("real"))  # the same connection
            assert whole.content == huge
            assert ranged.status_code == 206
            assert ranged.content == huge[100_000:300_000]
            assert gzip.content == library.bytes("real")
            assert "content-encoding" not in gzip.headers
            assert head.headers["content-length"] == str(len(huge))
            assert again.content == library.bytes("real")
            if zero_copy:
                assert sum(sendfiles) == len(huge) + 200_000 + 2 * len(library.bytes("real"))
                assert max(sendfiles) <= CHUNK
            else:
                assert sendfiles == []

            with capture_logs() as logs:
                for _ in range(3):
                    got = await read_then_hang_up(url, library.url("big"), token, 256 * 1024)
                    assert got < len(huge)

                async def idle() -> bool:
                    state = server.server_state
                    left = descriptors_of(library.paths["big"])
                    return not state.tasks and not state.connections and left == 0

                await eventually(idle, within_s=10, what="the server to forget the clients")
            assert [log for log in logs if log["log_level"] != "info"] == []
            problems = [r for r in caplog.records if r.levelno >= logging.WARNING]
            assert problems == [], [r.getMessage() for r in problems]

            # A file cut short while sent: the connection ends, short of the promised length.
            with capture_logs() as logs:
                got = await read_while_cut_short(
                    url, library.url("big"), token, library.paths["big"]
                )
                await eventually(idle, within_s=10, what="the server to end the response")
            assert got < len(huge)
            warnings = [log["event"] for log in logs if log["log_level"] != "info"]
            assert warnings == ["a file ended before the bytes promised"]
        # Without the extension, the app can only leave its response incomplete, which uvicorn
        # reports as it ends the connection.
        incomplete = ["ASGI callable returned without completing response."]
        problems = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert [r.getMessage() for r in problems] == ([] if zero_copy else incomplete)


# ---- the parts that need no server ---------------------------------------------------------


@given(header=st.one_of(st.text(max_size=40), st.from_regex(r"(?i:bytes)=[0-9 ]*-[0-9 ]*")),
       size=st.integers(0, 10**12))  # fmt: skip
def test_any_range_header_gives_a_range_within_the_file_or_none(header: str, size: int) -> None:
    got = requested_range(header, size)
    if isinstance(got, ByteRange):
        assert 0 <= got.start < got.end <= size == got.size
        assert got.content_range == f"bytes {got.start}-{got.end - 1}/{size}"
    else:
        assert got is None or got is UNSATISFIABLE


@given(first=st.integers(0, 2 * 10**6), last=st.integers(0, 2 * 10**6) | st.none(),
       size=st.integers(1, 10**6), zeros=st.integers(0, 30))  # fmt: skip
def test_valid_ranges_are_the_slices_python_takes(
    first: int, last: int | None, size: int, zeros: int
) -> None:
    pad = "0" * zeros
    header = f"bytes={pad}{first}-{'' if last is None else pad + str(last)}"
    got = requested_range(header, size)
    if last is not None and last < first:
        assert got is None
    elif first >= size:
        assert got is UNSATISFIABLE
    else:
        stop = size if last is None else last + 1
        assert isinstance(got, ByteRange)
        assert range(size)[got.start : got.end] == range(size)[first:stop]


@given(suffix=st.integers(1, 10**40), size=st.integers(1, 10**6))
def test_suffix_ranges_are_the_last_bytes(suffix: int, size: int) -> None:
    got = requested_range(f"bytes=-{suffix}", size)
    assert got == ByteRange(max(0, size - suffix), size, size)


def test_a_huge_number_is_past_any_end() -> None:
    assert requested_range("bytes=" + "9" * 5000 + "-", 10) is UNSATISFIABLE
    assert requested_range("bytes=0-" + "9" * 5000, 10) == ByteRange(0, 10, 10)
    assert requested_range("bytes=-" + "0" * 5000 + "3", 10) == ByteRange(7, 10, 10)
    assert requested_range("bytes=0-5", 0) is None  # an empty file has no range
    assert requested_range("bytes=\u0660-\u0669", 10) is None  # ASCII digits only


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("Heat (1995).mkv", 'attachment; filename="Heat (1995).mkv"'),
        (
            'a"b\\c%d.mp4',
            "attachment; filename=\"a_b_c_d.mp4\"; filename*=UTF-8''a%22b%5Cc%25d.mp4",
        ),
        ("日本.mp4", "attachment; filename=\"__.mp4\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.mp4"),
    ],
)
def test_download_names(name: str, header: str) -> None:
    assert attachment(name) == header


@pytest.mark.parametrize("media_type", ["video/mp4", "text/plain"])
@pytest.mark.parametrize("accept", ["gzip", "identity"])
async def test_gzip_lets_a_file_sent_with_zero_copy_through(media_type: str, accept: str) -> None:
    """A body sent from a file is never compressed, even of a type gzip would compress."""
    start: Message = {
        "type": "http.response.start",
        "status": 200,
        "headers": [(b"content-type", media_type.encode()), (b"content-length", b"5000")],
    }
    body: Message = {"type": ZERO_COPY_SEND, "file": None, "offset": 0, "count": 5000}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send(start)
        await send({**body, "more_body": True})
        await send({**body, "more_body": False})

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "http.disconnect"}

    scope = {
        "type": "http",
        "method": "GET",
        "headers": [(b"accept-encoding", accept.encode())],
        "extensions": {ZERO_COPY_SEND: {}},
    }
    await FileAwareGZipMiddleware(app, minimum_size=10)(scope, receive, send)
    assert sent == [start, {**body, "more_body": True}, {**body, "more_body": False}]
