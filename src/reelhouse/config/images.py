"""Artwork: downloads, resized copies, placeholders and serving."""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network
from typing import Annotated, Literal

from pydantic import Field

from reelhouse.config.base import PositiveFloat, PositiveInt, Section


def _variant_widths() -> list[int]:
    return [185, 342, 500, 780, 1280]


class ImagesSettings(Section):
    download_timeout_s: PositiveFloat = Field(
        30.0, description="Seconds one image download may take, from connecting to the last byte."
    )
    connect_timeout_s: PositiveFloat = Field(
        5.0, description="Seconds opening a connection to an image host may take."
    )
    max_bytes: PositiveInt = Field(
        20 * 1024 * 1024,
        description="Largest image downloaded; the download stops there and the image is "
        "refused as bad.",
    )
    local_max_bytes: PositiveInt = Field(
        50 * 1024 * 1024,
        description="Largest image file read from a library folder (a local `poster.jpg`, "
        "`fanart.jpg`...); a larger one is skipped and reported on the artwork job.",
    )
    upload_max_bytes: PositiveInt = Field(
        20 * 1024 * 1024,
        description="Largest image an admin may upload as an item's poster, backdrop or logo "
        "(the image picker); a larger one is refused with 413 before it is read whole.",
    )
    choices_page_size: int = Field(
        30,
        ge=1,
        le=500,
        description="Images the image picker lists per page (the provider's offer and the "
        "stored ones, each with its language and size).",
    )
    max_pixels: PositiveInt = Field(
        80_000_000,
        description="Largest image accepted, in pixels (width times height): a small file can "
        "decode into a huge bitmap.",
    )
    max_redirects: int = Field(
        3, ge=0, le=20, description="Redirects followed per download before the image is refused."
    )
    allowed_hosts: list[Annotated[str, Field(min_length=1, max_length=253)]] = Field(
        default_factory=list,
        max_length=100,
        description="Hosts images may be downloaded from whatever address they resolve to. "
        "Otherwise only public addresses are fetched from: a URL in an NFO that leads to "
        "loopback, a private or link-local network (the cloud metadata address) is refused, "
        "checked after DNS and at every redirect.",
    )
    allowed_networks: list[IPv4Network | IPv6Network] = Field(
        default_factory=list,
        max_length=100,
        description="Networks (CIDR) images may be downloaded from besides public addresses, "
        "such as a NAS on the local network serving artwork (`192.168.1.0/24`).",
    )
    download_concurrency: PositiveInt = Field(
        8,
        description="Images one process downloads at once (the artwork job's parallelism, and "
        "the pooled connections of the image store).",
    )
    download_batch: PositiveInt = Field(
        100,
        le=10_000,
        description="Chosen images the artwork job looks up per round. Each image is recorded "
        "as it is stored or fails, with how far the job got, so a resumed job neither loses "
        "nor repeats one.",
    )
    max_retries: int = Field(
        5,
        ge=0,
        le=20,
        description="Retries of a failed image download (5xx, timeout, connection error), "
        "with exponential backoff from `retry_initial_s` up to `retry_max_s`; then the image "
        "is recorded as failed on the job and the others go on.",
    )
    retry_initial_s: PositiveFloat = Field(
        0.5,
        description="First retry delay of an image download; it doubles each retry. Also the "
        "most random jitter added to each delay, and to a `Retry-After` wait.",
    )
    retry_max_s: PositiveFloat = Field(
        10.0, description="Longest delay between two retries of an image download."
    )
    max_rate_limited_retries: int = Field(
        10,
        ge=0,
        le=100,
        description="Retries of an image download after 429 answers, counted apart from "
        "`max_retries`: being paced by the image host is not a failure.",
    )
    max_retry_after_s: PositiveFloat = Field(
        60.0,
        description="Longest `Retry-After` of an image host (on a 429 or 503) waited for; a "
        "longer one fails the image at once (the next artwork run tries it again).",
    )
    breaker_window: PositiveInt = Field(
        50,
        description="Recent downloads from one image host its circuit breaker judges the "
        "host's health by.",
    )
    breaker_min_requests: PositiveInt = Field(
        20, description="Downloads from a host in the window before its breaker may open."
    )
    breaker_failure_ratio: float = Field(
        0.5,
        gt=0,
        le=1,
        description="Share of failed downloads (5xx, timeout, connection error) in the window "
        "that opens the host's breaker: its images then fail at once instead of each waiting "
        "out its retries.",
    )
    breaker_open_s: PositiveFloat = Field(
        60.0,
        description="Seconds an image host's breaker stays open before one probe download is "
        "let through.",
    )
    breaker_hosts: PositiveInt = Field(
        256,
        description="Image hosts whose circuit breakers are kept, the most recently used; a "
        "host beyond them starts again with a closed breaker.",
    )
    variant_widths: list[Annotated[int, Field(gt=0, le=10_000)]] = Field(
        default_factory=_variant_widths,
        description="Widths a resized copy may be asked for (`?width=`); any other is refused, "
        "so requests cannot fill the disk with sizes.",
    )
    variant_format: Literal["webp", "jpeg"] = Field(
        "webp",
        description="Format of resized copies: `webp` (small, keeps transparency) or `jpeg` "
        "(for old clients; then only JPEG originals become JPEG, others PNG, which keeps "
        "the transparency of logos).",
    )
    variant_quality: int = Field(
        80,
        ge=1,
        le=100,
        description="Encoder quality of resized copies; a copy is made once, so a change "
        "applies to copies made afterwards.",
    )
    variant_lock_stripes: PositiveInt = Field(
        64,
        description="Locks that make concurrent requests for one resized copy make it once; "
        "requests for different copies wait on each other only when they share a lock.",
    )
    blurhash_components_x: int = Field(
        4, ge=1, le=7, description="Horizontal detail of the blurhash placeholder (1-7)."
    )
    blurhash_components_y: int = Field(
        3, ge=1, le=7, description="Vertical detail of the blurhash placeholder (1-7)."
    )
    memory_cache_bytes: int = Field(
        64 * 1024 * 1024,
        ge=0,
        description="Bytes of served images (originals and resized copies) held in memory, the "
        "most recently served first, so a repeated request reads no file; 0 holds none.",
    )
    memory_cache_max_file_bytes: PositiveInt = Field(
        4 * 1024 * 1024,
        description="Largest image file held in memory (`images.memory_cache_bytes`); a larger "
        "one is read from disk each time it is served.",
    )
    cache_max_age_s: PositiveInt = Field(
        86_400,
        description="Seconds clients may keep a served image without asking again "
        "(`Cache-Control: private, max-age`; after it, the ETag makes asking again cheap); a "
        "newly selected image of the same kind shows after at most this long.",
    )
