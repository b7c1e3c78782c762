"""What every HTTP entry point shares (the API, the web page, and the Jellyfin-compatible API to
come): the app-wide middleware and server protocol, problem+json errors, the services and
settings of the app, the validation types of the edge, and the login-cookie session.

The entry points use this package and never each other; only the composition root installs them
side by side."""
