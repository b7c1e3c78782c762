"""Playing the library's files: what is in each (probe facts), serving them as they are (direct
play with ranges), how each client plays each file (direct, remux or transcode, and why), and
their subtitles, external and embedded."""
