"""The web player: hls.js vendored from the npm registry as the lockfile pins it."""

from __future__ import annotations

import json
from pathlib import Path

from reelhouse.web.render import STATIC_DIR

ROOT = Path(__file__).resolve().parent.parent
VENDOR = STATIC_DIR / "vendor"
HLS_BUNDLE = VENDOR / "hls.light.min.js"


def locked_hls_version() -> str:
    """The hls.js version package-lock.json pins."""
    lock = json.loads((ROOT / "package-lock.json").read_text())
    version: str = lock["packages"]["node_modules/hls.js"]["version"]
    return version


def test_the_vendored_hls_js_is_the_locked_version() -> None:
    version = locked_hls_version()
    package = json.loads((ROOT / "package.json").read_text())
    assert package["dependencies"]["hls.js"] == version  # pinned exactly, not a range
    # The bundle carries its version as the string `Hls.version` returns.
    assert f'"{version}"' in HLS_BUNDLE.read_text()
    assert f"| {version} |" in (VENDOR / "README.md").read_text()
    assert "Apache License" in (VENDOR / "hls.js.LICENSE").read_text()
