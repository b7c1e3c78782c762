"""`reelhouse identify`: arguments or stdin in, one line or JSON object per path or item out."""

from __future__ import annotations

import json
import os

from typer.testing import CliRunner

from reelhouse.cli import app

runner = CliRunner()


def test_json_per_path() -> None:
    result = runner.invoke(
        app, ["identify", "--json", "The.Matrix.1999.1080p.BluRay.x264-GRP.mkv", "Show/Season 2/"]
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert rows[0] == {
        "path": "The.Matrix.1999.1080p.BluRay.x264-GRP.mkv",
        "kind": "movie",
        "decided_by": "fast",
        "title": "The Matrix",
        "year": 1999,
        "owner": "",
        "container": "mkv",
    }
    assert rows[1]["kind"] == "season_folder"
    assert rows[1]["season"] == 2


def test_paths_from_stdin_keep_spaces_and_odd_characters() -> None:
    paths = ["  Heat (1995).mkv", "Ünïcødé \u2013 Title (2001)/x.mkv", "a\tb S01E01.mkv"]
    result = runner.invoke(app, ["identify", "--json", "-"], input="\n".join(paths) + "\n")
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["path"] for line in result.output.splitlines()] == paths


def test_library_kind_and_root() -> None:
    result = runner.invoke(
        app,
        ["identify", "--json", "--library-kind", "tv", "--root", "/srv/Trailers",
         "/srv/Trailers/Naruto/Naruto - 136.mkv"],
    )  # fmt: skip
    row = json.loads(result.output)
    assert (row["kind"], row["series"], row["absolute_episode"]) == ("episode", "Naruto", 136)


def test_group_prints_one_object_per_item() -> None:
    result = runner.invoke(
        app,
        ["identify", "--group", "--json",
         "Heat (1995)/Heat (1995)-cd1.avi", "Heat (1995)/Heat (1995)-cd2.avi",
         "Heat (1995)/Heat (1995)-trailer.mkv"],
    )  # fmt: skip
    (item,) = [json.loads(line) for line in result.output.splitlines()]
    assert len(item["versions"][0]["parts"]) == 2
    assert item["extras"][0]["extra_type"] == "trailer"


def test_plain_output_and_a_bad_library_kind() -> None:
    ok = runner.invoke(app, ["identify", "Heat (1995).mkv"])
    assert "kind=movie" in ok.output
    assert "title=Heat" in ok.output
    bad = runner.invoke(app, ["identify", "--library-kind", "music", "x.mkv"])
    assert bad.exit_code != 0


def test_names_that_are_not_utf8_are_escaped_not_lost() -> None:
    raw = b"Caf\xe9 (2001).mkv"
    result = runner.invoke(app, ["identify", "--json", "-"], input=raw + b"\n")
    assert result.exit_code == 0, result.output
    row = json.loads(result.output)
    assert os.fsencode(row["path"]) == raw
    assert (row["kind"], row["year"]) == ("movie", 2001)
    plain = runner.invoke(app, ["identify", "-"], input=raw + b"\n")
    assert "Caf\\udce9 (2001).mkv" in plain.output
