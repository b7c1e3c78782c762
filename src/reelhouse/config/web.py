"""The web page: its cookies, page sizes and image widths."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from reelhouse.config.base import Section

#: The picture heights a player may cap a stream at (lines): from 144p to 8K.
MIN_HEIGHT_CAP = 144
MAX_HEIGHT_CAP = 4320


class WebSettings(Section):
    session_cookie: str = Field(
        "reelhouse_session",
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="Name of the web page's login cookie (HttpOnly, SameSite=Lax; it holds a "
        "login token, valid for `auth.session_ttl_s`).",
    )
    csrf_cookie: str = Field(
        "reelhouse_csrf",
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="Name of the cookie every form of the web page must echo (CSRF protection).",
    )
    recent_cookie: str = Field(
        "reelhouse_recent",
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="Name of the cookie that remembers what this browser opened last, for the "
        'home page\'s "continue exploring" rows.',
    )
    secure_cookies: Literal["auto", "always", "never"] = Field(
        "auto",
        description="Mark the page's cookies Secure: `auto` when the request came over HTTPS "
        "(behind a proxy, as its `X-Forwarded-Proto` says when uvicorn trusts it), `always` "
        "for a proxy that does not say, `never` for plain-HTTP test setups only.",
    )
    page_size: int = Field(
        60, ge=1, le=200, description="Posters per page of a library grid (one more load each)."
    )
    row_size: int = Field(20, ge=1, le=200, description="Posters per row of the home page.")
    recent_items: int = Field(
        24, ge=0, le=100, description='Items remembered for "continue exploring".'
    )
    search_results: int = Field(
        8, ge=1, le=50, description="Results per group (movies, series...) in the search box."
    )
    search_debounce_ms: int = Field(
        200, ge=0, le=5_000, description="Typing pause before the search box asks the server."
    )
    favourites_shown: int = Field(
        200, ge=1, le=1_000, description="Most items the favourites page shows."
    )
    history_page_size: int = Field(
        50, ge=1, le=500, description='Entries per page of the history page (then "Older").'
    )
    jobs_shown: int = Field(50, ge=1, le=200, description="Jobs on the admin's jobs page.")
    setup_cookie: str = Field(
        "reelhouse_setup",
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="Cookie holding the setup code a browser on another machine entered in the "
        "setup wizard (until the first admin exists).",
    )
    folders_shown: int = Field(
        1000,
        ge=1,
        le=100_000,
        description="Subfolders the folder browser (setup wizard, library forms) lists of one "
        "folder at most; the rest are counted, not listed.",
    )
    match_candidates: int = Field(
        10, ge=1, le=50, description="Provider candidates the fix-match dialog offers."
    )
    poster_width: int = Field(
        342, description="Width of poster images on the page; one of `images.variant_widths`."
    )
    backdrop_width: int = Field(
        1280, description="Width of backdrops on the page; one of `images.variant_widths`."
    )
    photo_width: int = Field(
        185, description="Width of people's photos on the page; one of `images.variant_widths`."
    )
    still_width: int = Field(
        342, description="Width of episode stills on the page; one of `images.variant_widths`."
    )
    progress_report_s: float = Field(
        10.0,
        ge=1,
        le=300,
        description="How often the web player reports the playing position to the watch state "
        "(it also reports when paused, and when it stops or the page is left).",
    )
    player_heights: tuple[Annotated[int, Field(ge=MIN_HEIGHT_CAP, le=MAX_HEIGHT_CAP)], ...] = Field(
        (2160, 1080, 720, 480, 360),
        min_length=1,
        max_length=12,
        description="The picture heights the web player's quality menu offers as caps (besides "
        "Auto, which plays the file as it is when the browser can).",
    )
    next_episode_countdown_s: int = Field(
        10,
        ge=0,
        le=120,
        description="Seconds the web player counts down at the end of an episode before it "
        "plays the next one; 0 offers the next episode without playing it by itself.",
    )
