"""The web page: server-rendered HTML (Jinja2) over the same services as the API, with a little
plain JavaScript on top; its templates and static files ship inside the package."""
