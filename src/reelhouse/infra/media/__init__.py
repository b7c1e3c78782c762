"""ffprobe and ffmpeg at the edge: one bounded runner for both (house rule 12), the probe that
turns ffprobe's JSON into `reelhouse.playback.facts`, and subtitle extraction."""

from reelhouse.infra.media.ffmpeg import extract_subtitle
from reelhouse.infra.media.ffprobe import Prober
from reelhouse.infra.media.process import ProgramOutput, run_program

__all__ = ["Prober", "ProgramOutput", "extract_subtitle", "run_program"]
