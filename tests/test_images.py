"""The image store against the fake image hosts: downloads, refusals, variants, safe paths."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import os
import socket
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import blurhash
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image
from starlette.types import Receive, Scope, Send

from reelhouse.bootstrap.providers import Providers
from reelhouse.config import ImagesSettings
from reelhouse.content.metadata.models import ExternalIds
from reelhouse.content.metadata.protocol import Fetch
from reelhouse.errors import (
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
    UpstreamResponseError,
    UpstreamUnavailableError,
)
from reelhouse.infra.images import ImageStore
from reelhouse.infra.public_hosts import ForbiddenAddressError
from reelhouse.testing.fake_providers.app import FakeProviders
from reelhouse.testing.fake_providers.images import POSTER
from reelhouse.testing.fake_providers.server import LOOPBACK, FakeServer
from reelhouse.testing.server import ThreadedServer

SETTINGS = ImagesSettings(
    download_timeout_s=1.0,  # the fake's `timeout` fault hangs for 3 s
    max_bytes=64 * 1024,
    max_redirects=2,
    variant_widths=[100, 1000],
    allowed_networks=LOOPBACK,
    max_retries=2,
    retry_initial_s=0.01,
    retry_max_s=0.05,
    max_rate_limited_retries=2,
)
SHA = "ab" + "0" * 62


def store_for(root: Path, **overrides: object) -> ImageStore:
    return ImageStore(root, SETTINGS.model_copy(update=overrides))


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[ImageStore]:
    store = store_for(tmp_path / "images")
    yield store
    await store.aclose()


def written(store: ImageStore, kind: str) -> float:
    value = store.metrics.registry.get_sample_value(
        "reelhouse_image_files_written_total", {"kind": kind}
    )
    return value or 0.0


def files(store: ImageStore) -> list[str]:
    """Every file under the store, temporary ones (dot files) included."""
    if not store.root.exists():
        return []
    return sorted(str(p.relative_to(store.root)) for p in store.root.rglob("*") if p.is_file())


def poster(server: FakeServer, name: str = "p1.jpg", size: str = "original") -> str:
    return f"{server.url}/t/p/{size}/{name}"


async def test_an_image_is_stored_once_per_content(
    store: ImageStore, fake_server: FakeServer, fake: FakeProviders
) -> None:
    first = await store.fetch(poster(fake_server))
    body = store.resolve(first.path).read_bytes()
    assert first.sha256 == hashlib.sha256(body).hexdigest()
    assert first.path == f"originals/{first.sha256[:2]}/{first.sha256}.jpg"
    assert (first.width, first.height, first.content_type) == (*POSTER, "image/jpeg")
    assert blurhash.components(first.blurhash) == (4, 3)
    # The same bytes again, concurrently, and from another URL (a size larger than the image).
    again = await asyncio.gather(*(store.fetch(poster(fake_server)) for _ in range(5)))
    larger = await store.fetch(poster(fake_server, size="w780"))
    assert set(again) == {first}
    assert larger == first
    assert written(store, "original") == 1
    other = await store.fetch(poster(fake_server, "p2.jpg"))
    assert other.sha256 != first.sha256
    assert files(store) == sorted([first.path, other.path])  # no temporary file left behind
    assert fake.control.stats.by_endpoint["tmdb.image"] == 8


async def test_a_transparent_png_stays_png(store: ImageStore, fake_server: FakeServer) -> None:
    logo = await store.fetch(poster(fake_server, "logo1.png"))
    assert logo.path.endswith(".png")
    assert logo.content_type == "image/png"
    with Image.open(await store.variant(logo.path, 100)) as variant:
        assert (variant.format, variant.mode) == ("WEBP", "RGBA")


async def test_thetvdb_artwork_is_served_by_the_fake(
    store: ImageStore, fake_server: FakeServer
) -> None:
    stored = await store.fetch(f"{fake_server.url}/banners/posters/70001.jpg")
    assert (stored.width, stored.height) == POSTER


async def test_provider_artwork_urls_reach_the_fake(
    store: ImageStore, providers: Providers
) -> None:
    movie = await providers.tmdb.movie(ExternalIds(tmdb=1), Fetch(language="en"))
    series = await providers.tvdb.series(ExternalIds(tvdb=70_001), Fetch(language="en"))
    assert movie is not None
    assert series is not None
    urls = [a.url for a in (*movie.artwork, *series.artwork)]
    stored = [await store.fetch(url) for url in urls]
    assert len(urls) >= 3
    assert {s.content_type for s in stored} == {"image/jpeg"}


@pytest.mark.parametrize(
    ("fault", "max_bytes"),
    [("oversized", 64 * 1024), (None, 200)],  # streamed with no length; declared too long
)
async def test_a_body_over_the_cap_is_refused(
    tmp_path: Path, fake_server: FakeServer, fake: FakeProviders, fault: str, max_bytes: int
) -> None:
    store = store_for(tmp_path / "images", max_bytes=max_bytes)
    if fault:
        fake.control.inject("/t/p/", fault)
    with pytest.raises(UpstreamResponseError, match="larger than"):
        await store.fetch(poster(fake_server))
    await store.aclose()
    assert files(store) == []


@pytest.mark.parametrize("fault", ["not_image", "truncated"])
async def test_a_body_that_does_not_decode_is_refused(
    store: ImageStore, fake_server: FakeServer, fake: FakeProviders, fault: str
) -> None:
    fake.control.inject("/t/p/", fault)
    with pytest.raises(UpstreamResponseError, match="image"):
        await store.fetch(poster(fake_server))
    assert files(store) == []
    assert store.metrics.registry.get_sample_value(
        "reelhouse_image_fetches_total", {"outcome": "refused"}
    )


async def test_too_many_pixels_are_refused(tmp_path: Path, fake_server: FakeServer) -> None:
    store = store_for(tmp_path / "images", max_pixels=POSTER[0] * POSTER[1] - 1)
    with pytest.raises(UpstreamResponseError, match="pixels"):
        await store.fetch(poster(fake_server))
    await store.aclose()
    assert files(store) == []


@pytest.mark.parametrize(
    ("fault", "status", "error"),
    [
        ("error", 503, UpstreamUnavailableError),
        ("error", 500, UpstreamUnavailableError),
        ("timeout", 0, UpstreamUnavailableError),
        ("rate_limit", 0, RateLimitedError),
        ("error", 403, UpstreamResponseError),
        ("redirect_loop", 0, UpstreamResponseError),
    ],
)
async def test_failures_are_typed(
    store: ImageStore,
    fake_server: FakeServer,
    fake: FakeProviders,
    fault: str,
    status: int,
    error: type[Exception],
) -> None:
    fake.control.inject("/t/p/", fault, times=10, status=status or 503)  # a loop, not one hop
    with pytest.raises(error):
        await store.fetch(poster(fake_server))
    assert files(store) == []


def image_requests(fake: FakeProviders) -> int:
    return fake.control.stats.by_endpoint["tmdb.image"]


def retries(store: ImageStore) -> float:
    value = store.metrics.registry.get_sample_value("reelhouse_image_fetch_retries_total")
    return value or 0.0


@pytest.mark.parametrize(
    ("fault", "status", "retry_after"),
    [
        ("error", 503, None),
        ("error", 502, None),
        ("error", 503, 1.0),  # a 503 that says when to come back
        ("timeout", 503, None),
        ("rate_limit", 503, 1.0),
    ],
)
async def test_transient_failures_are_retried(
    store: ImageStore,
    fake_server: FakeServer,
    fake: FakeProviders,
    fault: str,
    status: int,
    retry_after: float | None,
) -> None:
    """Two failures in a row, then the image: stored, after two retries (the Retry-After
    waited for; its length is not asserted, timing is not for tests)."""
    fake.control.inject("/t/p/", fault, times=2, status=status, retry_after=retry_after)
    stored = await store.fetch(poster(fake_server))
    assert files(store) == [stored.path]
    assert image_requests(fake) == 3
    assert retries(store) == 2
    if retry_after is not None:
        assert fake.control.stats.by_status[status if fault == "error" else 429] == 2


@pytest.mark.parametrize(
    ("fault", "error"), [("rate_limit", RateLimitedError), ("error", UpstreamUnavailableError)]
)
async def test_a_retry_after_beyond_the_bound_fails_at_once(
    tmp_path: Path,
    fake_server: FakeServer,
    fake: FakeProviders,
    fault: str,
    error: type[RateLimitedError | UpstreamUnavailableError],
) -> None:
    store = store_for(tmp_path / "images", max_retry_after_s=60.0)
    fake.control.inject("/t/p/", fault, times=1, retry_after=3_600)
    with pytest.raises(error) as raised:
        await store.fetch(poster(fake_server))
    await store.aclose()
    assert raised.value.retry_after_s == 3_600
    assert image_requests(fake) == 1


@pytest.mark.parametrize(
    ("fault", "status"), [("error", 404), ("error", 403), ("not_image", 200), ("truncated", 200)]
)
async def test_what_a_retry_cannot_fix_is_not_retried(
    store: ImageStore, fake_server: FakeServer, fake: FakeProviders, fault: str, status: int
) -> None:
    fake.control.inject("/t/p/", fault, times=10, status=status)
    with pytest.raises((NotFoundError, UpstreamResponseError)):
        await store.fetch(poster(fake_server))
    assert image_requests(fake) == 1
    assert retries(store) == 0


async def test_a_host_that_is_down_fails_fast_and_alone(
    tmp_path: Path, fake_server: FakeServer, fake: FakeProviders
) -> None:
    """Once most recent downloads from a host failed, its breaker opens: its images fail at
    once, without a request, even when it is back; another host is not affected."""
    store = store_for(
        tmp_path / "images",
        max_retries=1,
        breaker_window=4,
        breaker_min_requests=4,
        breaker_open_s=3_600,
    )
    fake.control.inject("/t/p/", "error", times=1_000)
    for name in ("p1.jpg", "p2.jpg"):  # two tries each
        with pytest.raises(UpstreamUnavailableError, match="HTTP 503"):
            await store.fetch(poster(fake_server, name))
    assert image_requests(fake) == 4
    fake.control.script.clear()  # the host is back, but the breaker does not know yet
    for name in ("p3.jpg", "p4.jpg", "p5.jpg"):
        with pytest.raises(UpstreamUnavailableError, match="circuit breaker is open"):
            await store.fetch(poster(fake_server, name))
    assert image_requests(fake) == 4
    # The same server by another name is another host, with a breaker of its own.
    port = fake_server.url.rsplit(":", 1)[1]
    other = await store.fetch(f"http://localhost:{port}/t/p/original/p3.jpg")
    assert files(store) == [other.path]
    await store.aclose()


async def test_an_image_the_host_does_not_have_is_not_found(
    store: ImageStore, fake_server: FakeServer
) -> None:
    with pytest.raises(NotFoundError):
        await store.fetch(poster(fake_server, "p1.gif"))  # the fake has JPEG and PNG only


async def test_a_host_that_does_not_answer_is_unavailable(store: ImageStore) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once the probe is closed
    with pytest.raises(UpstreamUnavailableError):
        await store.fetch(f"http://127.0.0.1:{port}/t/p/original/p1.jpg")


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.com/p.jpg", "http://", "p1.jpg", "http://[::1"]
)
async def test_only_http_urls_are_fetched(store: ImageStore, url: str) -> None:
    with pytest.raises(InvalidInputError) as raised:
        await store.fetch(url)
    assert raised.value.field == "url"


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A real file system with no space left: a tiny tmpfs, filled up."""
    mount = tmp_path / "full"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], check=True)
    try:
        filler = os.open(mount / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            while True:
                os.write(filler, b"\0" * 4096)
        except OSError as full:
            if full.errno != errno.ENOSPC:
                raise
        finally:
            os.close(filler)
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


async def test_a_full_disk_propagates_as_it_is(full_disk: Path, fake_server: FakeServer) -> None:
    store = store_for(full_disk / "images")
    with pytest.raises(OSError, match="No space left") as raised:
        await store.fetch(poster(fake_server))
    await store.aclose()
    assert type(raised.value) is OSError  # not wrapped: the job layer stops on ENOSPC
    assert raised.value.errno == errno.ENOSPC
    assert files(store) == []  # not even the temporary file


async def test_variants_keep_the_aspect_and_never_upscale(
    store: ImageStore, fake_server: FakeServer
) -> None:
    stored = await store.fetch(poster(fake_server))
    small = await store.variant(stored.path, 100)
    large = await store.variant(stored.path, 1000)
    assert small == store.root / "variants" / "100" / stored.sha256[:2] / f"{stored.sha256}.webp"
    with Image.open(small) as image:
        assert (image.format, image.size) == ("WEBP", (100, 150))
    with Image.open(large) as image:
        assert image.size == POSTER
    assert await store.variant(stored.path, 100) == small
    assert written(store, "variant") == 2


async def test_jpeg_variants_keep_transparency_as_png(
    tmp_path: Path, fake_server: FakeServer
) -> None:
    store = store_for(tmp_path / "images", variant_format="jpeg")
    photo = await store.fetch(poster(fake_server))
    logo = await store.fetch(poster(fake_server, "logo1.png"))
    with Image.open(await store.variant(photo.path, 100)) as image:
        assert (image.format, image.size) == ("JPEG", (100, 150))
    with Image.open(await store.variant(logo.path, 100)) as image:
        assert (image.format, image.mode) == ("PNG", "RGBA")
    await store.aclose()


async def test_a_variant_asked_for_at_once_is_made_once(
    store: ImageStore, fake_server: FakeServer
) -> None:
    stored = await store.fetch(poster(fake_server))
    made = await asyncio.gather(*(store.variant(stored.path, w) for w in [100] * 10 + [1000] * 10))
    assert len(set(made)) == 2
    assert written(store, "variant") == 2


async def test_only_offered_widths_exist(store: ImageStore, fake_server: FakeServer) -> None:
    stored = await store.fetch(poster(fake_server))
    for width in (99, 101, 0, -1, 10**9):
        with pytest.raises(InvalidInputError) as raised:
            await store.variant(stored.path, width)
        assert raised.value.field == "width"
    assert not (store.root / "variants").exists()


async def test_locating_a_file_that_is_not_stored(store: ImageStore) -> None:
    missing = f"originals/ab/{SHA}.jpg"
    with pytest.raises(NotFoundError):
        await store.locate(missing)
    with pytest.raises(NotFoundError):
        await store.locate(missing, 100)


async def test_located_files_carry_their_type_and_version(
    store: ImageStore, fake_server: FakeServer
) -> None:
    stored = await store.fetch(poster(fake_server))
    original = await store.locate(stored.path)
    variant = await store.locate(stored.path, 100)
    assert original.path == store.resolve(stored.path)
    assert (original.content_type, original.version) == ("image/jpeg", f"{stored.sha256}.jpg")
    assert (variant.content_type, variant.version) == ("image/webp", f"{stored.sha256}-100.webp")


@pytest.mark.parametrize(
    "path",
    [
        "",
        "../etc/passwd",
        "/etc/passwd",
        f"originals/ab/../ab/{SHA}.jpg",
        f"/originals/ab/{SHA}.jpg",
        f"originals/ab/{SHA}.jpg\x00.png",
        f"originals/ab/{SHA}.jpg\n",
        f"originals/cd/{SHA}.jpg",  # the folder does not match the name
        f"originals/AB/{SHA.upper()}.jpg",
        f"originals/ab/{SHA}.svg",
        f"variants/100/ab/{SHA}.webp",
        f"originals/ab/.{SHA}.jpg.part",
        f"originals//ab/{SHA}.jpg",
    ],
)
def test_resolve_refuses_what_the_store_does_not_write(tmp_path: Path, path: str) -> None:
    store = store_for(tmp_path / "images")
    with pytest.raises(InvalidInputError):
        store.resolve(path)


def test_resolve_refuses_a_symlink_out_of_the_store(tmp_path: Path) -> None:
    store = store_for(tmp_path / "images")
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(b"not yours")
    link = store.root / "originals" / "ab" / f"{SHA}.jpg"
    link.parent.mkdir(parents=True)
    link.symlink_to(secret)
    with pytest.raises(InvalidInputError):
        store.resolve(f"originals/ab/{SHA}.jpg")


def test_resolve_gives_the_file_in_the_store(tmp_path: Path) -> None:
    store = store_for(tmp_path / "images")
    assert store.resolve(f"originals/ab/{SHA}.png") == store.root / "originals" / "ab" / (
        f"{SHA}.png"
    )


PATH_PARTS = st.sampled_from(
    ["originals", "variants", "ab", "..", ".", "", "/", "\x00", "~", SHA, f"{SHA}.jpg", "%2e%2e"]
)


def test_resolve_never_leaves_the_store(tmp_path: Path) -> None:
    store = store_for(tmp_path / "images")
    root = store.root.resolve()

    @given(st.one_of(st.text(), st.lists(PATH_PARTS, max_size=6).map("/".join)))
    def check(path: str) -> None:
        try:
            resolved = store.resolve(path)
        except InvalidInputError:
            return
        assert resolved.is_relative_to(root)
        assert resolved == root / path

    check()


async def test_served_files_are_held_in_memory_up_to_the_bound(
    tmp_path: Path, fake_server: FakeServer
) -> None:
    """A held file is served without touching the disk (its file may even be gone); the
    bytes held never exceed `memory_cache_bytes`, and a file over `memory_cache_max_file_bytes`
    is not held at all."""
    names = [f"p{n}.jpg" for n in range(1, 25)]
    sizes: list[int] = []
    for name in names:  # the sizes, fetched once into a store of their own
        async with contextlib.aclosing(store_for(tmp_path / name)) as probe:
            fetched = await probe.fetch(poster(fake_server, name))
            sizes.append(probe.resolve(fetched.path).stat().st_size)
    bound = 3 * max(sizes)  # every poster is small enough to hold, not all of them at once
    assert sum(sizes) > bound
    async with contextlib.aclosing(
        store_for(tmp_path / "images", memory_cache_bytes=bound)
    ) as store:
        stored = [await store.fetch(poster(fake_server, name)) for name in names]
        for image in stored:
            located = await store.locate(image.path)
            assert located.body == located.path.read_bytes()
        for image in stored:
            store.resolve(image.path).unlink()
        held = []
        for image, size in zip(stored, sizes, strict=True):
            with contextlib.suppress(NotFoundError):
                assert (await store.locate(image.path)).body is not None
                held.append(size)
        assert 0 < sum(held) <= bound
    smallest = names[sizes.index(min(sizes))]
    too_small = min(sizes) - 1
    async with contextlib.aclosing(
        store_for(tmp_path / "unheld", memory_cache_max_file_bytes=too_small)
    ) as unheld:
        fetched = await unheld.fetch(poster(fake_server, smallest))
        assert (await unheld.locate(fetched.path)).body is None


# -- outbound requests only to public addresses (URLs in NFO files are untrusted) ---------------


async def redirecting_app(scope: Scope, receive: Receive, send: Send) -> None:
    """Redirects every request to the URL in its query string (`?to=...`)."""
    target = parse_qs(scope["query_string"].decode())["to"][0]
    await send(
        {"type": "http.response.start", "status": 302, "headers": [(b"location", target.encode())]}
    )
    await send({"type": "http.response.body", "body": b""})


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/t/p/original/p1.jpg",
        "http://localhost:{port}/t/p/original/p1.jpg",
        "http://[::1]:{port}/t/p/original/p1.jpg",
        "http://169.254.169.254/latest/meta-data/",  # the cloud metadata address
        "http://10.1.2.3/poster.jpg",
        "http://192.168.0.10:8096/Items/1/Images/Primary",
        "http://[::ffff:127.0.0.1]:{port}/t/p/original/p1.jpg",
        "http://0.0.0.0:{port}/t/p/original/p1.jpg",
    ],
)
async def test_images_are_not_fetched_from_private_addresses(
    tmp_path: Path, fake_server: FakeServer, url: str
) -> None:
    port = fake_server.url.rsplit(":", 1)[1]
    store = store_for(tmp_path / "images", allowed_networks=[])
    try:
        with pytest.raises(ForbiddenAddressError, match="where outbound requests may not go"):
            await store.fetch(url.format(port=port))
    finally:
        await store.aclose()
    assert files(store) == []


async def test_a_redirect_to_a_private_address_is_refused(
    tmp_path: Path, fake_server: FakeServer
) -> None:
    """The first host is allowed by name; the one it redirects to is checked all the same."""
    port = fake_server.url.rsplit(":", 1)[1]
    inside = f"http://localhost:{port}/t/p/original/p1.jpg"
    with ThreadedServer(redirecting_app) as redirector:
        store = store_for(tmp_path / "images", allowed_networks=[], allowed_hosts=["127.0.0.1"])
        try:
            with pytest.raises(ForbiddenAddressError, match="localhost resolves to"):
                await store.fetch(f"{redirector.url}/?{urlencode({'to': inside})}")
            # Allowed by name, the same image is fetched.
            allowed = store_for(tmp_path / "ok", allowed_networks=[], allowed_hosts=["localhost"])
            assert (await allowed.fetch(inside)).width == POSTER[0]
            await allowed.aclose()
        finally:
            await store.aclose()
