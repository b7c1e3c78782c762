"""Who may call: accounts and login tokens, and the webhook secret."""

from __future__ import annotations

from pydantic import Field, SecretStr, model_validator

from reelhouse.config.base import PositiveFloat, PositiveInt, Section

#: The longest password any request may carry (the API's and the page's forms refuse longer).
PASSWORD_EDGE_MAX = 1024


class AuthSettings(Section):
    session_ttl_s: PositiveInt = Field(
        30 * 86_400, description="Seconds a login token stays valid."
    )
    min_password_length: int = Field(
        8, ge=1, le=PASSWORD_EDGE_MAX, description="Shortest password an account may have."
    )
    max_password_length: int = Field(
        PASSWORD_EDGE_MAX,
        ge=1,
        le=PASSWORD_EDGE_MAX,
        description="Longest password an account may have (no request carries a longer one).",
    )
    password_hash_iterations: int = Field(
        3, ge=1, le=100, description="Argon2id passes per password hash (the time cost)."
    )
    password_hash_memory_kib: int = Field(
        65_536,
        ge=8,
        le=4_194_304,
        description="Argon2id memory per password hash, in KiB (lower it on very small machines).",
    )
    initial_admin_username: str | None = Field(
        None, description="Admin account created at start when no account exists yet."
    )
    initial_admin_password: SecretStr | None = Field(
        None, description="Password of `initial_admin_username`."
    )
    setup_code_ttl_s: PositiveInt = Field(
        86_400,
        description="Seconds the one-time setup code printed at start stays valid (while there "
        "is no account, it lets a browser on another machine run the setup wizard; a restart "
        "prints a new one).",
    )
    touch_interval_s: int = Field(
        60,
        ge=0,
        description="A token's `last_used_at` is written at most this often (0: at every "
        "request): a page with fifty posters authenticates fifty-one times.",
    )

    login_free_failures: int = Field(
        5,
        ge=0,
        le=1000,
        description="Failed logins an account or a client address may have before each next "
        "attempt must wait (429 with Retry-After).",
    )
    login_delay_s: PositiveFloat = Field(
        1.0, description="The first wait after the free failures; it doubles with each failure."
    )
    login_max_delay_s: PositiveFloat = Field(
        900.0, description="The longest wait one failed login earns."
    )
    login_window_s: PositiveFloat = Field(
        900.0,
        description="Seconds without a failure after which an account's or address's failures "
        "are forgotten (an account's also at its next successful login).",
    )
    login_tracked_keys: PositiveInt = Field(
        100_000,
        description="Accounts and addresses whose failures one process keeps when there is no "
        "Redis to share them (the least recent go first).",
    )
    max_concurrent_hashes: PositiveInt = Field(
        2,
        le=256,
        description="Password hashes computed at once per process (each takes "
        "`password_hash_memory_kib` of memory and a core); more logins wait their turn.",
    )

    @model_validator(mode="after")
    def _password_lengths(self) -> AuthSettings:
        if self.min_password_length > self.max_password_length:
            raise ValueError("auth.min_password_length is longer than auth.max_password_length")
        return self


class WebhookSettings(Section):
    secret: SecretStr | None = Field(
        None,
        min_length=16,
        description="Shared secret (16 characters or more) Sonarr and Radarr send to "
        "`/api/webhooks/arr`, in the header `X-Webhook-Secret` or as `?secret=` in the URL; "
        "unset turns that webhook off.",
    )
    max_paths: PositiveInt = Field(
        100, description="Paths one webhook call may name; a call naming more is refused (422)."
    )
    max_items: PositiveInt = Field(
        1000,
        description="Movies and series one `GET /Items` answers with (the folder lookup of "
        "Sonarr's and Radarr's Emby / Jellyfin connection); a larger `limit` gets this many.",
    )
