"""Run the fake providers under uvicorn on a loopback port, in a background thread."""

from __future__ import annotations

from ipaddress import IPv4Network

from reelhouse.testing.fake_providers.app import FakeProviders, create_app
from reelhouse.testing.server import ThreadedServer

#: Where the fake servers listen, and so serve their images from: loopback, which image
#: downloads refuse unless `images.allowed_networks` names it.
LOOPBACK = [IPv4Network("127.0.0.0/8")]


class FakeServer(ThreadedServer):
    """`with FakeServer(fake) as server:` serves `fake` at `server.url` until the block ends."""

    def __init__(self, fake: FakeProviders, host: str = "127.0.0.1") -> None:
        super().__init__(create_app(fake), host=host, name="fake-providers")
        self.fake = fake
