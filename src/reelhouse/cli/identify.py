"""`reelhouse identify`: what paths are, by their names alone."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Literal

import typer

from reelhouse.cli.root import app
from reelhouse.kinds import LibraryKind
from reelhouse.naming import group, identify


@app.command("identify")
def identify_command(
    paths: Annotated[
        list[str], typer.Argument(help="Paths to analyse; '-' reads them from stdin.")
    ],
    library_kind: Annotated[
        Literal[LibraryKind.MOVIES, LibraryKind.TV, "auto"],
        typer.Option("--library-kind", help="What the library holds (auto: the name decides)."),
    ] = "auto",
    root: Annotated[
        str, typer.Option(help="Library root: only the part of each path below it counts.")
    ] = "",
    grouped: Annotated[
        bool, typer.Option("--group", help="Group the paths into library items.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Identify paths by name alone (nothing is read from disk; a trailing '/' marks a folder)."""
    if paths == ["-"]:
        # Bytes that are not UTF-8 (file names need not be) survive as surrogate escapes.
        text = sys.stdin.buffer.read().decode(errors="surrogateescape")
        paths = [line.rstrip("\r") for line in text.split("\n")]
    library = None if library_kind == "auto" else LibraryKind(library_kind)
    found = [identify(p, library=library, root=root) for p in paths if p]
    rows = group(found) if grouped else [i.to_json() for i in found]
    for row in rows:
        line = json.dumps(row, ensure_ascii=False) if as_json else _plain(row)
        try:
            line.encode()
        except UnicodeEncodeError:  # a name that is not UTF-8: escaped, not lost
            line = json.dumps(row) if as_json else line.encode(errors="backslashreplace").decode()
        typer.echo(line)


def _plain(row: dict[str, object]) -> str:
    return "  ".join(f"{key}={value}" for key, value in row.items())
