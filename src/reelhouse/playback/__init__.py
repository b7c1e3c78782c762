"""Playing the library's files: what is in each (probe facts), serving them as they are (direct
play with ranges), and their subtitles, external and embedded."""
