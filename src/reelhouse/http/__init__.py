"""What every HTTP entry point shares (the API, the web page, and the Jellyfin-compatible API to
come): the app-wide middleware and server protocol, problem+json errors, the services and
settings of the app, the validation types of the edge, the login-cookie session, and the
encoded bodies the HTTP layers cache.

The entry points use this package and never each other; only the app (`reelhouse.app`) installs
them side by side."""
