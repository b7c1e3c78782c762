"""What a scan never looks at: junk names, and folders excluded by ``.ignore`` files.

An empty ``.ignore`` (or ``.plexignore``) skips its whole folder; otherwise its lines are
gitignore patterns relative to that folder. Pure: callers pass the files' contents in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pathspec

from reelhouse.naming.vocabulary import JUNK_NAMES

IGNORE_FILE_NAMES = (".ignore", ".plexignore")


def is_junk(name: str) -> bool:
    """Dot files and folders, NAS and OS litter (``@eaDir``, ``$RECYCLE.BIN``, ``Thumbs.db``...)."""
    return name.startswith(".") or name.lower() in JUNK_NAMES


@dataclass(frozen=True, slots=True)
class IgnoreFile:
    """One ``.ignore`` file: ``folder`` is relative to the library root (``""`` is the root)."""

    folder: str
    spec: pathspec.GitIgnoreSpec | None

    @classmethod
    def parse(cls, folder: str, content: str) -> IgnoreFile:
        lines = [line for line in content.splitlines() if line.strip()]
        spec = pathspec.GitIgnoreSpec.from_lines(lines) if lines else None
        return cls(folder.strip("/"), spec)

    def ignores(self, relative: str, *, is_dir: bool) -> bool:
        """Whether ``relative`` (relative to the library root) is excluded by this file."""
        prefix = f"{self.folder}/" if self.folder else ""
        if not relative.startswith(prefix) or relative.rstrip("/") == self.folder:
            return False
        if self.spec is None:
            return True
        inner = relative[len(prefix) :].rstrip("/")
        return self.spec.match_file(inner + "/" if is_dir else inner) or any(
            self.spec.match_file(inner[:i] + "/") for i in range(len(inner)) if inner[i] == "/"
        )


@dataclass(frozen=True, slots=True)
class IgnoreRules:
    files: tuple[IgnoreFile, ...] = ()

    @classmethod
    def of(cls, files: Iterable[tuple[str, str]]) -> IgnoreRules:
        """From ``(folder, content)`` pairs."""
        return cls(tuple(IgnoreFile.parse(folder, content) for folder, content in files))

    def ignores(self, relative: str, *, is_dir: bool) -> bool:
        return any(f.ignores(relative, is_dir=is_dir) for f in self.files)
