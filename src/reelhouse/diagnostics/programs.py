"""ffprobe and ffmpeg: there, which versions, and able to encode what a transcode needs."""

from __future__ import annotations

import re

from reelhouse.config import MediaSettings, StreamingSettings
from reelhouse.diagnostics.findings import Finding, Status
from reelhouse.errors import ProgramError
from reelhouse.infra.media.hls import AUDIO_ENCODER, VIDEO_ENCODERS
from reelhouse.infra.media.process import run_program

#: Seconds `-version` and `-encoders` may take: they answer in milliseconds, and a program
#: still silent after this is hung, not slow.
PROGRAM_TIMEOUT_S = 10.0
#: Most bytes either prints (its list of encoders is about 20 KiB).
PROGRAM_OUTPUT_BYTES = 1024 * 1024
#: An encoder's line in `ffmpeg -encoders`: six flag letters or dots, then its name.
_ENCODER_LINE = re.compile(r"^\s*[VAS][A-Z.]{5}\s+(\S+)", re.MULTILINE)

_ROLE = {
    "ffprobe": "files are not probed, so playback cannot tell what a file holds",
    "ffmpeg": "no transcoding, remuxing or embedded subtitles",
}


async def check_programs(media: MediaSettings, streaming: StreamingSettings) -> list[Finding]:
    findings = [
        await _version("ffprobe", media.ffprobe_path, media.process_niceness),
        await _version("ffmpeg", media.ffmpeg_path, media.process_niceness),
    ]
    if findings[-1].status is not Status.OK:
        findings.append(Finding("ffmpeg encoders", Status.SKIPPED, "ffmpeg does not run"))
        return findings
    needed = [VIDEO_ENCODERS[streaming.hardware_acceleration], AUDIO_ENCODER]
    findings.append(await _encoders(media, needed))
    return findings


async def _version(name: str, program: str, niceness: int) -> Finding:
    try:
        output = await _run([program, "-hide_banner", "-version"], niceness)
    except ProgramError as exc:
        setting = f"media.{name}_path = {program!r}"
        return Finding(name, Status.FAIL, f"{exc.detail} ({setting}): {_ROLE[name]}")
    first = output.splitlines()[0] if output else ""
    # "ffmpeg version 5.1.4-0+deb12u1 Copyright (c) ..." names its version third.
    words = first.split()
    version = words[2] if len(words) > 2 and words[1] == "version" else first or "unknown"
    return Finding(name, Status.OK, f"{program}, version {version}")


async def _encoders(media: MediaSettings, needed: list[str]) -> Finding:
    try:
        output = await _run(
            [media.ffmpeg_path, "-hide_banner", "-encoders"], media.process_niceness
        )
    except ProgramError as exc:
        return Finding("ffmpeg encoders", Status.FAIL, exc.detail)
    present = set(_ENCODER_LINE.findall(output))
    missing = [encoder for encoder in needed if encoder not in present]
    if missing:
        detail = f"this ffmpeg lacks {', '.join(missing)}: transcodes fail (streaming "
        detail += "settings name the video encoder; a full ffmpeg build has them all)"
        return Finding("ffmpeg encoders", Status.FAIL, detail)
    return Finding("ffmpeg encoders", Status.OK, ", ".join(needed))


async def _run(argv: list[str], niceness: int) -> str:
    output = await run_program(
        argv, timeout_s=PROGRAM_TIMEOUT_S, niceness=niceness, max_output=PROGRAM_OUTPUT_BYTES
    )
    return output.stdout.decode("utf-8", "replace")
